-- Who may record migrations and who may read the ledger.  The recording
-- functions are for the roles a DBA grants EXECUTE; they write as the
-- extension owner and record the session user, which the caller cannot
-- choose.  The ledger's tables are read by the roles granted SELECT, the
-- views and reading functions with them; nobody writes the tables directly.
\set test_db asd_migration_security
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
CREATE ROLE mig_runner;
CREATE ROLE mig_reader;
CREATE ROLE mig_nobody;

-- What PUBLIC may do with the ledger's objects.
SELECT p.oid::regprocedure AS function,
       has_function_privilege('mig_nobody', p.oid, 'EXECUTE') AS public_executes
  FROM pg_proc p
 WHERE p.pronamespace = 'audit_softdelete'::regnamespace AND p.proname LIKE 'migration%'
 ORDER BY 1::text;
SELECT c.relname, c.relkind,
       has_table_privilege('mig_nobody', c.oid, 'SELECT') AS public_selects,
       has_table_privilege('mig_nobody', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS public_writes
  FROM pg_class c
 WHERE c.relnamespace = 'audit_softdelete'::regnamespace AND c.relname LIKE 'migration%'
   AND c.relkind IN ('r', 'v', 'S')
 ORDER BY 1;
-- The views run as the caller.
SELECT relname, reloptions FROM pg_class
 WHERE relnamespace = 'audit_softdelete'::regnamespace AND relkind = 'v' ORDER BY 1;

-- A role with no grant can neither record, nor read, nor write.
SET ROLE mig_nobody;
SELECT audit_softdelete.migration_begin('2026_01_first');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_baseline('2026_01_first');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migrations;
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_versions;
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_running;
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_current();
\echo SQLSTATE :SQLSTATE
INSERT INTO audit_softdelete.migrations (version, direction, status, started_at, transactional,
                                         db_user, pid, backend_start)
VALUES ('2026_01_forged', 'up', 'succeeded', now(), true, 'someone_else', 1, now());
\echo SQLSTATE :SQLSTATE
-- it can compute a checksum: that reads nothing
SELECT audit_softdelete.migration_checksum('SELECT 1;') IS NOT NULL AS has_checksum;
RESET ROLE;

GRANT EXECUTE ON FUNCTION
    audit_softdelete.migration_begin(text, text, text, jsonb, text, boolean),
    audit_softdelete.migration_finish(bigint),
    audit_softdelete.migration_fail(text, text)
TO mig_runner;

-- The recording functions report what the ledger holds (which migration
-- runs, which checksum it recorded): EXECUTE alone is not enough, the
-- role must be allowed to read the ledger.
SET SESSION AUTHORIZATION mig_runner;
SELECT audit_softdelete.migration_begin('2026_01_first');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_finish();
\echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
GRANT SELECT ON audit_softdelete.migrations, audit_softdelete.migration_events
    TO mig_runner, mig_reader;

-- A runner records its migrations in its own name: db_user is the session
-- user, whatever actor it names; it needs no write privilege on the tables.
SET SESSION AUTHORIZATION mig_runner;
BEGIN;
SELECT audit_softdelete.set_actor('alice@example.com');
SELECT audit_softdelete.migration_begin('2026_01_first', 'the first',
           context => '{"tool": "deploy.sh"}') IS NOT NULL AS began;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT version, status, db_user, actor FROM audit_softdelete.migrations;
-- it may not change the ledger by hand, nor forge a row for another user
UPDATE audit_softdelete.migrations SET db_user = 'someone_else';
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_events;
\echo SQLSTATE :SQLSTATE
INSERT INTO audit_softdelete.migrations (version, direction, status, started_at, transactional,
                                         db_user, pid, backend_start)
VALUES ('2026_01_forged', 'up', 'succeeded', now(), true, 'someone_else', 1, now());
\echo SQLSTATE :SQLSTATE
-- nor make repair decisions, which need grants of their own
SELECT audit_softdelete.migration_resolve('2026_01_first', 'failed', 'forged');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_01_first',
           audit_softdelete.migration_checksum('x'), 'forged');
\echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;

-- A reader reads the ledger, through the tables, the views and the
-- reading functions, and records nothing.
SET ROLE mig_reader;
SELECT version, description, status, db_user, actor, context FROM audit_softdelete.migrations;
SELECT kind, version, status, db_user, actor FROM audit_softdelete.migration_history;
SELECT version, state, applied FROM audit_softdelete.migration_versions;
SELECT count(*) AS running FROM audit_softdelete.migration_running;
SELECT ordinal, version, status FROM audit_softdelete.migration_status('[{"version": "2026_01_first"}]');
SELECT audit_softdelete.migration_current(),
       audit_softdelete.migration_is_applied('2026_01_first') AS applied;
SELECT audit_softdelete.migration_begin('2026_02_second');
\echo SQLSTATE :SQLSTATE
UPDATE audit_softdelete.migrations SET status = 'failed';
\echo SQLSTATE :SQLSTATE
RESET ROLE;

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE mig_runner, mig_reader, mig_nobody;
