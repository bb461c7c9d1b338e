-- An audit row says who (actor) and when the transaction began (xact_start):
-- new_values and changed_columns leave out the new stamps equal to those,
-- old_values keeps the old ones, and the row's states can be rebuilt exactly.

-- The states of one row, as they were, to compare the trail against.
CREATE TABLE ims_seen (n serial, at timestamptz, row_state jsonb);

CREATE TABLE ims_text (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('ims_text', soft_delete => 'trigger');
BEGIN;
SELECT audit_softdelete.set_actor('ann');
INSERT INTO ims_text (id, v) VALUES (1, 'a');
INSERT INTO ims_seen (at, row_state) SELECT clock_timestamp(), to_jsonb(t) FROM ims_text t;
COMMIT;
SELECT pg_sleep(0.01);
BEGIN;
SELECT audit_softdelete.set_actor('bob');
UPDATE ims_text SET v = 'b';
INSERT INTO ims_seen (at, row_state) SELECT clock_timestamp(), to_jsonb(t) FROM ims_text t;
COMMIT;
SELECT pg_sleep(0.01);
BEGIN;
SELECT audit_softdelete.set_actor('bob');
UPDATE ims_text SET v = 'c';
INSERT INTO ims_seen (at, row_state) SELECT clock_timestamp(), to_jsonb(t) FROM ims_text t;
COMMIT;
SELECT pg_sleep(0.01);
BEGIN;
SELECT audit_softdelete.set_actor('cy');
DELETE FROM ims_text;
INSERT INTO ims_seen (at, row_state) SELECT clock_timestamp(), to_jsonb(t) FROM ims_text t;
COMMIT;

-- what is stored: no new stamp anywhere; bob's second UPDATE has no old
-- updated_by (it did not change), every old updated_at is there
SELECT action, actor, changed_columns, new_values - 'deleted_at' AS new_values,
       (new_values ->> 'deleted_at')::timestamptz = xact_start AS deleted_at_now,
       old_values - 'updated_at' - 'created_at' AS old_values,
       old_values ? 'updated_at' AS old_updated_at_kept, xact_start IS NOT NULL AS has_xact_start
  FROM audit_softdelete.audit_logs WHERE table_name = 'ims_text' AND row_pk IS NOT NULL ORDER BY id;

-- Each change's new row, rebuilt from the trail alone (the INSERT's values
-- with each later diff applied, and the stamps its audit row implies)
-- equals the row as it was after that change.
WITH RECURSIVE trail AS (
    SELECT row_number() OVER (ORDER BY id) AS n, action, new_values, old_values, actor, xact_start
      FROM audit_softdelete.audit_logs WHERE table_name = 'ims_text' AND row_pk IS NOT NULL
), rebuilt AS (
    SELECT n, new_values || jsonb_build_object('created_at', xact_start, 'created_by', actor,
                                               'updated_at', xact_start, 'updated_by', actor) AS row_state
      FROM trail WHERE n = 1
    UNION ALL
    -- the guide's rule: a stamp in old_values but not in new_values was set
    -- to xact_start or actor
    SELECT t.n, r.row_state
                || CASE WHEN t.old_values ? 'updated_at' AND NOT t.new_values ? 'updated_at'
                        THEN jsonb_build_object('updated_at', t.xact_start) ELSE '{}' END
                || CASE WHEN t.old_values ? 'updated_by' AND NOT t.new_values ? 'updated_by'
                        THEN jsonb_build_object('updated_by', t.actor) ELSE '{}' END
                || t.new_values
      FROM rebuilt r JOIN trail t ON t.n = r.n + 1
)
SELECT r.n, r.row_state = s.row_state AS same_as_the_row
  FROM rebuilt r JOIN ims_seen s ON s.n = r.n ORDER BY r.n;

-- row_as_of() walks back through old_values: the stamps come out exact
SELECT s.n, audit_softdelete.row_as_of('ims_text', '{"id": 1}', s.at) = s.row_state AS as_of_exact
  FROM ims_seen s ORDER BY s.n;

-- With the stamps off, the stamp columns are the application's, like any
-- other: nothing is left out.
CREATE TABLE ims_app (id int PRIMARY KEY, v int, updated_at timestamptz, updated_by text);
SELECT audit_softdelete.enable('ims_app', stamps => false, soft_delete => 'off');
BEGIN;
SELECT audit_softdelete.set_actor('dee');
INSERT INTO ims_app VALUES (1, 0, '2020-01-01', 'someone else'), (2, 0, now(), 'dee');
UPDATE ims_app SET v = 1, updated_at = now(), updated_by = 'someone else' WHERE id = 1;
UPDATE ims_app SET v = 1, updated_at = '2021-01-01', updated_by = 'dee' WHERE id = 2;
COMMIT;
SELECT action, row_pk, changed_columns, new_values - 'updated_at' AS new_values,
       CASE WHEN (new_values ->> 'updated_at')::timestamptz = xact_start THEN 'now'
            ELSE new_values ->> 'updated_at' END AS new_updated_at
  FROM audit_softdelete.audit_logs WHERE table_name = 'ims_app' AND row_pk IS NOT NULL ORDER BY id;

