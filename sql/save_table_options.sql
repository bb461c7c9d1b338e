-- _save_table_options(), the internal writer of tracked_tables that enable()
-- and disable() call, refuses by itself what they refuse, with the same
-- errors: a view, a temporary table (whose row would outlive it and pass to
-- a later table given its OID), a system catalog, the extension's own
-- tables, or a table of another owner.  Only the extension owner may call
-- it directly, and then it records nothing at all: only enable() and
-- disable() record.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE ROLE so_user;
CREATE ROLE so_other;
GRANT CREATE ON SCHEMA public TO so_user;
CREATE TABLE so_theirs (id int);
ALTER TABLE so_theirs OWNER TO so_other;
SET ROLE so_user;
CREATE TABLE so_base (id int PRIMARY KEY);
CREATE VIEW so_view AS SELECT * FROM so_base;
CREATE MATERIALIZED VIEW so_matview AS SELECT * FROM so_base;
CREATE TEMP TABLE so_temp (id int);

-- every role mapped, as enable() writes it
\set cols '{"created_at": "created_at", "created_by": "created_by", "updated_at": "updated_at", "updated_by": "updated_by", "deleted_at": "deleted_at", "deleted_by": "deleted_by"}'

-- a role that is not the extension owner may not call it at all
SELECT audit_softdelete._save_table_options('so_base', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- not even a superuser, who owns everything, records these
SELECT audit_softdelete._save_table_options('so_view', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('so_matview', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
-- disabling goes through the same checks, as disable() does
SELECT audit_softdelete._save_table_options('so_temp', false, false, '{}', false, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('pg_class', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('audit_softdelete.audit_logs', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options(12345::oid::regclass, true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('so_temp', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables;

-- Nor a table that enable() accepts: called directly, it records nothing.
SELECT audit_softdelete._save_table_options('so_base', true, true, :'cols', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables;
-- the check itself refuses NULLs
SELECT audit_softdelete._check_table('so_base', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_table(NULL, 'enable');
\echo SQLSTATE :SQLSTATE

-- enable() and disable() give the same errors, from the same check, and
-- record a table they accept, with the role that called them.
SET ROLE so_user;
SELECT audit_softdelete.enable('so_view');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('so_theirs');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('so_temp');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('so_base', soft_delete => 'off');
SELECT relid, enabled_by, stamps, audit, soft_delete FROM audit_softdelete.tracked_tables;

SELECT audit_softdelete.disable('so_base');
DROP TABLE so_base CASCADE;
DROP TABLE so_temp;
RESET ROLE;
DROP TABLE so_theirs;
REVOKE CREATE ON SCHEMA public FROM so_user;
DROP ROLE so_user, so_other;
