-- A partitioned table is enabled once, at the top: its triggers fire in
-- every partition, including partitions attached or created later, whose
-- columns may be numbered differently.
\set SHOW_CONTEXT never

CREATE TABLE part_orders (id int, region text, amount numeric)
    PARTITION BY LIST (region);
CREATE TABLE part_orders_eu PARTITION OF part_orders FOR VALUES IN ('eu');
-- a partition with its columns in another order and a dropped column
CREATE TABLE part_orders_us (dropme int, amount numeric, region text, id int);
ALTER TABLE part_orders_us DROP COLUMN dropme;
ALTER TABLE part_orders ATTACH PARTITION part_orders_us FOR VALUES IN ('us');

SELECT audit_softdelete.enable('part_orders');
-- the columns are added to every partition, the trigger cloned to each
SELECT c.relname,
       (SELECT count(*) FROM pg_trigger t
         WHERE t.tgrelid = c.oid AND t.tgname = 'audit_softdelete_stamp') AS stamp_triggers,
       (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
  FROM pg_class c
 WHERE c.relname LIKE 'part\_orders%' AND c.relkind IN ('r', 'p')
 ORDER BY c.relname;

BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO part_orders (id, region, amount) VALUES (1, 'eu', 10), (2, 'us', 20);
COMMIT;
-- a partition created after enable()
CREATE TABLE part_orders_asia PARTITION OF part_orders FOR VALUES IN ('asia');
BEGIN;
SELECT audit_softdelete.set_actor('bob');
INSERT INTO part_orders (id, region, amount) VALUES (3, 'asia', 30);
-- writing to a partition directly is stamped too
INSERT INTO part_orders_us (id, region, amount) VALUES (4, 'us', 40);
UPDATE part_orders SET amount = amount + 1 WHERE id = 2;
COMMIT;
SELECT tableoid::regclass AS partition, id, created_by, updated_by
  FROM part_orders ORDER BY id;

-- An UPDATE that moves a row to another partition keeps its created_*: the
-- INSERT into the new partition is recognised as the same row.
CREATE TEMP TABLE part_before AS SELECT id, created_at FROM part_orders;
BEGIN;
SELECT audit_softdelete.set_actor('carol');
UPDATE part_orders SET region = 'asia' WHERE id IN (1, 2);
SELECT o.tableoid::regclass AS partition, o.id, o.created_by, o.updated_by,
       o.created_at = b.created_at AS created_at_kept, o.updated_at = now() AS updated_now
  FROM part_orders o JOIN part_before b USING (id) WHERE o.id IN (1, 2) ORDER BY o.id;
-- an INSERT in a later statement of the same transaction is a new row
INSERT INTO part_orders (id, region, amount) VALUES (5, 'asia', 50);
SELECT id, created_by, created_at = now() AS created_now FROM part_orders WHERE id = 5;
COMMIT;

-- Partitions follow the partitioned table: enabling one on its own is
-- refused while the parent is enabled, and the parent while one is.
SELECT audit_softdelete.enable('part_orders_eu');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('part_orders');
SELECT count(*) AS stamp_triggers_left FROM pg_trigger
 WHERE tgname = 'audit_softdelete_stamp'
   AND tgrelid IN (SELECT relid FROM pg_partition_tree('part_orders'));
SELECT audit_softdelete.enable('part_orders_eu');
SELECT audit_softdelete.enable('part_orders');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('part_orders_eu');
SELECT audit_softdelete.enable('part_orders');

-- A multi-level tree: a sub-partitioned partition uses the root's options.
CREATE TABLE part_orders_other PARTITION OF part_orders DEFAULT PARTITION BY RANGE (id);
CREATE TABLE part_orders_other_low PARTITION OF part_orders_other FOR VALUES FROM (0) TO (1000);
BEGIN;
SELECT audit_softdelete.set_actor('dave');
INSERT INTO part_orders (id, region, amount) VALUES (6, 'mars', 60);
COMMIT;
SELECT tableoid::regclass AS partition, id, created_by FROM part_orders WHERE id = 6;

DROP TABLE part_orders;
SELECT count(*) AS tracked_left FROM audit_softdelete.tracked_tables;
