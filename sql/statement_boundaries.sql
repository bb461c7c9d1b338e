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

-- The same within one statement: a writable CTE's UPDATE skipped by a
-- user's trigger, then a DELETE of that row, soft-deletes it; an INSERT
-- copying the created_* of a row its CTE updated is stamped as new.
SET audit_softdelete.actor = 'setup';
CREATE TABLE sb_cte (id int, region text, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE sb_cte_eu PARTITION OF sb_cte FOR VALUES IN ('eu');
CREATE TABLE sb_cte_us PARTITION OF sb_cte FOR VALUES IN ('us');
SELECT audit_softdelete.enable('sb_cte');
INSERT INTO sb_cte VALUES (1, 'eu', 1), (2, 'eu', 2);
CREATE FUNCTION sb_skip_v() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.v <> OLD.v THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER zz_skip BEFORE UPDATE ON sb_cte FOR EACH ROW EXECUTE FUNCTION sb_skip_v();
WITH u AS (UPDATE sb_cte SET v = v + 1 WHERE id = 1 RETURNING 1)
DELETE FROM sb_cte WHERE id = 1 AND (SELECT count(*) FROM u) >= 0;
SELECT id, deleted_at IS NOT NULL AS deleted FROM sb_cte WHERE id = 1;
DROP TRIGGER zz_skip ON sb_cte;
SET audit_softdelete.actor = 'copier';
WITH u AS (UPDATE sb_cte SET v = v + 1 WHERE id = 2 RETURNING *)
INSERT INTO sb_cte (id, region, v, created_at, created_by, updated_at, updated_by)
SELECT 3, region, v, created_at, created_by, '2000-01-01', 'forged' FROM u;
SELECT id, created_by, updated_by, updated_at > '2001-01-01' AS updated_at_stamped
  FROM sb_cte WHERE id IN (2, 3) ORDER BY id;

-- A user's trigger that leaves a cursor open in the middle of the UPDATE
-- does not hide the move.
CREATE FUNCTION sb_peek() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c refcursor; x int;
BEGIN OPEN c FOR SELECT 1; FETCH c INTO x; RETURN NEW; END $$;
CREATE TRIGGER zz_peek BEFORE UPDATE ON sb_cte FOR EACH ROW EXECUTE FUNCTION sb_peek();
UPDATE sb_cte SET region = 'us' WHERE id = 2;
SELECT tableoid::regclass AS partition, id, deleted_at IS NULL AS live, created_by
  FROM sb_cte WHERE id = 2;
DROP TRIGGER zz_peek ON sb_cte;

-- A new session whose first statement loads the library inside a user's
-- trigger writing to another enabled table: the rows still move.
CREATE TABLE sb_notes (id serial PRIMARY KEY, note text);
SELECT audit_softdelete.enable('sb_notes');
CREATE FUNCTION sb_note() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO public.sb_notes (note) VALUES ('moving ' || OLD.id); RETURN NEW; END $$;
CREATE TRIGGER a_note BEFORE UPDATE ON sb_cte FOR EACH ROW EXECUTE FUNCTION sb_note();
INSERT INTO sb_cte VALUES (4, 'eu', 4), (5, 'eu', 5);
\c
UPDATE sb_cte SET region = 'us' WHERE id IN (4, 5);
SELECT tableoid::regclass AS partition, id, deleted_at IS NULL AS live
  FROM sb_cte WHERE id IN (4, 5) ORDER BY id;
DROP TABLE sb_cte, sb_notes;
DROP FUNCTION sb_skip_v(), sb_peek(), sb_note();

-- A TRUNCATE run by a user's TRUNCATE trigger is logged on its own and
-- does not make the outer one log each partition again.
SET audit_softdelete.actor = 'setup';
CREATE TABLE sb_tp (id int, day int) PARTITION BY RANGE (day);
CREATE TABLE sb_tp_1 PARTITION OF sb_tp FOR VALUES FROM (1) TO (2);
CREATE TABLE sb_tp_2 PARTITION OF sb_tp FOR VALUES FROM (2) TO (3);
SELECT audit_softdelete.enable('sb_tp', stamps => false);
CREATE TABLE sb_side (id int PRIMARY KEY);
SELECT audit_softdelete.enable('sb_side', stamps => false);
CREATE FUNCTION sb_truncate_side() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN TRUNCATE public.sb_side; RETURN NULL; END $$;
CREATE TRIGGER zz_side AFTER TRUNCATE ON sb_tp FOR EACH STATEMENT EXECUTE FUNCTION sb_truncate_side();
SET audit_softdelete.hard_delete = on;
TRUNCATE sb_tp;
RESET audit_softdelete.hard_delete;
SELECT table_name, count(*) FROM audit_softdelete.audit_logs
 WHERE action = 'TRUNCATE' AND table_name IN ('sb_tp', 'sb_tp_1', 'sb_tp_2', 'sb_side')
 GROUP BY 1 ORDER BY 1;
DROP TABLE sb_tp, sb_side;
DROP FUNCTION sb_truncate_side();
RESET audit_softdelete.actor;
