-- The run a session is making, and when it is over for the session:
-- migration_finish() and migration_fail() end it at once (a later
-- statement of the same transaction carries no run id), and a
-- non-transactional run ends for the session when the session lets go of
-- the migration lock (pg_advisory_unlock_all(), DISCARD ALL, which a
-- connection pooler runs between clients): its later writes and DDL carry
-- no run id, its finish and fail are refused saying why, and the run is
-- left to migration_resolve().  In a database of its own: the ledger is
-- never emptied.
\set test_db asd_migration_session_run
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
\set show_error_sql :abs_srcdir '/sql/include/show_error.sql'
\i :show_error_sql

CREATE TABLE items (id int PRIMARY KEY, note text);
SELECT audit_softdelete.enable('items', stamps => false, soft_delete => 'off');
INSERT INTO items VALUES (1, 'before');

-- The lock, as pg_locks shows it (objsubid 3: no SQL function uses it).
CREATE VIEW my_migration_lock AS
SELECT count(*) AS held FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 3 AND pid = pg_backend_pid() AND granted;

----------------------------------------------------------------------------
-- migration_finish() ends the run at once: what follows it in the same
-- transaction is not the migration's (and the fingerprint it recorded is
-- the schema the run left, so later DDL is drift).
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.migration_begin('2026_01_a') AS a_id \gset
UPDATE items SET note = 'by a' WHERE id = 1;
CREATE TABLE by_a (id int);
SELECT audit_softdelete.migration_finish();
UPDATE items SET note = 'after a' WHERE id = 1;
CREATE TABLE after_a (id int);
COMMIT;
SELECT new_values->>'note' AS note, migration_id = :a_id AS by_a, migration_id IS NULL AS by_none
  FROM audit_softdelete.audit_logs WHERE action = 'UPDATE' ORDER BY id;
SELECT object_identity, migration_id = :a_id AS by_a, migration_id IS NULL AS by_none
  FROM audit_softdelete.migration_ddl
 WHERE object_identity IN ('public.by_a', 'public.after_a') ORDER BY id;
SELECT kind, command_tag, object_identity, last_migration_id = :a_id AS since_a
  FROM audit_softdelete.migration_drift();
DROP TABLE after_a;

-- The same for a non-transactional run.
SELECT audit_softdelete.migration_begin('2026_02_b', transactional => false) AS b_id \gset
-- the run holds the migration lock
SELECT * FROM my_migration_lock;
UPDATE items SET note = 'by b' WHERE id = 1;
BEGIN;
SELECT audit_softdelete.migration_finish();
UPDATE items SET note = 'after b' WHERE id = 1;
COMMIT;
SELECT new_values->>'note' AS note, migration_id = :b_id AS by_b, migration_id IS NULL AS by_none
  FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values->>'note' LIKE '% b' ORDER BY id;
SELECT * FROM my_migration_lock;

----------------------------------------------------------------------------
-- pg_advisory_unlock_all() in the middle of a non-transactional run: the
-- session no longer holds the migration, so the run is no longer its own.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_begin('2026_03_c', 'index items', transactional => false)
       AS c_id \gset
-- the run holds the migration lock
SELECT * FROM my_migration_lock;
UPDATE items SET note = 'by c' WHERE id = 1;
SELECT pg_advisory_unlock_all();
SELECT * FROM my_migration_lock;
UPDATE items SET note = 'after unlock' WHERE id = 1;
CREATE TABLE after_unlock (id int);
SELECT new_values->>'note' AS note, migration_id = :c_id AS by_c, migration_id IS NULL AS by_none
  FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values->>'note' IN ('by c', 'after unlock') ORDER BY id;
SELECT object_identity, migration_id IS NULL AS by_none
  FROM audit_softdelete.migration_ddl WHERE object_identity = 'public.after_unlock';
-- its finish and its fail are refused, saying why; nothing changes
SELECT show_error($$SELECT audit_softdelete.migration_finish()$$);
SELECT show_error(format('SELECT audit_softdelete.migration_finish(%s)', :c_id));
SELECT show_error($$SELECT audit_softdelete.migration_fail('2026_03_c', 'gave up')$$);
-- the ledger sees the run interrupted: nothing else runs until it is
-- resolved, in this session neither (not "running in this session")
SELECT status FROM audit_softdelete.migrations WHERE id = :c_id;
SELECT version, state FROM audit_softdelete.migration_versions WHERE version = '2026_03_c';
\set VERBOSITY terse
SELECT audit_softdelete.migration_begin('2026_04_d', transactional => false);
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT audit_softdelete.migration_resolve('2026_03_c', 'failed',
           'the runner let go of the lock; the index was not built') IS NOT NULL AS resolved;
-- then this session runs migrations again, and the lost run is forgotten
SELECT audit_softdelete.migration_begin('2026_04_d', transactional => false) IS NOT NULL
       AS began;
SELECT audit_softdelete.migration_finish();
SELECT audit_softdelete.migration_finish();
\echo SQLSTATE :SQLSTATE
DROP TABLE after_unlock;

----------------------------------------------------------------------------
-- DISCARD ALL (a pooler's server_reset_query): the same, and the session
-- starts afresh.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_begin('2026_05_e', transactional => false) AS e_id \gset
-- the run holds the migration lock
SELECT * FROM my_migration_lock;
DISCARD ALL;
-- (it reset the settings show_error() relies on)
SET DateStyle = ISO;
SET TimeZone = UTC;
SELECT * FROM my_migration_lock;
UPDATE items SET note = 'after discard' WHERE id = 1;
SELECT migration_id IS NULL AS by_none FROM audit_softdelete.audit_logs
 WHERE new_values->>'note' = 'after discard';
SELECT show_error($$SELECT audit_softdelete.migration_finish()$$);
SELECT show_error($$SELECT audit_softdelete.migration_fail('2026_05_e', 'gave up')$$);
SELECT status FROM audit_softdelete.migrations WHERE id = :e_id;
SELECT audit_softdelete.migration_resolve('2026_05_e', 'failed', 'discarded') IS NOT NULL
       AS resolved;

-- A transactional run that rolled back is remembered for migration_fail()
-- (it records what the run was), but not across DISCARD ALL: the next
-- client of a pooled connection did not run it.
BEGIN;
SELECT audit_softdelete.migration_begin('2026_06_f', 'the rolled-back one',
           context => '{"tool": "first client"}') IS NOT NULL AS began;
ROLLBACK;
DISCARD ALL;
SELECT audit_softdelete.migration_fail('2026_06_f', 'reported by the next client') AS f_id \gset
SELECT version, description, context, error FROM audit_softdelete.migrations WHERE id = :f_id;
-- without DISCARD ALL it is remembered
BEGIN;
SELECT audit_softdelete.migration_begin('2026_06_f', 'the rolled-back one',
           context => '{"tool": "same client"}') IS NOT NULL AS began;
ROLLBACK;
SELECT audit_softdelete.migration_fail('2026_06_f', 'reported by the same client') AS f_id \gset
SELECT version, description, context, error FROM audit_softdelete.migrations WHERE id = :f_id;

SELECT kind, version, status, note FROM audit_softdelete.migration_history;

DROP VIEW my_migration_lock;
DROP TABLE items, by_a;
\c :regress_db
DROP DATABASE :test_db;
