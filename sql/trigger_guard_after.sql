-- The trigger guard checks the commands again once they are done, on the
-- tables they really changed (the check before them resolves names without
-- the statement's lock; concurrent_trigger_guard races a rename past it).
-- Here the check before is switched off, so that each command reaches the
-- check after it: refused there, it is rolled back.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';
ALTER EVENT TRIGGER audit_softdelete_guard_triggers DISABLE;

CREATE TABLE tga_plain (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('tga_plain');
CREATE VIEW tga_triggers AS
SELECT tgrelid::regclass AS rel, tgname, tgenabled, tgqual IS NULL AS no_when
  FROM pg_trigger
 WHERE tgrelid::regclass::text LIKE 'tga\_%' AND NOT tgisinternal
 ORDER BY 1, 2;

\set VERBOSITY default
ALTER TABLE tga_plain DISABLE TRIGGER audit_softdelete_audit;
\set VERBOSITY terse
ALTER TABLE tga_plain DISABLE TRIGGER USER;
ALTER TABLE tga_plain ADD COLUMN extra int, DISABLE TRIGGER ALL;
ALTER TABLE tga_plain ENABLE REPLICA TRIGGER audit_softdelete_stamp;
\set VERBOSITY default
DROP TRIGGER audit_softdelete_audit ON tga_plain;
\set VERBOSITY terse
CREATE OR REPLACE TRIGGER audit_softdelete_audit AFTER INSERT ON tga_plain
    FOR EACH ROW WHEN (false) EXECUTE FUNCTION audit_softdelete.audit_trigger();
ALTER TRIGGER audit_softdelete_audit ON tga_plain RENAME TO tga_audit;
ALTER TRIGGER audit_softdelete_audit ON tga_plain DEPENDS ON EXTENSION audit_softdelete;
\echo SQLSTATE :SQLSTATE
-- nothing changed
SELECT * FROM tga_triggers;
SELECT count(*) AS extra_columns FROM pg_attribute
 WHERE attrelid = 'tga_plain'::regclass AND attname = 'extra';

-- What does not touch the extension's triggers goes through: other DDL,
-- the table's other triggers, ENABLE ALWAYS, and a trigger named like one
-- of ours that the table's options do not call for (audit is off).
ALTER TABLE tga_plain ADD COLUMN extra int;
ALTER TABLE tga_plain ENABLE ALWAYS TRIGGER audit_softdelete_audit;
ALTER TABLE tga_plain ENABLE TRIGGER audit_softdelete_audit;
CREATE FUNCTION tga_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER tga_mine BEFORE INSERT ON tga_plain FOR EACH ROW EXECUTE FUNCTION tga_noop();
ALTER TABLE tga_plain DISABLE TRIGGER tga_mine;
CREATE OR REPLACE TRIGGER tga_mine BEFORE UPDATE ON tga_plain FOR EACH ROW EXECUTE FUNCTION tga_noop();
ALTER TRIGGER tga_mine ON tga_plain RENAME TO tga_yours;
DROP TRIGGER tga_yours ON tga_plain;
SELECT audit_softdelete.enable('tga_plain', audit => false);
CREATE TRIGGER audit_softdelete_audit AFTER INSERT ON tga_plain
    FOR EACH ROW EXECUTE FUNCTION tga_noop();
ALTER TRIGGER audit_softdelete_audit ON tga_plain RENAME TO tga_renamed;
DROP TRIGGER tga_renamed ON tga_plain;
-- and enable() and disable() themselves
SELECT audit_softdelete.enable('tga_plain');
SELECT * FROM tga_triggers;
SELECT audit_softdelete.disable('tga_plain');
SELECT * FROM tga_triggers;
SELECT audit_softdelete.enable('tga_plain');

-- Partitions: ALTER TABLE on the partitioned table reaches the partitions'
-- clones; a partition's own command is checked on the partition.
CREATE TABLE tga_parts (id int, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE tga_parts_eu PARTITION OF tga_parts FOR VALUES IN ('eu');
SELECT audit_softdelete.enable('tga_parts', stamps => false);
ALTER TABLE tga_parts DISABLE TRIGGER audit_softdelete_audit;
ALTER TABLE tga_parts_eu DISABLE TRIGGER ALL;
ALTER TABLE tga_parts_eu ENABLE REPLICA TRIGGER audit_softdelete_audit_truncate;
DROP TRIGGER audit_softdelete_audit_truncate ON tga_parts_eu;
SELECT rel, count(*) AS triggers, string_agg(DISTINCT tgenabled::text, '') AS enabled
  FROM tga_triggers WHERE rel::text LIKE 'tga\_parts%' GROUP BY rel ORDER BY rel;
-- detached, the partition is a table of its own again
ALTER TABLE tga_parts DETACH PARTITION tga_parts_eu;
SELECT count(*) AS tga_parts_eu_triggers FROM tga_triggers WHERE rel = 'tga_parts_eu'::regclass;

ALTER EVENT TRIGGER audit_softdelete_guard_triggers ENABLE ALWAYS;
DROP TABLE tga_plain, tga_parts, tga_parts_eu;
DROP VIEW tga_triggers;
DROP FUNCTION tga_noop();
RESET audit_softdelete.actor;
