-- Triggers attached by hand (a migration tool's, under its own names):
-- enable(..., create_triggers => false) records the options, the triggers
-- are created as enable() defines them, and the table is stamped,
-- soft-deleted and audited exactly as with enable()'s own triggers.
\set SHOW_CONTEXT never
\set VERBOSITY default

-- A trigger firing on a table that was never enabled says what to do.
CREATE TABLE ha_never (id int PRIMARY KEY, v text);
CREATE TRIGGER ha_never_audit AFTER INSERT OR UPDATE OR DELETE ON ha_never
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
INSERT INTO ha_never VALUES (1, 'a');
\echo SQLSTATE :SQLSTATE
DROP TABLE ha_never;

-- With create_triggers => false, enable() adds no column: it names the ones
-- missing, as the migration would add them.
CREATE TABLE ha_own (id int PRIMARY KEY, v text, secret text, author_id text);
SELECT audit_softdelete.enable('ha_own', create_triggers => false,
                               columns => '{"created_by": "author_id"}');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables WHERE relid = 'ha_own'::regclass;
\set VERBOSITY terse

-- The migration: its columns, its triggers under its names, then the
-- registration.  A twin table gets enable()'s own triggers.
ALTER TABLE ha_own ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at timestamptz, ADD COLUMN updated_by text,
    ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text;
CREATE TABLE ha_twin (LIKE ha_own INCLUDING ALL);
CREATE TRIGGER ha_own_1_stamp BEFORE INSERT OR UPDATE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER ha_own_2_soft_delete BEFORE DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CREATE TRIGGER ha_own_3_truncate_guard BEFORE TRUNCATE ON ha_own
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER ha_own_4_audit AFTER INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER ha_own_5_audit_truncate AFTER TRUNCATE ON ha_own
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
SELECT audit_softdelete.enable('ha_own', create_triggers => false,
                               columns => '{"created_by": "author_id"}',
                               exclude_columns => '{secret}');
SELECT audit_softdelete.enable('ha_twin', columns => '{"created_by": "author_id"}',
                               exclude_columns => '{secret}');
-- Called again, it changes nothing: migrations may repeat it.
SELECT audit_softdelete.enable('ha_own', create_triggers => false,
                               columns => '{"created_by": "author_id"}',
                               exclude_columns => '{secret}');
SELECT tgrelid::regclass AS tbl, tgname, tgfoid::regproc AS function
  FROM pg_trigger WHERE tgrelid IN ('ha_own'::regclass, 'ha_twin'::regclass)
 ORDER BY 1, 2;
SELECT relid, stamps, soft_delete, audit, exclude_columns, columns ->> 'created_by' AS created_by
  FROM audit_softdelete.tracked_tables WHERE relid IN ('ha_own'::regclass, 'ha_twin'::regclass)
 ORDER BY relid::text;

-- The same writes on both.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO ha_own (id, v, secret) VALUES (1, 'a', 's1'), (2, 'b', 's2');
INSERT INTO ha_twin (id, v, secret) VALUES (1, 'a', 's1'), (2, 'b', 's2');
UPDATE ha_own SET v = 'a2' WHERE id = 1;
UPDATE ha_twin SET v = 'a2' WHERE id = 1;
UPDATE ha_own SET secret = 'hidden' WHERE id = 2;
UPDATE ha_twin SET secret = 'hidden' WHERE id = 2;
DELETE FROM ha_own WHERE id = 2;
DELETE FROM ha_twin WHERE id = 2;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('bob');
SELECT audit_softdelete.restore('ha_own', '{"id": 2}');
SELECT audit_softdelete.restore('ha_twin', '{"id": 2}');
COMMIT;
SELECT id, v, author_id, updated_by, deleted_at IS NOT NULL AS deleted, deleted_by,
       created_at IS NOT NULL AS created, updated_at IS NOT NULL AS updated
  FROM ha_own ORDER BY id;
-- the rows and the audit trails are the same
(SELECT id, v, secret, author_id, updated_by, deleted_by FROM ha_own
 EXCEPT SELECT id, v, secret, author_id, updated_by, deleted_by FROM ha_twin)
UNION ALL
(SELECT id, v, secret, author_id, updated_by, deleted_by FROM ha_twin
 EXCEPT SELECT id, v, secret, author_id, updated_by, deleted_by FROM ha_own);
CREATE VIEW ha_trail AS
    SELECT table_name, action, actor, row_pk, changed_columns,
           old_values - '{created_at,updated_at,deleted_at}'::text[] AS old_values,
           new_values - '{created_at,updated_at,deleted_at}'::text[] AS new_values,
           row_number() OVER (PARTITION BY table_name ORDER BY id) AS n
      FROM audit_softdelete.audit_logs WHERE table_name IN ('ha_own', 'ha_twin');
SELECT action, actor, row_pk, changed_columns, old_values, new_values
  FROM ha_trail WHERE table_name = 'ha_own' ORDER BY n;
SELECT count(*) AS differences
  FROM (SELECT action, actor, row_pk, changed_columns, old_values, new_values, n
          FROM ha_trail WHERE table_name = 'ha_own'
        EXCEPT
        SELECT action, actor, row_pk, changed_columns, old_values, new_values, n
          FROM ha_trail WHERE table_name = 'ha_twin') d;
SELECT count(*) AS twin_rows FROM ha_trail WHERE table_name = 'ha_twin';

-- TRUNCATE: refused, and with hard_delete recorded.
TRUNCATE ha_own;
SET audit_softdelete.hard_delete = on;
TRUNCATE ha_own;
RESET audit_softdelete.hard_delete;
SELECT action FROM audit_softdelete.audit_logs WHERE table_name = 'ha_own' ORDER BY id DESC LIMIT 1;

-- Renaming an excluded column is followed, as for any enabled table.
ALTER TABLE ha_own RENAME COLUMN secret TO secret2;
SELECT exclude_columns FROM audit_softdelete.tracked_tables WHERE relid = 'ha_own'::regclass;
INSERT INTO ha_own (id, v, secret2) VALUES (3, 'c', 's3');
SELECT new_values ? 'secret2' AS logs_secret FROM audit_softdelete.audit_logs
 WHERE table_name = 'ha_own' ORDER BY id DESC LIMIT 1;

-- The triggers are the migration's: it may drop and recreate them (as a
-- restore of pg_dump's definitions does), and the history goes on under
-- the same table_id.
CREATE TEMP TABLE ha_defs AS
    SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger
     WHERE tgrelid = 'ha_own'::regclass AND NOT tgisinternal;
DROP TRIGGER ha_own_4_audit ON ha_own;
DROP TRIGGER ha_own_1_stamp ON ha_own;
DROP TRIGGER ha_own_2_soft_delete ON ha_own;
DROP TRIGGER ha_own_3_truncate_guard ON ha_own;
DROP TRIGGER ha_own_5_audit_truncate ON ha_own;
DO $$
DECLARE d text;
BEGIN
    FOR d IN SELECT def FROM ha_defs ORDER BY def LOOP
        EXECUTE d;
    END LOOP;
END
$$;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'ha_own'::regclass;
BEGIN;
SELECT audit_softdelete.set_actor('carol');
UPDATE ha_own SET v = 'c2' WHERE id = 3;
COMMIT;
SELECT l.action, l.actor, l.table_id = t.table_id AS same_table_id
  FROM audit_softdelete.audit_logs l, audit_softdelete.tracked_tables t
 WHERE l.table_name = 'ha_own' AND t.relid = 'ha_own'::regclass
 ORDER BY l.id DESC LIMIT 1;

-- Triggers defined otherwise than enable() defines them are refused when
-- created.
\set VERBOSITY default
CREATE TRIGGER ha_bad AFTER INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger('exclude=v');
\echo SQLSTATE :SQLSTATE
CREATE TRIGGER ha_bad AFTER INSERT OR UPDATE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
CREATE TRIGGER ha_bad BEFORE INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER ha_bad AFTER INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER ha_bad AFTER INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW WHEN (pg_trigger_depth() < 5) EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER ha_bad BEFORE INSERT OR UPDATE OF v ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER ha_bad BEFORE INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER ha_bad BEFORE UPDATE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CREATE TRIGGER ha_bad AFTER TRUNCATE ON ha_own
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER ha_bad AFTER DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
CREATE CONSTRAINT TRIGGER ha_bad AFTER INSERT OR UPDATE OR DELETE ON ha_own
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
-- CREATE OR REPLACE of a trigger of its own with another definition too
CREATE OR REPLACE TRIGGER ha_own_4_audit AFTER INSERT ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
-- a second trigger calling the same function: said
CREATE TRIGGER ha_own_6_audit AFTER INSERT OR UPDATE OR DELETE ON ha_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
DROP TRIGGER ha_own_6_audit ON ha_own;
-- Arguments are refused when the trigger fires as well (the check when it
-- is created switched off).
ALTER EVENT TRIGGER audit_softdelete_verify_triggers DISABLE;
CREATE TRIGGER ha_args BEFORE INSERT OR UPDATE ON ha_twin
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger('created_by=author_id');
ALTER EVENT TRIGGER audit_softdelete_verify_triggers ENABLE ALWAYS;
\set VERBOSITY default
INSERT INTO ha_twin (id) VALUES (9);
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
DROP TRIGGER ha_args ON ha_twin;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'ha_own'::regclass ORDER BY 1;

-- enable() with its own triggers next to the table's would do everything
-- twice: refused.  create_triggers => false on a table with enable()'s
-- triggers removes them, keeping its history (the switch to your own).
\set VERBOSITY default
SELECT audit_softdelete.enable('ha_own');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
SELECT table_id AS twin_id FROM audit_softdelete.tracked_tables WHERE relid = 'ha_twin'::regclass \gset
SELECT audit_softdelete.enable('ha_twin', create_triggers => false,
                               columns => '{"created_by": "author_id"}',
                               exclude_columns => '{secret}');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'ha_twin'::regclass;
SELECT table_id = :twin_id AS same_table_id, enabled
  FROM audit_softdelete.tracked_tables WHERE relid = 'ha_twin'::regclass;

-- View mode is the extension's view and trigger: not with your own.
\set VERBOSITY default
SELECT audit_softdelete.enable('ha_twin', soft_delete => 'view', create_triggers => false);
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
SELECT audit_softdelete.enable('ha_twin', create_triggers => NULL);

-- disable() records that auditing stops; the table's own triggers then
-- refuse to fire until the migration drops them.
SELECT audit_softdelete.disable('ha_own');
INSERT INTO ha_own (id, v) VALUES (4, 'd');
DROP TRIGGER ha_own_1_stamp ON ha_own;
DROP TRIGGER ha_own_2_soft_delete ON ha_own;
DROP TRIGGER ha_own_3_truncate_guard ON ha_own;
DROP TRIGGER ha_own_4_audit ON ha_own;
DROP TRIGGER ha_own_5_audit_truncate ON ha_own;
INSERT INTO ha_own (id, v) VALUES (4, 'd');
SELECT action, old_values ->> 'audit' AS audit_was FROM audit_softdelete.audit_logs
 WHERE table_name = 'ha_own' ORDER BY id DESC LIMIT 1;

-- Partitioned: the row triggers on the partitioned table (the soft delete
-- trigger for UPDATE OR DELETE), the TRUNCATE triggers on it and on every
-- partition, later ones included; the extension adds none of its own.
-- The stamp trigger fires before the soft delete trigger here, after it
-- with enable()'s names: either order works.
CREATE TABLE ha_parts (id int, region text, v text,
                       created_at timestamptz NOT NULL DEFAULT now(), created_by text,
                       updated_at timestamptz, updated_by text,
                       deleted_at timestamptz, deleted_by text,
                       PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ha_parts_eu PARTITION OF ha_parts FOR VALUES IN ('eu');
CREATE TRIGGER ha_parts_soft_delete BEFORE DELETE ON ha_parts
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CREATE TRIGGER ha_parts_soft_delete BEFORE UPDATE OR DELETE ON ha_parts
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CREATE TRIGGER ha_parts_a_stamp BEFORE INSERT OR UPDATE ON ha_parts
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER ha_parts_audit AFTER INSERT OR UPDATE OR DELETE ON ha_parts
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER ha_parts_truncate_guard BEFORE TRUNCATE ON ha_parts
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER ha_parts_audit_truncate AFTER TRUNCATE ON ha_parts
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
CREATE TRIGGER ha_parts_eu_truncate_guard BEFORE TRUNCATE ON ha_parts_eu
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER ha_parts_eu_audit_truncate AFTER TRUNCATE ON ha_parts_eu
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
SELECT audit_softdelete.enable('ha_parts', create_triggers => false);
CREATE TABLE ha_parts_us PARTITION OF ha_parts FOR VALUES IN ('us');
CREATE TRIGGER ha_parts_us_truncate_guard BEFORE TRUNCATE ON ha_parts_us
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER ha_parts_us_audit_truncate AFTER TRUNCATE ON ha_parts_us
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger
 WHERE tgrelid IN (SELECT relid FROM pg_partition_tree('ha_parts')) AND tgparentid = 0
 ORDER BY 1, 2;
BEGIN;
SELECT audit_softdelete.set_actor('dave');
INSERT INTO ha_parts (id, region, v) VALUES (1, 'eu', 'x'), (2, 'eu', 'y');
UPDATE ha_parts SET region = 'us' WHERE id = 1;
DELETE FROM ha_parts WHERE id = 2;
COMMIT;
SELECT id, region, created_by, updated_by, deleted_at IS NOT NULL AS deleted FROM ha_parts ORDER BY id;
TRUNCATE ha_parts_us;
SET audit_softdelete.hard_delete = on;
TRUNCATE ha_parts_us;
RESET audit_softdelete.hard_delete;
SELECT action, table_name, row_pk, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name LIKE 'ha_parts%' ORDER BY id;

DROP VIEW ha_trail;
DROP TABLE ha_own, ha_twin, ha_parts;
