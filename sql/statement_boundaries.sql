-- Triggers that must pair up (a row moving between partitions, one TRUNCATE
-- row per statement) pair only within one executor run or one TRUNCATE:
-- never across the statements of a DO block, and also in the very
-- statement that loads the library.
SET audit_softdelete.actor = 'setup';
CREATE TABLE sb_items (id int, region text, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE sb_items_eu PARTITION OF sb_items FOR VALUES IN ('eu');
CREATE TABLE sb_items_us PARTITION OF sb_items FOR VALUES IN ('us');
SELECT audit_softdelete.enable('sb_items');
INSERT INTO sb_items VALUES (1, 'eu', 1), (2, 'eu', 2), (3, 'eu', 3);
CREATE TABLE sb_before AS SELECT id, created_at, created_by FROM sb_items;

-- A new session: its first statement loads the library from inside a
-- trigger, in the middle of the UPDATE.  The row still moves (no soft
-- delete) and keeps its created_*.
\c
SET audit_softdelete.actor = 'mover';
UPDATE sb_items SET region = 'us' WHERE id = 1;
SELECT i.tableoid::regclass AS partition, i.id, i.deleted_at IS NULL AS live,
       i.created_at = b.created_at AS created_at_kept, i.created_by, i.updated_by
  FROM sb_items i JOIN sb_before b USING (id) WHERE i.id = 1;
SELECT count(*) AS copies FROM sb_items WHERE id = 1;

-- An UPDATE that a later BEFORE UPDATE trigger skips is no move: a DELETE
-- of that row afterwards in the same DO block is a soft delete.
CREATE FUNCTION sb_skip() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.region <> OLD.region THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER zz_skip BEFORE UPDATE ON sb_items_eu FOR EACH ROW EXECUTE FUNCTION sb_skip();
DO $$
BEGIN
  UPDATE sb_items SET region = 'us' WHERE id = 2;
  DELETE FROM sb_items WHERE id = 2;
END $$;
SELECT tableoid::regclass AS partition, id, deleted_at IS NOT NULL AS deleted, deleted_by
  FROM sb_items WHERE id = 2;
DROP TRIGGER zz_skip ON sb_items_eu;

-- An INSERT carrying the created_* of a row updated earlier in the same DO
-- block is a new row: it is stamped, not taken for that row moving.
SET audit_softdelete.actor = 'inserter';
DO $$
BEGIN
  UPDATE sb_items SET v = 33 WHERE id = 3;
  INSERT INTO sb_items (id, region, v, created_at, created_by)
    SELECT 4, 'us', 4, created_at, created_by FROM sb_before WHERE id = 3;
END $$;
SELECT i.id, i.created_at = b.created_at AS has_row_3_created_at, i.created_by
  FROM sb_items i, sb_before b WHERE i.id IN (3, 4) AND b.id = 3 ORDER BY i.id;

-- Two TRUNCATEs in one DO block are two statements: two TRUNCATE rows.
SET audit_softdelete.hard_delete = on;
DO $$
BEGIN
  TRUNCATE sb_items;
  INSERT INTO sb_items VALUES (5, 'eu', 5);
  TRUNCATE sb_items;
END $$;
RESET audit_softdelete.hard_delete;
SELECT action, count(*) FROM audit_softdelete.audit_logs
 WHERE table_name = 'sb_items' AND action = 'TRUNCATE' GROUP BY action;

DROP TABLE sb_items, sb_before;
DROP FUNCTION sb_skip();
RESET audit_softdelete.actor;
