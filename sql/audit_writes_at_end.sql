-- The writer appends audit rows at the end of audit_logs, never into the
-- room the free space map offers in old pages after a VACUUM: a row there
-- would widen that old block range's BRIN summary to now (a search by time
-- would read the range again) and re-form its summary, bloom filter
-- included, for every such row.  In a database of its own: the VACUUM
-- summarises the ranges other tests look at.
SELECT current_database() AS db \gset
CREATE DATABASE asd_writes_at_end;
\c asd_writes_at_end
SET client_min_messages = warning;
CREATE EXTENSION audit_softdelete;
CREATE EXTENSION pg_freespacemap;
CREATE TABLE wae (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('wae', stamps => false, soft_delete => 'off');
-- audit rows of mixed sizes leave room at the end of most pages
INSERT INTO wae SELECT g, repeat(chr(97 + g % 26), CASE WHEN g % 3 = 0 THEN 1500 ELSE 40 END)
  FROM generate_series(1, 300) g;
VACUUM audit_softdelete.audit_logs;
SELECT pg_relation_size('audit_softdelete.audit_logs') / current_setting('block_size')::int AS blocks \gset
-- the free space map offers room in old pages (what the writer must not take)
SELECT count(*) > 0 AS old_pages_with_room
  FROM pg_freespace('audit_softdelete.audit_logs')
 WHERE blkno < :blocks - 1 AND avail >= 400;
-- small audit rows, each of which would fit there
UPDATE wae SET v = 'z' WHERE id BETWEEN 1 AND 5;
SELECT count(*) AS rows_written,
       count(*) FILTER (WHERE (ctid::text::point)[0] >= :blocks - 1) AS rows_at_the_end
  FROM audit_softdelete.audit_logs WHERE action = 'UPDATE';
\c :db
DROP DATABASE asd_writes_at_end;
