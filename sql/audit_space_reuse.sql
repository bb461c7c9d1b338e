-- Room that a retention delete and VACUUM free in audit_logs is used again
-- (src/audit_space.c): when the end of the table reaches a new BRIN block
-- range, the writer refills a range VACUUM found wholly empty, then
-- summarises it.  No autovacuum meanwhile: a VACUUM running keeps the
-- writer out of empty ranges.
ALTER TABLE audit_softdelete.audit_logs SET (autovacuum_enabled = off);
CREATE TABLE sp_t (id int PRIMARY KEY, v text);
CREATE TABLE sp_other (id int PRIMARY KEY);
SELECT audit_softdelete.enable('sp_t', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('sp_other', stamps => false, soft_delete => 'off');
CREATE FUNCTION sp_pages() RETURNS bigint LANGUAGE sql
    RETURN pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
           / pg_catalog.current_setting('block_size')::int;
-- the block range a row is in (32 pages, the index's pages_per_range)
CREATE FUNCTION sp_range(tid) RETURNS int LANGUAGE sql
    RETURN ($1::text::point)[0]::int / 32;
-- heap pages a bitmap scan of audit_logs read for a count(*) query
CREATE FUNCTION sp_pages_read(query text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    SET LOCAL enable_seqscan = off;
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Lossy Heap Blocks')::int;
END
$$;

-- about seven block ranges of sp_t's audit rows, then sp_other's after them
INSERT INTO sp_t SELECT g, 'x' FROM generate_series(1, 10000) g;
INSERT INTO sp_other SELECT g FROM generate_series(1, 300) g;
-- the retention job: sp_t's rows go, but for one in the middle
SELECT ctid AS kept FROM audit_softdelete.audit_logs
 WHERE table_name = 'sp_t' ORDER BY id OFFSET 5000 LIMIT 1 \gset
DELETE FROM audit_softdelete.audit_logs
 WHERE table_name = 'sp_t' AND ctid <> :'kept';
VACUUM audit_softdelete.audit_logs;
SELECT sp_pages() AS pages_before, pg_catalog.clock_timestamp() AS cut \gset

INSERT INTO sp_t SELECT g, 'y' FROM generate_series(20001, 26000) g;
-- appending only, it grew by about 140 pages; now by what the end range
-- takes until it reaches the next range
SELECT sp_pages() - :pages_before < 40 AS room_used_again;
-- the new rows are in the emptied ranges, at least four of them
SELECT count(DISTINCT sp_range(ctid)) >= 4 AS ranges_refilled
  FROM audit_softdelete.audit_logs
 WHERE logged_at > :'cut' AND ctid < pg_catalog.format('(%s,1)', :pages_before)::tid;
-- but not in the range that still holds a row: its summary would reach
-- back to that row's time
SELECT count(*) AS new_rows_beside_the_kept_one
  FROM audit_softdelete.audit_logs
 WHERE sp_range(ctid) = sp_range(:'kept') AND logged_at > :'cut';
-- the refilled ranges were summarised anew, without the deleted rows'
-- times: a search of the time before the delete reads every range but
-- them (and the one being refilled, not summarised yet)
WITH ranges AS (
    SELECT sp_range(ctid) AS range, bool_or(logged_at < :'cut') AS has_old
      FROM audit_softdelete.audit_logs
     WHERE ctid < pg_catalog.format('(%s,1)', :pages_before)::tid
     GROUP BY 1)
SELECT sp_pages_read(pg_catalog.format(
           'SELECT count(*) FROM audit_softdelete.audit_logs WHERE logged_at < %L', :'cut'))
       <= 32 * ((sp_pages() + 31) / 32 - count(*) FILTER (WHERE NOT has_old) + 1)
    AS refilled_ranges_not_read
  FROM ranges;
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx') <= 2
    AS at_most_two_unsummarised;
-- and the index finds every new row, by time and by transaction
SET enable_seqscan = off;
SELECT count(*) AS new_rows_by_time FROM audit_softdelete.audit_logs
 WHERE logged_at > :'cut';
SELECT count(*) AS new_rows_by_id FROM audit_softdelete.audit_logs
 WHERE id > (SELECT max(id) FROM audit_softdelete.audit_logs WHERE logged_at < :'cut');
RESET enable_seqscan;

-- A VACUUM summarises the range being refilled, rows and all; the writer
-- removes that summary again as it goes on to the next page (else each
-- row would re-form it).
SELECT (ctid::text::point)[0]::int AS refill_page
  FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1 \gset
VACUUM audit_softdelete.audit_logs;
SELECT pg_catalog.brin_summarize_range('audit_softdelete.audit_logs_time_idx', :refill_page)
    AS summarised_by_vacuum_before;
SET sp.refill_page = :refill_page;
DO $$
DECLARE
    next_id int := 27000;
BEGIN
    LOOP
        INSERT INTO sp_t VALUES (next_id, 'w');
        next_id := next_id + 1;
        EXIT WHEN (SELECT (ctid::text::point)[0]::int
                         <> pg_catalog.current_setting('sp.refill_page')::int
                     FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1)
               OR next_id > 27500;
    END LOOP;
END
$$;
SELECT (ctid::text::point)[0]::int < :pages_before AS still_refilling,
       pg_catalog.brin_summarize_range('audit_softdelete.audit_logs_time_idx',
                                       (ctid::text::point)[0]::int)
    AS summary_removed_again
  FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1;
RESET sp.refill_page;

-- A range being refilled that VACUUM truncates away (every row deleted):
-- the writer goes back to the end of the table, never past it.
DELETE FROM audit_softdelete.audit_logs;
VACUUM audit_softdelete.audit_logs;
SELECT sp_pages() AS pages_after_truncation;
INSERT INTO sp_t SELECT g, 'z' FROM generate_series(30001, 30100) g;
SELECT sp_range(ctid) AS range, count(*) FROM audit_softdelete.audit_logs GROUP BY 1;

-- TRUNCATE while a range is being refilled: the range is forgotten
INSERT INTO sp_t SELECT g, 'x' FROM generate_series(40001, 50000) g;
INSERT INTO sp_other SELECT g FROM generate_series(1001, 1300) g;
DELETE FROM audit_softdelete.audit_logs WHERE table_name = 'sp_t';
VACUUM audit_softdelete.audit_logs;
INSERT INTO sp_t SELECT g, 'y' FROM generate_series(50001, 51000) g;
SELECT count(*) > 0 AS refilling FROM audit_softdelete.audit_logs
 WHERE ctid < '(32,1)' AND table_name = 'sp_t';
TRUNCATE audit_softdelete.audit_logs;
INSERT INTO sp_t SELECT g, 'y' FROM generate_series(60001, 61000) g;
SELECT sp_range(ctid) AS range, count(*) FROM audit_softdelete.audit_logs GROUP BY 1;
-- TRUNCATE rebuilt the BRIN index on the empty table, which summarised its
-- first range; the writer removed that summary with the first row, so
-- that rows there do not re-form it (it summarises the range once full)
SELECT pg_catalog.brin_summarize_range('audit_softdelete.audit_logs_time_idx', 0)
    AS first_range_left_unsummarised;

ALTER TABLE audit_softdelete.audit_logs RESET (autovacuum_enabled);
SELECT audit_softdelete.disable('sp_t');
SELECT audit_softdelete.disable('sp_other');
DROP TABLE sp_t, sp_other;
DROP FUNCTION sp_pages(), sp_range(tid), sp_pages_read(text);
