-- Long operations say how far they got: enable_schema() and
-- disable_schema() over more than 100 tables after every 100th, purge()
-- after every 100,000 rows removed and every 100,000 audit rows written.
-- Fewer say nothing (see enable_schema, softdelete_purge).
CREATE SCHEMA prog;
DO $$
BEGIN
    FOR i IN 1..205 LOOP
        EXECUTE format('CREATE TABLE prog.t%s (id int PRIMARY KEY)', to_char(i, 'FM000'));
    END LOOP;
END
$$;
SELECT audit_softdelete.enable_schema('prog', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.disable_schema('prog', disable_tables => true);
SET client_min_messages = warning;
DROP SCHEMA prog CASCADE;
RESET client_min_messages;

-- purge(): 150,000 rows soft-deleted long ago
CREATE TABLE prog_purge (id int PRIMARY KEY, deleted_at timestamptz);
INSERT INTO prog_purge SELECT g, now() - interval '2 days' FROM generate_series(1, 150000) g;
SELECT audit_softdelete.enable('prog_purge', stamps => false);
SELECT audit_softdelete.purge('prog_purge', interval '1 day');
SELECT count(*) AS purged_rows_audited FROM audit_softdelete.audit_logs
 WHERE table_name = 'prog_purge' AND action = 'DELETE';
-- without the audit trigger the delete trigger records each row itself
INSERT INTO prog_purge SELECT g, now() - interval '2 days' FROM generate_series(1, 100000) g;
SELECT audit_softdelete.enable('prog_purge', stamps => false, audit => false);
SELECT audit_softdelete.purge('prog_purge', interval '1 day');
SELECT audit_softdelete.disable('prog_purge');
DROP TABLE prog_purge;
