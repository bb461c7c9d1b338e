-- Soft delete of a partitioned table: enabled once at the top, rows marked
-- in whichever partition holds them; a row moving between partitions is
-- never taken for a delete.
SET audit_softdelete.actor = 'setup';

CREATE TABLE sp_events (id int, region text, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE sp_events_eu PARTITION OF sp_events FOR VALUES IN ('eu');
CREATE TABLE sp_events_us PARTITION OF sp_events FOR VALUES IN ('us');
SELECT audit_softdelete.enable('sp_events', stamps => false);
INSERT INTO sp_events VALUES (1, 'eu', 1), (2, 'us', 2), (3, 'eu', 3);

DELETE FROM sp_events WHERE id = 1;
DELETE FROM sp_events_us WHERE id = 2;           -- through the partition
SELECT tableoid::regclass AS partition, id, deleted_at IS NOT NULL AS deleted
  FROM sp_events ORDER BY id;

-- An UPDATE that moves rows to another partition (PostgreSQL runs it as a
-- DELETE and an INSERT) moves them; it deletes nothing.
UPDATE sp_events SET region = 'us', v = 30 WHERE id = 3;
UPDATE sp_events SET region = 'eu' WHERE id = 2;     -- a deleted row can move too
SELECT tableoid::regclass AS partition, id, v, deleted_at IS NOT NULL AS deleted
  FROM sp_events ORDER BY id;
SELECT action, row_pk, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name = 'sp_events' AND action <> 'INSERT' ORDER BY id;

-- restore() finds the row in its partition.
SELECT audit_softdelete.restore('sp_events', '{"id": 1, "region": "eu"}');
SELECT id, deleted_at IS NOT NULL AS deleted FROM sp_events WHERE id = 1;

DROP TABLE sp_events;
RESET audit_softdelete.actor;

-- TRUNCATE: PostgreSQL does not clone statement triggers to partitions, so
-- enable() gives every partition its own TRUNCATE guard and audit trigger,
-- also partitions created or attached later, and takes them from a
-- partition detached.
SET audit_softdelete.actor = 'setup';
CREATE TABLE sp_logs (id int, day int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE sp_logs_1 PARTITION OF sp_logs FOR VALUES FROM (1) TO (2);
SELECT audit_softdelete.enable('sp_logs', stamps => false);
CREATE TABLE sp_logs_2 PARTITION OF sp_logs FOR VALUES FROM (2) TO (3);
CREATE TABLE sp_logs_3 (LIKE sp_logs);
ALTER TABLE sp_logs ATTACH PARTITION sp_logs_3 FOR VALUES FROM (3) TO (4);
SELECT tgrelid::regclass AS partition, tgname FROM pg_trigger
 WHERE tgname LIKE 'audit\_softdelete\_%truncate' AND tgrelid::regclass::text LIKE 'sp\_logs%'
 ORDER BY 1, 2;
INSERT INTO sp_logs VALUES (1, 1), (2, 2), (3, 3);
TRUNCATE sp_logs_2;
\echo SQLSTATE :SQLSTATE
-- a user's own TRUNCATE trigger writing elsewhere changes nothing here
CREATE TABLE sp_truncations (at timestamptz);
CREATE FUNCTION sp_note_truncate() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO sp_truncations VALUES (now()); RETURN NULL; END $$;
CREATE TRIGGER zz_note AFTER TRUNCATE ON sp_logs FOR EACH STATEMENT EXECUTE FUNCTION sp_note_truncate();
SET audit_softdelete.hard_delete = on;
TRUNCATE sp_logs_2;
TRUNCATE sp_logs;
RESET audit_softdelete.hard_delete;
DROP TABLE sp_truncations;
-- one row for the partition truncated on its own (named so), one for the
-- whole table
SELECT action, table_name FROM audit_softdelete.audit_logs
 WHERE table_id = (SELECT table_id FROM audit_softdelete.tracked_tables WHERE relid = 'sp_logs'::regclass)
   AND action = 'TRUNCATE' ORDER BY id;
ALTER TABLE sp_logs DETACH PARTITION sp_logs_3;
SELECT count(*) AS triggers_left_on_detached FROM pg_trigger WHERE tgrelid = 'sp_logs_3'::regclass;
TRUNCATE sp_logs_3;
DROP TABLE sp_logs, sp_logs_3;
DROP FUNCTION sp_note_truncate();
RESET audit_softdelete.actor;

-- A BEFORE UPDATE trigger of the user's that writes elsewhere (advancing
-- the command counter) does not turn a row's move into a soft delete, nor
-- into a new row for the stamps.
CREATE TABLE sp_moves (id int, day int, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE sp_moves_1 PARTITION OF sp_moves FOR VALUES IN (1);
CREATE TABLE sp_moves_2 PARTITION OF sp_moves FOR VALUES IN (2);
CREATE TABLE sp_history (id int, at_day int);
CREATE FUNCTION sp_keep_history() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO sp_history VALUES (OLD.id, OLD.day); RETURN NEW; END $$;
CREATE TRIGGER zz_history BEFORE UPDATE ON sp_moves FOR EACH ROW EXECUTE FUNCTION sp_keep_history();
SELECT audit_softdelete.enable('sp_moves');
BEGIN;
SELECT audit_softdelete.set_actor('creator');
INSERT INTO sp_moves (id, day) VALUES (1, 1);
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('mover');
UPDATE sp_moves SET day = 2 WHERE id = 1;
COMMIT;
SELECT tableoid::regclass AS partition, id, created_by, updated_by, deleted_at IS NOT NULL AS deleted
  FROM sp_moves;
SELECT action, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name = 'sp_moves' ORDER BY id;
DROP TABLE sp_moves, sp_history;
DROP FUNCTION sp_keep_history();
RESET audit_softdelete.actor;

-- A foreign partition takes no TRUNCATE trigger (PostgreSQL forbids them):
-- enable() leaves it out, and a foreign partition added later is accepted
-- (without soft delete, which foreign partitions exclude: see
-- partitioned_foreign).
CREATE FOREIGN DATA WRAPPER sp_fdw;
CREATE SERVER sp_server FOREIGN DATA WRAPPER sp_fdw;
CREATE TABLE sp_mixed (id int, region text) PARTITION BY LIST (region);
CREATE TABLE sp_mixed_eu PARTITION OF sp_mixed FOR VALUES IN ('eu');
CREATE FOREIGN TABLE sp_mixed_us PARTITION OF sp_mixed FOR VALUES IN ('us') SERVER sp_server;
SELECT audit_softdelete.enable('sp_mixed', stamps => false, soft_delete => 'off');
CREATE FOREIGN TABLE sp_mixed_ca PARTITION OF sp_mixed FOR VALUES IN ('ca') SERVER sp_server;
SELECT tgrelid::regclass AS partition, count(*) FILTER (WHERE tgname LIKE '%truncate') AS truncate_triggers
  FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'sp\_mixed\_%' GROUP BY 1 ORDER BY 1;
DROP TABLE sp_mixed;
DROP SERVER sp_server;
DROP FOREIGN DATA WRAPPER sp_fdw;

-- DDL puts back our partition triggers only on the tables it names: a
-- partition added to another table leaves this one as it is.
CREATE TABLE sp_a (id int, day int) PARTITION BY RANGE (day);
CREATE TABLE sp_a_1 PARTITION OF sp_a FOR VALUES FROM (1) TO (2);
SELECT audit_softdelete.enable('sp_a', stamps => false);
-- (a superuser can take the extension's trigger away by disabling its guard)
ALTER EVENT TRIGGER audit_softdelete_guard_triggers DISABLE;
ALTER EVENT TRIGGER audit_softdelete_verify_trigger_drops DISABLE;
DROP TRIGGER audit_softdelete_audit_truncate ON sp_a_1;
ALTER EVENT TRIGGER audit_softdelete_guard_triggers ENABLE ALWAYS;
ALTER EVENT TRIGGER audit_softdelete_verify_trigger_drops ENABLE ALWAYS;
CREATE TABLE sp_b (id int, day int) PARTITION BY RANGE (day);
CREATE TABLE sp_b_1 PARTITION OF sp_b FOR VALUES FROM (1) TO (2);
SELECT count(*) AS sp_a_1_audit_truncate FROM pg_trigger
 WHERE tgrelid = 'sp_a_1'::regclass AND tgname = 'audit_softdelete_audit_truncate';
CREATE TABLE sp_a_2 PARTITION OF sp_a FOR VALUES FROM (2) TO (3);
SELECT tgrelid::regclass AS partition, count(*) AS audit_truncate FROM pg_trigger
 WHERE tgrelid IN ('sp_a_1'::regclass, 'sp_a_2'::regclass)
   AND tgname = 'audit_softdelete_audit_truncate' GROUP BY 1 ORDER BY 1;
DROP TABLE sp_a, sp_b;
