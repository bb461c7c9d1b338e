-- An error inside a BRIN summary the writer makes (here a DBA's bloom
-- index whose filter cannot fit a page) fails that audited write, and
-- nothing more: the session can still be cancelled.  The writer holds
-- interrupts while it summarises; an error sets their holdoff count back
-- to zero itself, and resuming them again on the way out wrapped the count
-- round, which left them held for good: no statement_timeout, no
-- pg_cancel_backend, not even pg_terminate_backend for that session.
\set test_db db_asd_summary_error
\i sql/include/own_database.sql

ALTER TABLE audit_softdelete.audit_logs SET (autovacuum_enabled = off);
CREATE TABLE se_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('se_t', stamps => false, soft_delete => 'off');
TRUNCATE audit_softdelete.audit_logs;
CREATE INDEX se_bloom ON audit_softdelete.audit_logs
    USING brin (schema_name text_bloom_ops (n_distinct_per_range = 100000,
                                            false_positive_rate = 0.0001))
    WITH (pages_per_range = 32);
-- built on the empty table, it summarised its first range: rows there
-- would fail at once; unsummarised, they fail when the writer summarises
-- that range, as the table grows past it
SELECT pg_catalog.brin_desummarize_range('audit_softdelete.se_bloom', 0);

-- the error caught by a PL/pgSQL block
DO $$
BEGIN
    INSERT INTO se_t SELECT g, 'x' FROM generate_series(1, 3000) g;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'audited write failed: %', left(SQLERRM, 29);
END
$$;
SET statement_timeout = '50ms';
SELECT pg_catalog.pg_sleep(1) AS not_cancelled;
RESET statement_timeout;

-- the error failing the statement (the next range's summary)
INSERT INTO se_t SELECT g, 'x' FROM generate_series(1, 3000) g;
SET statement_timeout = '50ms';
SELECT pg_catalog.pg_sleep(1) AS not_cancelled;
RESET statement_timeout;

-- without that index, the writes go through
DROP INDEX audit_softdelete.se_bloom;
INSERT INTO se_t SELECT g, 'x' FROM generate_series(1, 3000) g;
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs WHERE table_name = 'se_t';

\c :regress_db
DROP DATABASE :test_db;
