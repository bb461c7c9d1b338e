-- The indexes of audit_logs answer the questions users ask: the history of
-- a row, what one transaction did, what happened since a time.

CREATE TABLE ai_items (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ai_items', stamps => false, soft_delete => 'off');
CREATE TABLE ai_other (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ai_other', stamps => false, soft_delete => 'off');

-- Many rows, in many transactions, so that the indexes have work to do.
INSERT INTO ai_items SELECT g, 0 FROM generate_series(1, 300) g;
INSERT INTO ai_other SELECT g, 0 FROM generate_series(1, 300) g;
DO $$
BEGIN
    FOR i IN 1..20 LOOP
        UPDATE public.ai_items SET qty = qty + 1 WHERE id % 20 = i - 1;
        COMMIT;
    END LOOP;
END
$$;

-- One transaction to look for, and its id.  (One UPDATE per row: the
-- order in which one statement updates two rows depends on its plan.)
BEGIN;
UPDATE ai_items SET qty = 100 WHERE id = 7;
UPDATE ai_items SET qty = 100 WHERE id = 8;
DELETE FROM ai_other WHERE id = 7;
SELECT pg_current_xact_id() AS the_txid \gset
COMMIT;
SELECT pg_catalog.clock_timestamp() AS before_last \gset
SELECT pg_sleep(0.01);
UPDATE ai_items SET qty = 200 WHERE id = 9;

SET enable_seqscan = off;

-- A row's history: the b-tree on (table_id, row_pk_hash); row_pk itself
-- filters out rows of other keys with the same hash.
SET plan_cache_mode = force_generic_plan;
PREPARE ai_history(jsonb) AS
SELECT action, old_values, new_values FROM audit_softdelete.audit_logs
 WHERE table_id = 1 AND row_pk_hash = pg_catalog.jsonb_hash_extended($1, 0)
   AND row_pk = $1;
EXPLAIN (COSTS OFF) EXECUTE ai_history('{"id": 7}');
DEALLOCATE ai_history;
RESET plan_cache_mode;
SELECT action, old_values, new_values
  FROM audit_softdelete.audit_logs l
  JOIN audit_softdelete.tracked_tables t USING (table_id)
 WHERE t.relid = 'ai_items'::regclass
   AND l.row_pk_hash = pg_catalog.jsonb_hash_extended('{"id": 7}', 0)
   AND l.row_pk = '{"id": 7}'
 ORDER BY l.id;
-- every row written carries the hash of its key, NULL without a key
RESET enable_seqscan;
SELECT count(*) FILTER (WHERE table_name IN ('ai_items', 'ai_other')) AS rows_logged,
       count(*) FILTER (WHERE row_pk_hash IS DISTINCT FROM
                              pg_catalog.jsonb_hash_extended(row_pk, 0)) AS wrong_hash
  FROM audit_softdelete.audit_logs;
SET enable_seqscan = off;

-- What one transaction did: the BRIN index, over xid8.
EXPLAIN (COSTS OFF)
SELECT * FROM audit_softdelete.audit_logs WHERE txid = '12345';
SELECT table_name, action, row_pk
  FROM audit_softdelete.audit_logs WHERE txid = :'the_txid'
 ORDER BY id;

-- What happened since a time: the same BRIN index, over logged_at.
EXPLAIN (COSTS OFF)
SELECT * FROM audit_softdelete.audit_logs WHERE logged_at >= now();
SELECT table_name, action, row_pk, new_values
  FROM audit_softdelete.audit_logs WHERE logged_at >= :'before_last'
 ORDER BY id;

-- Once VACUUM has summarized the ranges, the xid8 summaries still find
-- exactly the transaction's rows, and rows written into a summarized range
-- widen its summary and are found too.
RESET enable_seqscan;
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx') > 0
    AS summarized;
SET enable_seqscan = off;
SELECT table_name, action, row_pk
  FROM audit_softdelete.audit_logs WHERE txid = :'the_txid'
 ORDER BY id;
BEGIN;
UPDATE ai_items SET qty = 300 WHERE id = 10;
SELECT pg_current_xact_id() AS later_txid \gset
COMMIT;
SELECT table_name, action, row_pk
  FROM audit_softdelete.audit_logs WHERE txid = :'later_txid';
-- the index and a plain scan agree on every transaction
CREATE TEMP TABLE ai_by_index AS
SELECT txid, count(*) AS n FROM audit_softdelete.audit_logs
 WHERE txid >= :'the_txid' GROUP BY txid;
RESET enable_seqscan;
SET enable_bitmapscan = off;
SELECT count(*) AS transactions,
       bool_and(i.n IS NOT DISTINCT FROM s.n) AS index_agrees_with_scan
  FROM ai_by_index i
  FULL JOIN (SELECT txid, count(*) AS n FROM audit_softdelete.audit_logs
              WHERE txid >= :'the_txid' GROUP BY txid) s USING (txid);
RESET enable_bitmapscan;

-- keys equal as jsonb have equal hashes: 1.0 and 1.00 find the same row
CREATE TABLE ai_numeric (id numeric PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ai_numeric', stamps => false, soft_delete => 'off');
INSERT INTO ai_numeric VALUES (1.0, 1);
UPDATE ai_numeric SET qty = 2 WHERE id = 1;
SELECT l.action, l.row_pk
  FROM audit_softdelete.audit_logs l
  JOIN audit_softdelete.tracked_tables t USING (table_id)
 WHERE t.relid = 'ai_numeric'::regclass
   AND l.row_pk_hash = pg_catalog.jsonb_hash_extended('{"id": 1.00}', 0)
   AND l.row_pk = '{"id": 1.00}'
 ORDER BY l.id;
SELECT audit_softdelete.disable('ai_numeric');
DROP TABLE ai_numeric;

-- row_history() runs that query for a table, its partitions, its live view
SELECT action, old_values, new_values
  FROM audit_softdelete.row_history('ai_items', '{"id": 7}');
CREATE TABLE ai_parts (id int PRIMARY KEY, qty int) PARTITION BY RANGE (id);
CREATE TABLE ai_parts_1 PARTITION OF ai_parts FOR VALUES FROM (0) TO (100);
SELECT audit_softdelete.enable('ai_parts', stamps => false, soft_delete => 'off');
INSERT INTO ai_parts VALUES (7, 1);
UPDATE ai_parts SET qty = 2 WHERE id = 7;
SELECT table_name, action, row_pk FROM audit_softdelete.row_history('ai_parts_1', '{"id": 7}');
SELECT count(*) AS from_parent FROM audit_softdelete.row_history('ai_parts', '{"id": 7}');
CREATE TABLE ai_viewed (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ai_viewed', stamps => false, soft_delete => 'view');
INSERT INTO ai_viewed VALUES (7, 1);
DELETE FROM ai_viewed WHERE id = 7;
SELECT table_name, action, row_pk FROM audit_softdelete.row_history('ai_viewed', '{"id": 7}');
-- a disabled table keeps its history
SELECT audit_softdelete.disable('ai_parts');
SELECT count(*) AS after_disable FROM audit_softdelete.row_history('ai_parts', '{"id": 7}');
-- a key with no history, a table without any, NULLs
SELECT count(*) AS none FROM audit_softdelete.row_history('ai_items', '{"id": 12345}');
CREATE TABLE ai_untracked (id int PRIMARY KEY);
SELECT * FROM audit_softdelete.row_history('ai_untracked', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.row_history(NULL, '{"id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.row_history('ai_items', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('ai_viewed');
DROP TABLE ai_parts, ai_viewed, ai_untracked;

SELECT audit_softdelete.disable('ai_items');
SELECT audit_softdelete.disable('ai_other');
DROP TABLE ai_items, ai_other;

-- Since 1.1: no primary key on id; the row-history index ends in id, so a
-- row's audit rows come in order without a sort; lookups by id, like those
-- by time and transaction, go through the BRIN index, and so do an actor's
-- rows since a time (its bloom filter of actors skips the block ranges in
-- which the actor wrote nothing).
CREATE TABLE ai_hot (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ai_hot', stamps => false, soft_delete => 'off');
INSERT INTO ai_hot SELECT g, 0 FROM generate_series(1, 3000) g;
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        UPDATE public.ai_hot SET qty = qty + 1 WHERE id = 1;
    END LOOP;
END
$$;
BEGIN;
SELECT audit_softdelete.set_actor('ai_alice');
UPDATE ai_hot SET qty = qty + 1 WHERE id IN (2, 3);
COMMIT;
ANALYZE audit_softdelete.audit_logs;
SET plan_cache_mode = force_generic_plan;
PREPARE ai_history(int, jsonb) AS
SELECT id FROM audit_softdelete.audit_logs
 WHERE table_id = $1 AND row_pk_hash = pg_catalog.jsonb_hash_extended($2, 0)
   AND row_pk = $2
 ORDER BY id;
EXPLAIN (COSTS OFF) EXECUTE ai_history(1, '{"id": 1}');
DEALLOCATE ai_history;
RESET plan_cache_mode;
EXPLAIN (COSTS OFF)
SELECT * FROM audit_softdelete.audit_logs WHERE id = 12345;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT * FROM audit_softdelete.audit_logs
 WHERE actor = 'alice' AND logged_at > now() - interval '1 day';
RESET enable_seqscan;
SELECT row_pk, new_values FROM audit_softdelete.audit_logs
 WHERE actor = 'ai_alice' AND logged_at > now() - interval '1 day'
 ORDER BY id;
-- row_history() in order: ids ascending, and the values step by one
SELECT count(*) AS hot_rows,
       bool_and(l.id > p.id) AS ids_ascending,
       bool_and((l.new_values->>'qty')::int = (p.new_values->>'qty')::int + 1) AS in_order
  FROM (SELECT h.*, lag(h.id) OVER () AS prev_id
          FROM audit_softdelete.row_history('ai_hot', '{"id": 1}') h) l
  JOIN audit_softdelete.audit_logs p ON p.id = l.prev_id
 WHERE l.action = 'UPDATE';

-- The writer summarises each BRIN range once audit_logs has grown past it:
-- after many more rows, only the last, partial range is left for
-- brin_summarize_new_values(), and searches by time or transaction read
-- only the newest pages, not every page written since the last VACUUM.
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx') > 0
    AS summarized;
INSERT INTO ai_hot SELECT g, 0 FROM generate_series(3001, 9000) g;
SELECT pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
       / pg_catalog.current_setting('block_size')::int > 96 AS several_ranges;
SELECT pg_catalog.brin_summarize_new_values('audit_softdelete.audit_logs_time_idx')
    AS ranges_left_unsummarised;
-- the actor's bloom filter: a search for an actor who wrote only in the
-- newest range reads that range, not the hundreds of pages since the day
-- began
BEGIN;
SELECT audit_softdelete.set_actor('ai_bob');
UPDATE ai_hot SET qty = qty + 1 WHERE id IN (4, 5);
COMMIT;
CREATE FUNCTION ai_pages_read(query text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    line text;
    pages int := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
        IF line ~ 'Heap Blocks:' THEN
            pages := pages + coalesce(substring(line FROM 'lossy=(\d+)')::int, 0)
                           + coalesce(substring(line FROM 'exact=(\d+)')::int, 0);
        END IF;
    END LOOP;
    RETURN pages;
END
$$;
SET enable_seqscan = off;
SELECT ai_pages_read($$SELECT * FROM audit_softdelete.audit_logs
                       WHERE actor = 'ai_bob' AND logged_at > now() - interval '1 day'$$)
       BETWEEN 1 AND 64 AS bob_reads_one_or_two_ranges,
       ai_pages_read($$SELECT * FROM audit_softdelete.audit_logs
                       WHERE logged_at > now() - interval '1 day'$$) > 96 AS the_day_is_all_pages;
RESET enable_seqscan;
SELECT row_pk, new_values FROM audit_softdelete.changes(actor => 'ai_bob');
DROP FUNCTION ai_pages_read(text);
-- A span of time is estimated from logged_at's histogram, kept at 1,000
-- buckets: with 100, a quiet minute after a burst of writes was estimated
-- at the burst's rate and got a parallel plan 20 times slower.
SELECT attstattarget AS logged_at_statistics FROM pg_attribute
 WHERE attrelid = 'audit_softdelete.audit_logs'::regclass AND attname = 'logged_at';
SELECT audit_softdelete.disable('ai_hot');
DROP TABLE ai_hot;
