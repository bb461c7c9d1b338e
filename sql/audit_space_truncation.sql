-- A VACUUM that truncates audit_logs inside the block range the writer is
-- refilling (everything after the page it fills deleted): the writer goes
-- back to the end of the table and never reads past it, even when an
-- insert of the same session through the executor, which takes room the
-- free space map offers, has put the table's target block back on the
-- page the writer was filling.
\set test_db db_asd_space_truncation
\i sql/include/own_database.sql

ALTER TABLE audit_softdelete.audit_logs SET (autovacuum_enabled = off);
CREATE TABLE st_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('st_t', stamps => false, soft_delete => 'off');
-- the page of the newest audit row
CREATE FUNCTION st_last_page() RETURNS int LANGUAGE sql
    RETURN (SELECT (ctid::text::point)[0]::int FROM audit_softdelete.audit_logs
             WHERE id = pg_catalog.currval('audit_softdelete.audit_logs_id_seq'));
CREATE FUNCTION st_pages() RETURNS bigint LANGUAGE sql
    RETURN pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
           / pg_catalog.current_setting('block_size')::int;

-- several block ranges of rows; the first one emptied
INSERT INTO st_t SELECT g, 'x' FROM generate_series(1, 10000) g;
DELETE FROM audit_softdelete.audit_logs WHERE ctid < '(32,1)';
VACUUM audit_softdelete.audit_logs;
-- rows until the writer, at the next range boundary, refills that range
-- up to its third page
DO $$
DECLARE
    next_id int := 20000;
BEGIN
    LOOP
        INSERT INTO st_t VALUES (next_id, 'y');
        next_id := next_id + 1;
        EXIT WHEN st_last_page() = 2 OR next_id > 25000;
    END LOOP;
END
$$;
SELECT st_last_page() AS refilling_page;
-- everything after that page goes: VACUUM truncates the table after it
DELETE FROM audit_softdelete.audit_logs WHERE ctid >= '(3,0)';
VACUUM audit_softdelete.audit_logs;
SELECT st_pages() AS pages_after_truncation;
-- a row too large for the room left in pages 0 and 1 goes where the free
-- space map says: the page the writer was filling
INSERT INTO audit_softdelete.audit_logs
       (table_id, table_oid, schema_name, table_name, action, db_user, new_values)
VALUES (0, 0, 'public', 'by_hand', 'INSERT', 'st',
        pg_catalog.jsonb_build_object('v', pg_catalog.repeat('z', 1500)))
RETURNING (ctid::text::point)[0]::int AS by_hand_page;
-- audited writes fill that page, then go on at the end of the table
INSERT INTO st_t SELECT g, 'w' FROM generate_series(30001, 30300) g;
SELECT count(*) AS written, min((ctid::text::point)[0]::int) AS first_page,
       max((ctid::text::point)[0]::int) = st_pages() - 1 AS last_at_the_end,
       st_pages() > 3 AS table_grew
  FROM audit_softdelete.audit_logs WHERE new_values ->> 'v' = 'w';

\c :regress_db
DROP DATABASE :test_db;
