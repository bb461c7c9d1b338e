-- The bloom filter of actors in audit_logs' BRIN index has a fixed size:
-- sized by the pages_per_range option, a larger option (applied to the
-- ranges only at REINDEX, but to the filter at once) made it too large for
-- a page, and every audited write that summarised a range failed.
\set test_db db_asd_bloom_range_size
\i sql/include/own_database.sql

CREATE TABLE br_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('br_t', stamps => false, soft_delete => 'off');
ALTER INDEX audit_softdelete.audit_logs_time_idx SET (pages_per_range = 256);
SELECT pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
       / pg_catalog.current_setting('block_size')::int AS start_blocks \gset
-- audited writes across several ranges of 32 pages, each summarised by the
-- writer as the next one starts
BEGIN;
SELECT audit_softdelete.set_actor('br_loader');
INSERT INTO br_t SELECT g, 'x' FROM generate_series(1, 6000) g;
COMMIT;
SELECT pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
       / pg_catalog.current_setting('block_size')::int - :start_blocks > 2 * 32
    AS two_ranges_more;
BEGIN;
SELECT audit_softdelete.set_actor('br_bob');
UPDATE br_t SET v = 'y' WHERE id = 1;
COMMIT;
-- the index can be rebuilt with the larger ranges, and written through
REINDEX INDEX audit_softdelete.audit_logs_time_idx;
BEGIN;
SELECT audit_softdelete.set_actor('br_bob');
UPDATE br_t SET v = 'z' WHERE id = 2;
COMMIT;
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx') >= 0
    AS summarised;
SET enable_seqscan = off;
SELECT action, row_pk, new_values FROM audit_softdelete.changes(actor => 'br_bob');
RESET enable_seqscan;

\c :regress_db
DROP DATABASE :test_db;
