-- The writer summarises BRIN ranges by the index's own range size (its
-- metapage): a changed pages_per_range option takes effect only at REINDEX.
CREATE TABLE sr_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('sr_t', stamps => false, soft_delete => 'off');
ALTER INDEX audit_softdelete.audit_logs_time_idx SET (pages_per_range = 64);
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx') >= 0
    AS all_summarized;
SELECT pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
       / pg_catalog.current_setting('block_size')::int AS start_blocks \gset
INSERT INTO sr_t SELECT g, 'x' FROM generate_series(1, 14000) g;
SELECT pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
       / pg_catalog.current_setting('block_size')::int - :start_blocks > 5 * 32
    AS five_ranges_more;
-- the writer summarised each range of 32 pages behind it: only the last,
-- partial one is left (not every other one, as by the option's 64)
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx')
    AS ranges_left_unsummarised;
ALTER INDEX audit_softdelete.audit_logs_time_idx RESET (pages_per_range);
SELECT audit_softdelete.disable('sr_t');
DROP TABLE sr_t;
