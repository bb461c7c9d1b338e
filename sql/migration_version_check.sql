-- A migration version names a migration in the ledger, in messages and in
-- listings, and is compared byte for byte: every function that takes one
-- refuses (22023) an empty version, one longer than 200 bytes, one with a
-- control character, and one that starts or ends with a space.  In a
-- database of its own: the ledger is never emptied.
\set test_db asd_migration_version_check
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
SET search_path = audit_softdelete, public;

-- Each refusal, with its message, through migration_begin().
BEGIN;
SELECT migration_begin('');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(repeat('x', 201));
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(repeat('é', 101));
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(E'2026_01\nusers');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(E'2026_01\tusers');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(E'2026_01\x01users');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(E'2026_01\x7Fusers');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(E'2026_01\u0085users');   -- NEXT LINE, a C1 control
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin(' 2026_01_users');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_begin('2026_01_users ');
\echo SQLSTATE :SQLSTATE
ROLLBACK;

-- What passes: 200 bytes, inner spaces, any printable character.
BEGIN;
SELECT migration_begin(repeat('x', 200)) IS NOT NULL AS began;
ROLLBACK;
BEGIN;
SELECT migration_begin(repeat('é', 100)) IS NOT NULL AS began;
ROLLBACK;
BEGIN;
SELECT migration_begin('2026-01 users: add e-mail (ticket #42) — ü') IS NOT NULL AS began;
ROLLBACK;
SELECT count(*) AS runs FROM migrations;

-- Every other function that takes a version refuses the same.
\set VERBOSITY terse
SELECT migration_fail(' v1', 'error');
\echo SQLSTATE :SQLSTATE
SELECT migration_fail(E'v1\n', 'error');
\echo SQLSTATE :SQLSTATE
SELECT migration_baseline(repeat('x', 201));
\echo SQLSTATE :SQLSTATE
SELECT migration_baseline('');
\echo SQLSTATE :SQLSTATE
SELECT migration_resolve('v1 ', 'failed', 'reason');
\echo SQLSTATE :SQLSTATE
SELECT migration_accept_checksum(E'v\r1', migration_checksum('x'), 'reason');
\echo SQLSTATE :SQLSTATE
SELECT migration_is_applied(' v1');
\echo SQLSTATE :SQLSTATE
SELECT migration_is_applied('');
\echo SQLSTATE :SQLSTATE
SELECT * FROM migration_status('[{"version": "v1"}, {"version": "v2\n"}]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM migration_status('[{"version": ""}]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM migration_status(jsonb_build_array(jsonb_build_object('version', repeat('x', 201))));
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT * FROM migration_status('[{"version": "v1 "}]');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS runs FROM migrations;
SELECT count(*) AS decisions FROM migration_events;

-- Good versions still work, and NULL is still NULL for migration_is_applied().
SELECT migration_is_applied('v1') AS applied, migration_is_applied(NULL) AS null_applied;
SELECT ordinal, version, status FROM migration_status('[{"version": "v1"}]');

RESET search_path;
\c :regress_db
DROP DATABASE :test_db;