-- With the stamps on, a stamp the audit row does not imply stays: the row
-- an undone DELETE brings back keeps when and by whom it was created.
CREATE TABLE ims_undo (id int PRIMARY KEY, v int);
SELECT audit_softdelete.enable('ims_undo', soft_delete => 'off');
BEGIN;
SELECT audit_softdelete.set_actor('dee');
INSERT INTO ims_undo VALUES (1, 0);
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('eli');
DELETE FROM ims_undo;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('fay');
SELECT count(*) AS undone FROM audit_softdelete.audit_logs l,
       LATERAL audit_softdelete.undo(l.id) WHERE l.table_name = 'ims_undo' AND l.action = 'DELETE';
COMMIT;
SELECT l.action, l.actor, l.new_values - 'created_at' AS new_values,
       (l.new_values ->> 'created_at')::timestamptz = i.xact_start AS created_at_kept_as_created
  FROM audit_softdelete.audit_logs l
  JOIN audit_softdelete.audit_logs i ON i.table_name = 'ims_undo' AND i.actor = 'dee'
 WHERE l.table_name = 'ims_undo' AND l.action = 'INSERT' ORDER BY l.id;
SELECT created_by, updated_by FROM ims_undo;

-- Types: an actor column of uuid or integer is left out when its value is
-- actor::type and reads back as the actor; a uuid named in capitals, or an
-- integer with a leading zero, is kept (its text is not the actor's).  A
-- timestamp without time zone is always kept: its value depends on the
-- writer's TimeZone, which the audit row does not record.
CREATE TABLE ims_uuid (id int PRIMARY KEY, v int, created_at timestamp, created_by uuid,
                       updated_at timestamptz, updated_by uuid);
SELECT audit_softdelete.enable('ims_uuid', soft_delete => 'off');
CREATE TABLE ims_int (id int PRIMARY KEY, v int, updated_by bigint);
SELECT audit_softdelete.enable('ims_int', soft_delete => 'off');
BEGIN;
SELECT audit_softdelete.set_actor('5d0d6c2a-7a53-4b9a-9b8e-1f2a3b4c5d6e');
INSERT INTO ims_uuid (id, v) VALUES (1, 0);
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('5D0D6C2A-7A53-4B9A-9B8E-1F2A3B4C5D6E');
INSERT INTO ims_uuid (id, v) VALUES (2, 0);
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('9000000000');
INSERT INTO ims_int (id, v) VALUES (1, 0);
UPDATE ims_int SET v = 1 WHERE id = 1;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('0042');
UPDATE ims_int SET v = 2 WHERE id = 1;
COMMIT;
SELECT table_name, action, actor, changed_columns,
       new_values - 'created_at' - 'updated_at' AS new_values,
       (new_values ->> 'created_at')::timestamp = xact_start::timestamp AS created_at_kept,
       new_values ? 'updated_at' AS updated_at_kept
  FROM audit_softdelete.audit_logs
 WHERE table_name IN ('ims_uuid', 'ims_int') AND row_pk IS NOT NULL ORDER BY id;

-- Through the executor (a trigger of the DBA's on audit_logs): the same
-- rows, and xact_start is written as the transaction's start, not left to
-- a default the DBA may have changed.
BEGIN;
CREATE FUNCTION ims_pass() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER ims_pass BEFORE INSERT ON audit_softdelete.audit_logs
    FOR EACH ROW EXECUTE FUNCTION ims_pass();
ALTER TABLE audit_softdelete.audit_logs ALTER COLUMN xact_start SET DEFAULT '2000-01-01';
SELECT audit_softdelete.set_actor('eve');
INSERT INTO ims_text (id, v) VALUES (2, 'x');
UPDATE ims_text SET v = 'y' WHERE id = 2;
SELECT action, changed_columns, new_values, xact_start = now() AS xact_start_is_now
  FROM audit_softdelete.audit_logs WHERE table_name = 'ims_text' AND row_pk = '{"id": 2}' ORDER BY id;
ROLLBACK;

DROP TABLE ims_text, ims_app, ims_undo, ims_uuid, ims_int, ims_seen;
