-- A BRIN index a DBA adds to audit_logs while a writer refills an emptied
-- block range, whose ranges do not divide the writer's (pages_per_range
-- 20 against 32): no range is refilled from then on, and the write that
-- finishes the range being refilled goes on at the end of the table.  It
-- looked for the next range by a size of 0 pages and failed with a
-- division by zero ("floating-point exception").
\set test_db db_asd_space_index_change
\i sql/include/own_database.sql

ALTER TABLE audit_softdelete.audit_logs SET (autovacuum_enabled = off);
CREATE TABLE sc_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('sc_t', stamps => false, soft_delete => 'off');
-- the page of the newest audit row
CREATE FUNCTION sc_last_page() RETURNS int LANGUAGE sql
    RETURN (SELECT (ctid::text::point)[0]::int FROM audit_softdelete.audit_logs
             WHERE id = pg_catalog.currval('audit_softdelete.audit_logs_id_seq'));

-- several block ranges of rows; the first two emptied
INSERT INTO sc_t SELECT g, 'x' FROM generate_series(1, 10000) g;
DELETE FROM audit_softdelete.audit_logs WHERE ctid < '(64,1)';
VACUUM audit_softdelete.audit_logs;
-- rows until the writer refills one of them
DO $$
DECLARE
    next_id int := 20000;
BEGIN
    LOOP
        INSERT INTO sc_t VALUES (next_id, 'y');
        next_id := next_id + 1;
        EXIT WHEN sc_last_page() < 64 OR next_id > 25000;
    END LOOP;
END
$$;
SELECT sc_last_page() < 64 AS refilling;
CREATE INDEX sc_by_id ON audit_softdelete.audit_logs USING brin (id)
    WITH (pages_per_range = 20);
-- enough rows to fill the range being refilled, and more
INSERT INTO sc_t SELECT g, 'z' FROM generate_series(30001, 33000) g;
SELECT count(*) AS written,
       count(*) FILTER (WHERE (ctid::text::point)[0] >= 64) > 0 AS some_at_the_end
  FROM audit_softdelete.audit_logs WHERE new_values ->> 'v' = 'z';
-- and the new index finds them
SET enable_seqscan = off;
SELECT count(*) AS found_by_id FROM audit_softdelete.audit_logs
 WHERE id > (SELECT max(id) FROM audit_softdelete.audit_logs WHERE new_values ->> 'v' = 'y');
RESET enable_seqscan;

\c :regress_db
DROP DATABASE :test_db;
