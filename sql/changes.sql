-- changes(): the audit rows of a table, a span of time and an actor, each
-- optional, oldest first; read as the caller.
\set test_db db_asd_changes
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE TABLE ch_items (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ch_items', stamps => false, soft_delete => 'off');
CREATE TABLE ch_parts (id int PRIMARY KEY, qty int) PARTITION BY RANGE (id);
CREATE TABLE ch_parts_1 PARTITION OF ch_parts FOR VALUES FROM (0) TO (100);
SELECT audit_softdelete.enable('ch_parts', stamps => false, soft_delete => 'off');
CREATE TABLE ch_viewed (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ch_viewed', stamps => false, soft_delete => 'view');

-- three moments, each change in its own transaction
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO ch_items VALUES (1, 1), (2, 1);
INSERT INTO ch_parts VALUES (1, 1);
COMMIT;
SELECT pg_sleep(0.01);
SELECT clock_timestamp() AS t1 \gset
SELECT pg_sleep(0.01);
BEGIN;
SELECT audit_softdelete.set_actor('bob');
UPDATE ch_items SET qty = 2 WHERE id = 1;
INSERT INTO ch_viewed VALUES (1, 1);
COMMIT;
SELECT pg_sleep(0.01);
SELECT clock_timestamp() AS t2 \gset
SELECT pg_sleep(0.01);
BEGIN;
SELECT audit_softdelete.set_actor('alice');
UPDATE ch_parts SET qty = 2 WHERE id = 1;
DELETE FROM ch_viewed WHERE id = 1;
UPDATE ch_items SET qty = 3 WHERE id = 2;
COMMIT;

-- everything, oldest first
SELECT table_name, action, row_pk, actor FROM audit_softdelete.changes();
-- one table: by name, through its partitions and its live view
SELECT table_name, action, row_pk, new_values FROM audit_softdelete.changes('ch_items');
SELECT count(*) AS from_parent FROM audit_softdelete.changes('ch_parts') WHERE action = 'UPDATE';
SELECT count(*) AS from_partition FROM audit_softdelete.changes('ch_parts_1') WHERE action = 'UPDATE';
SELECT table_name, action FROM audit_softdelete.changes('ch_viewed');
-- a span of time: since inclusive, until exclusive
SELECT table_name, action, row_pk, actor FROM audit_softdelete.changes(since => :'t1', until => :'t2');
SELECT table_name, action, row_pk FROM audit_softdelete.changes(since => :'t2');
SELECT count(*) AS before_t1 FROM audit_softdelete.changes(until => :'t1');
-- an actor, alone and with a table and a time
SELECT table_name, action, row_pk FROM audit_softdelete.changes(actor => 'bob');
SELECT table_name, action, row_pk FROM audit_softdelete.changes('ch_items', :'t1', NULL, 'alice');
SELECT count(*) AS nobody FROM audit_softdelete.changes(actor => 'nobody');

-- a renamed table is found by its table_id, its old rows with it
ALTER TABLE ch_items RENAME TO ch_goods;
UPDATE ch_goods SET qty = 4 WHERE id = 1;
SELECT table_name, action, row_pk FROM audit_softdelete.changes('ch_goods', since => :'t1');
-- so is a disabled one
SELECT audit_softdelete.disable('ch_goods');
SELECT count(*) AS after_disable FROM audit_softdelete.changes('ch_goods');

-- what is refused, changing nothing
SELECT show_error($$SELECT * FROM audit_softdelete.changes(since => now(), until => now() - interval '1 hour')$$);
CREATE TABLE ch_untracked (id int PRIMARY KEY);
SELECT show_error($$SELECT * FROM audit_softdelete.changes('ch_untracked')$$);
-- equal bounds: an empty span, no error
SELECT count(*) AS empty_span FROM audit_softdelete.changes(since => :'t1', until => :'t1');

-- as the caller: SELECT on audit_logs is needed, and row-level security a
-- DBA puts on audit_logs applies
CREATE ROLE ch_reader;
GRANT SELECT ON ch_parts TO ch_reader;
SET ROLE ch_reader;
SELECT show_error($$SELECT * FROM audit_softdelete.changes('ch_parts')$$);
RESET ROLE;
GRANT SELECT ON audit_softdelete.audit_logs TO ch_reader;
ALTER TABLE audit_softdelete.audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY ch_only_alice ON audit_softdelete.audit_logs FOR SELECT TO ch_reader
    USING (actor = 'alice');
SET ROLE ch_reader;
SELECT table_name, action, actor FROM audit_softdelete.changes(since => :'t1');
RESET ROLE;
DROP POLICY ch_only_alice ON audit_softdelete.audit_logs;
ALTER TABLE audit_softdelete.audit_logs DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON audit_softdelete.audit_logs FROM ch_reader;
REVOKE SELECT ON ch_parts FROM ch_reader;
DROP ROLE ch_reader;

-- a long stretch is read in batches: more rows than one batch, in order
CREATE TABLE ch_many (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ch_many', stamps => false, soft_delete => 'off');
INSERT INTO ch_many SELECT g, 0 FROM generate_series(1, 2500) g;
SELECT count(*) AS rows_read, bool_and(id > prev) AS in_order
  FROM (SELECT id, lag(id, 1, 0::bigint) OVER () AS prev
          FROM audit_softdelete.changes('ch_many')) c;

\c :regress_db
DROP DATABASE :test_db;
