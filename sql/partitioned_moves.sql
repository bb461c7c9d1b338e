-- An UPDATE that moves a row to another partition, which PostgreSQL runs
-- as a DELETE and an INSERT, is logged as the one UPDATE it is, whatever
-- runs between the two: a trigger of the user's writing to the same table,
-- a subtransaction that fails, other rows the statement moves.  A move
-- whose INSERT never comes (a BEFORE INSERT trigger dropped the row) is
-- logged as the DELETE it then was, and nothing is ever left unlogged.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'mover';

CREATE TABLE pm (id int, region text, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE pm_eu PARTITION OF pm FOR VALUES IN ('eu');
CREATE TABLE pm_us PARTITION OF pm FOR VALUES IN ('us');
SELECT audit_softdelete.enable('pm');   -- stamps, soft delete, audit trail
INSERT INTO pm (id, region, v)
SELECT g, 'eu', g FROM generate_series(1, 8) g UNION ALL SELECT 100, 'eu', 0;

-- the audit rows written since the last mark
CREATE TABLE pm_mark (last bigint);
INSERT INTO pm_mark SELECT max(id) FROM audit_softdelete.audit_logs;
CREATE VIEW pm_log AS
SELECT l.action, l.row_pk, l.changed_columns,
       l.old_values -> 'region' AS old_region, l.new_values -> 'region' AS new_region
  FROM audit_softdelete.audit_logs l, pm_mark m
 WHERE l.id > m.last AND l.table_name = 'pm' ORDER BY l.id;
CREATE FUNCTION pm_show() RETURNS SETOF pm_log LANGUAGE plpgsql AS
$$ BEGIN
     RETURN QUERY SELECT * FROM pm_log;
     UPDATE pm_mark SET last = (SELECT max(id) FROM audit_softdelete.audit_logs);
   END $$;

-- A trigger of the user's, AFTER DELETE on the table, that updates another
-- row of it: it fires between the moved row's DELETE and its INSERT.
CREATE FUNCTION pm_count_moves() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN UPDATE pm SET v = v + 1 WHERE id = 100; RETURN NULL; END $$;
CREATE TRIGGER pm_zz_count AFTER DELETE ON pm
    FOR EACH ROW EXECUTE FUNCTION pm_count_moves();
UPDATE pm SET region = 'us' WHERE id = 1;
SELECT * FROM pm_show();
-- several rows moved by one statement
UPDATE pm SET region = 'us' WHERE id IN (2, 3, 4);
SELECT * FROM pm_show();

-- A BEFORE INSERT trigger on the destination that drops some rows: those
-- are gone, and logged as DELETE, in the middle of a statement and at its end.
CREATE FUNCTION pm_refuse_negative() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RETURN CASE WHEN NEW.v < 0 THEN NULL ELSE NEW END; END $$;
CREATE TRIGGER pm_refuse BEFORE INSERT ON pm_us
    FOR EACH ROW EXECUTE FUNCTION pm_refuse_negative();
UPDATE pm SET region = 'us', v = CASE WHEN id = 5 THEN -1 ELSE v END
 WHERE id IN (5, 6);
UPDATE pm SET region = 'us', v = -1 WHERE id = 7;
SELECT * FROM pm_show();

-- A savepoint rolled back takes its moves with it ...
BEGIN;
SAVEPOINT s;
UPDATE pm SET region = 'eu' WHERE id = 1;
ROLLBACK TO s;
UPDATE pm SET region = 'eu' WHERE id = 2;
COMMIT;
SELECT * FROM pm_show();
-- ... and a subtransaction that fails in the user's trigger, between the
-- DELETE and the INSERT, takes only its own writes
CREATE OR REPLACE FUNCTION pm_count_moves() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
     BEGIN
       UPDATE pm SET v = v + 1 WHERE id = 100;
       PERFORM 1 / 0;
     EXCEPTION WHEN division_by_zero THEN NULL;
     END;
     RETURN NULL;
   END $$;
UPDATE pm SET region = 'eu' WHERE id = 3;
SELECT * FROM pm_show();

-- Nothing was soft-deleted, duplicated or lost.  Row 100 counted the
-- DELETE halves that committed: ids 1 to 7, then 2 again (not the move
-- rolled back, nor the count that failed).
SELECT tableoid::regclass AS partition, id, v, deleted_at IS NOT NULL AS deleted,
       created_by
  FROM pm ORDER BY id;
DROP FUNCTION pm_show();
DROP VIEW pm_log;
DROP TABLE pm, pm_mark;
DROP FUNCTION pm_count_moves(), pm_refuse_negative();

-- The first statement of a session, on a table whose only trigger of the
-- extension's is the audit trigger: the library is loaded while the
-- statement's AFTER triggers already run.  Its dropped move is still
-- logged, when the transaction commits.
CREATE TABLE pa (id int, region text, v int) PARTITION BY LIST (region);
CREATE TABLE pa_eu PARTITION OF pa FOR VALUES IN ('eu');
CREATE TABLE pa_us PARTITION OF pa FOR VALUES IN ('us');
SELECT audit_softdelete.enable('pa', stamps => false, soft_delete => 'off');
INSERT INTO pa VALUES (1, 'eu', 1), (2, 'eu', 2);
CREATE FUNCTION pa_refuse() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER pa_refuse BEFORE INSERT ON pa_us
    FOR EACH ROW EXECUTE FUNCTION pa_refuse();
\c -
UPDATE pa SET region = 'us' WHERE id = 1;
SELECT action, old_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'pa' ORDER BY id;
DROP TABLE pa;
DROP FUNCTION pa_refuse();

-- More rows in progress at once than any fixed limit: a chain of BEFORE
-- UPDATE triggers on a partitioned table, each moving the next row from
-- inside its own, 21 deep.  Every move is an UPDATE: no row soft-deleted,
-- none new.
SET audit_softdelete.actor = 'creator';
CREATE TABLE rc (id int, region text, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE rc_a PARTITION OF rc FOR VALUES IN ('a');
CREATE TABLE rc_b PARTITION OF rc FOR VALUES IN ('b');
SELECT audit_softdelete.enable('rc');
INSERT INTO rc SELECT g, 'a' FROM generate_series(1, 21) g;
CREATE FUNCTION rc_chain() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
     IF NEW.id < 21 THEN
       UPDATE rc SET region = 'b' WHERE id = NEW.id + 1;
     END IF;
     RETURN NEW;
   END $$;
CREATE TRIGGER rc_chain BEFORE UPDATE ON rc
    FOR EACH ROW EXECUTE FUNCTION rc_chain();
SET audit_softdelete.actor = 'mover';
UPDATE rc SET region = 'b' WHERE id = 1;
SELECT tableoid::regclass AS partition, count(*) AS rows,
       count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
       count(*) FILTER (WHERE created_by = 'creator') AS created_by_kept,
       count(*) FILTER (WHERE updated_by = 'mover') AS updated_by_mover
  FROM rc GROUP BY 1;
SELECT action, count(*), count(DISTINCT row_pk) AS rows,
       count(DISTINCT changed_columns) AS kinds, min(changed_columns::text) AS changed_columns
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'rc' AND action <> 'INSERT' GROUP BY action;
DROP TABLE rc;
DROP FUNCTION rc_chain();
RESET audit_softdelete.actor;
