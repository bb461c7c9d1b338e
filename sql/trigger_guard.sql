-- The extension's triggers on an enabled table (and on its partitions)
-- change through enable() and disable() only: the commands that would
-- silence them are refused and change nothing; the others work.
SET audit_softdelete.actor = 'setup';
CREATE ROLE tg_owner;
GRANT CREATE ON SCHEMA public TO tg_owner;
GRANT SELECT ON audit_softdelete.audit_logs TO tg_owner;
SET ROLE tg_owner;

CREATE TABLE tg_plain (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('tg_plain');
CREATE VIEW tg_triggers AS
SELECT tgrelid::regclass AS rel, tgname, tgenabled
  FROM pg_trigger
 WHERE tgrelid::regclass::text LIKE 'tg\_%' AND NOT tgisinternal
 ORDER BY 1, 2;
SELECT * FROM tg_triggers;

-- The table's owner cannot switch auditing off behind tracked_tables' back.
ALTER TABLE tg_plain DISABLE TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER TABLE tg_plain DISABLE TRIGGER USER;
\echo SQLSTATE :SQLSTATE
ALTER TABLE tg_plain DISABLE TRIGGER ALL;
\echo SQLSTATE :SQLSTATE
-- REPLICA: the trigger would fire only in sessions replaying replication
ALTER TABLE tg_plain ENABLE REPLICA TRIGGER audit_softdelete_stamp;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER audit_softdelete_audit ON tg_plain;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER IF EXISTS audit_softdelete_stamp ON tg_plain;
\echo SQLSTATE :SQLSTATE
-- replaced by one that never fires
CREATE OR REPLACE TRIGGER audit_softdelete_audit AFTER INSERT ON tg_plain
    FOR EACH ROW WHEN (false) EXECUTE FUNCTION audit_softdelete.audit_trigger();
\echo SQLSTATE :SQLSTATE
-- renamed (disable() would not find it), or tied to another extension
-- (dropping that one would drop it)
ALTER TRIGGER audit_softdelete_audit ON tg_plain RENAME TO tg_audit;
\echo SQLSTATE :SQLSTATE
ALTER TRIGGER audit_softdelete_audit ON tg_plain DEPENDS ON EXTENSION audit_softdelete;
\echo SQLSTATE :SQLSTATE
-- one such subcommand refuses the whole ALTER TABLE
ALTER TABLE tg_plain ADD COLUMN extra int, DISABLE TRIGGER audit_softdelete_stamp;
\echo SQLSTATE :SQLSTATE
-- Nothing changed: the same triggers, enabled, no new column, and writes
-- are stamped and audited.
SELECT * FROM tg_triggers;
SELECT count(*) AS extra_columns FROM pg_attribute
 WHERE attrelid = 'tg_plain'::regclass AND attname = 'extra';
INSERT INTO tg_plain (id, v) VALUES (1, 'a');
SELECT created_by FROM tg_plain;
SELECT action, row_pk FROM audit_softdelete.audit_logs WHERE table_name = 'tg_plain' ORDER BY id;

-- Allowed: ENABLE ALWAYS (the trigger fires in replica sessions too, as a
-- logical replication subscriber that audits the rows it applies needs)
-- and ENABLE; the table's other triggers are the owner's business.
ALTER TABLE tg_plain ENABLE ALWAYS TRIGGER audit_softdelete_audit;
SELECT * FROM tg_triggers WHERE tgname = 'audit_softdelete_audit';
ALTER TABLE tg_plain ENABLE TRIGGER audit_softdelete_audit;
ALTER TABLE tg_plain ENABLE TRIGGER USER;
CREATE FUNCTION tg_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER tg_mine BEFORE INSERT ON tg_plain FOR EACH ROW EXECUTE FUNCTION tg_noop();
ALTER TABLE tg_plain DISABLE TRIGGER tg_mine;
CREATE OR REPLACE TRIGGER tg_mine BEFORE UPDATE ON tg_plain FOR EACH ROW EXECUTE FUNCTION tg_noop();
ALTER TRIGGER tg_mine ON tg_plain RENAME TO tg_yours;
DROP TRIGGER tg_yours ON tg_plain;
-- a trigger named like ours that is not (another function) is the owner's
CREATE TRIGGER audit_softdelete_mine BEFORE INSERT ON tg_plain
    FOR EACH ROW EXECUTE FUNCTION tg_noop();
DROP TRIGGER audit_softdelete_mine ON tg_plain;
SELECT * FROM tg_triggers;

-- enable() and disable() change the triggers themselves: reconfiguring
-- drops and replaces them, disable() drops them and records who did.
SELECT audit_softdelete.enable('tg_plain', audit => false);
SELECT * FROM tg_triggers;
SELECT audit_softdelete.enable('tg_plain', soft_delete => 'view');
SELECT audit_softdelete.enable('tg_plain', soft_delete => 'trigger', audit => true);
SELECT * FROM tg_triggers;
SELECT audit_softdelete.disable('tg_plain');
SELECT enabled, disabled_by FROM audit_softdelete.tracked_tables WHERE relid = 'tg_plain'::regclass;
SELECT * FROM tg_triggers;
-- on a table no longer enabled, a trigger of ours put there by hand is
-- the owner's to drop
CREATE TRIGGER audit_softdelete_audit AFTER INSERT OR UPDATE OR DELETE ON tg_plain
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
ALTER TABLE tg_plain DISABLE TRIGGER audit_softdelete_audit;
DROP TRIGGER audit_softdelete_audit ON tg_plain;
SELECT audit_softdelete.enable('tg_plain');

-- Partitioned: the partitioned table, a partition (its clones of the row
-- triggers and its own TRUNCATE triggers) and a partition's partition.
CREATE TABLE tg_parts (id int, region text, city text, PRIMARY KEY (id, region, city))
    PARTITION BY LIST (region);
CREATE TABLE tg_parts_eu PARTITION OF tg_parts FOR VALUES IN ('eu') PARTITION BY LIST (city);
CREATE TABLE tg_parts_eu_rome PARTITION OF tg_parts_eu FOR VALUES IN ('rome');
CREATE TABLE tg_parts_us PARTITION OF tg_parts FOR VALUES IN ('us');
SELECT audit_softdelete.enable('tg_parts', stamps => false);
ALTER TABLE tg_parts DISABLE TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER TABLE ONLY tg_parts DISABLE TRIGGER USER;
\echo SQLSTATE :SQLSTATE
ALTER TABLE tg_parts_us DISABLE TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER TABLE tg_parts_us DISABLE TRIGGER ALL;
\echo SQLSTATE :SQLSTATE
ALTER TABLE tg_parts_eu_rome ENABLE REPLICA TRIGGER audit_softdelete_soft_delete;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER audit_softdelete_audit_truncate ON tg_parts_eu_rome;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER audit_softdelete_soft_delete_truncate ON tg_parts_eu;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER audit_softdelete_audit ON tg_parts;
\echo SQLSTATE :SQLSTATE
SELECT rel, count(*) AS triggers, string_agg(DISTINCT tgenabled::text, '') AS enabled
  FROM tg_triggers WHERE rel::text LIKE 'tg\_parts%' GROUP BY rel ORDER BY rel;
INSERT INTO tg_parts VALUES (1, 'eu', 'rome'), (2, 'us', 'nyc');
SELECT action, row_pk FROM audit_softdelete.audit_logs WHERE table_name = 'tg_parts' ORDER BY id;
-- Removing a partition with its triggers works: detached, it is a table
-- of its own again, without our triggers; dropped, it is gone.
ALTER TABLE tg_parts DETACH PARTITION tg_parts_us;
SELECT count(*) AS tg_parts_us_triggers FROM tg_triggers WHERE rel = 'tg_parts_us'::regclass;
DROP TABLE tg_parts_us;
DROP TABLE tg_parts_eu_rome;
DROP TABLE tg_parts;
RESET ROLE;

-- A superuser is refused too, even with session_replication_role =
-- replica (under which other event triggers do not fire).
SET session_replication_role = replica;
DROP TRIGGER audit_softdelete_audit ON tg_plain;
\echo SQLSTATE :SQLSTATE
RESET session_replication_role;
SELECT count(*) AS tg_plain_triggers FROM tg_triggers WHERE rel = 'tg_plain'::regclass;

-- DROP TABLE takes the triggers with it.
SET ROLE tg_owner;
DROP TABLE tg_plain;
DROP VIEW tg_triggers;
DROP FUNCTION tg_noop();
RESET ROLE;
REVOKE SELECT ON audit_softdelete.audit_logs FROM tg_owner;
REVOKE CREATE ON SCHEMA public FROM tg_owner;
DROP ROLE tg_owner;
RESET audit_softdelete.actor;
