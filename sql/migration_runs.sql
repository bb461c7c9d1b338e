-- The migration ledger: runs recorded with migration_begin(),
-- migration_finish() and migration_fail(), and the migration id that the
-- audit rows written meanwhile carry.  In a database of its own: the
-- ledger is never emptied, and this file starts from an empty one.
\set test_db asd_migration_runs
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
\set show_error_sql :abs_srcdir '/sql/include/show_error.sql'
\i :show_error_sql

CREATE TABLE notes (id int PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes', stamps => false, soft_delete => 'off');
INSERT INTO notes VALUES (0, 'before any migration');

----------------------------------------------------------------------------
-- A transactional run: its row is written in the migration's transaction
-- and marked succeeded in it.
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.set_actor('deployer');
SELECT audit_softdelete.migration_begin('2026_01_title', 'notes get a title',
           audit_softdelete.migration_checksum('ALTER TABLE notes ADD title text;'),
           '{"tool": "psql", "git_sha": "abc123"}') AS run_id \gset
ALTER TABLE notes ADD title text;
UPDATE notes SET title = 'zero' WHERE id = 0;
-- in its own transaction the run shows as running
SELECT version, status FROM audit_softdelete.migration_history;
SELECT version, state, applied FROM audit_softdelete.migration_versions;
SELECT run_id = :run_id AS this_run, version, description, direction, transactional, actor
  FROM audit_softdelete.migration_running;
SELECT audit_softdelete.migration_finish();
-- the run is over: a write after its finish, in the same transaction, is
-- not the migration's (migration_session_run tests it further)
INSERT INTO notes VALUES (1, 'one', 'first');
COMMIT;
INSERT INTO notes VALUES (2, 'two', 'second');
SELECT action, row_pk, migration_id = :run_id AS by_migration, migration_id IS NULL AS by_user
  FROM audit_softdelete.audit_logs ORDER BY id;
-- row_history() tells which migration changed a row
SELECT action, migration_id = :run_id AS by_migration
  FROM audit_softdelete.row_history('notes', '{"id": 0}');

SELECT id = :run_id AS same_id, version, description, direction,
       checksum = audit_softdelete.migration_checksum('ALTER TABLE notes ADD title text;')
           AS checksum_recorded,
       status, finished_at >= started_at AS finished, duration = finished_at - started_at AS duration,
       transactional, db_user = session_user AS db_user_is_session_user, actor,
       application_name = current_setting('application_name') AS application_name,
       pid = pg_backend_pid() AS pid,
       backend_start = (SELECT a.backend_start FROM pg_stat_activity a
                         WHERE a.pid = pg_backend_pid()) AS backend_start,
       context, error
  FROM audit_softdelete.migrations;
SELECT version, state, applied, succeeded_run = :run_id AS succeeded_run, last_run_status
  FROM audit_softdelete.migration_versions;
SELECT audit_softdelete.migration_current(),
       audit_softdelete.migration_is_applied('2026_01_title') AS applied,
       audit_softdelete.migration_is_applied('2026_99_unknown') AS unknown_applied,
       audit_softdelete.migration_is_applied(NULL) AS null_applied;

----------------------------------------------------------------------------
-- Applied already: NULL, so that a script skips it; nothing is recorded.
----------------------------------------------------------------------------
-- the same script, edited in whitespace only
BEGIN;
SELECT audit_softdelete.migration_begin('2026_01_title', 'notes get a title',
           audit_softdelete.migration_checksum(E'ALTER TABLE notes ADD title text;   \r\n\r\n'))
       IS NULL AS skipped;
-- nothing runs, so there is nothing to finish
SELECT audit_softdelete.migration_finish();
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- the checksum written in capitals is the same checksum
BEGIN;
SELECT audit_softdelete.migration_begin('2026_01_title', NULL,
           upper(audit_softdelete.migration_checksum('ALTER TABLE notes ADD title text;')))
       IS NULL AS skipped;
COMMIT;
-- without a checksum there is nothing to compare: skipped
BEGIN;
SELECT audit_softdelete.migration_begin('2026_01_title') IS NULL AS skipped;
COMMIT;
-- outside a transaction block, a non-transactional begin skips too
SELECT audit_softdelete.migration_begin('2026_01_title', transactional => false) IS NULL AS skipped;
SELECT count(*) AS runs FROM audit_softdelete.migrations;

-- Another script under the same version: refused, naming both checksums
-- and when the ledger's was recorded.
BEGIN;
SELECT show_error($$SELECT audit_softdelete.migration_begin('2026_01_title', NULL,
           audit_softdelete.migration_checksum('ALTER TABLE notes ADD subtitle text;'))$$);
ROLLBACK;

----------------------------------------------------------------------------
-- Refusals of migration_begin(), each before it records anything.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_begin(NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('  ');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', direction => 'sideways');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', direction => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', transactional => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', context => '["not", "an", "object"]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', checksum => 'sha256:0123');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_begin('2026_02_x', checksum => 'v1:sha256:' || repeat('g', 64));
\echo SQLSTATE :SQLSTATE
-- reverting a version that is not applied
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_x', direction => 'down');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- a non-transactional run cannot begin inside a transaction block
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_x', transactional => false);
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- nor in a transaction that recorded a run already
DO $$
BEGIN
    PERFORM audit_softdelete.migration_begin('2026_02_x');
    PERFORM audit_softdelete.migration_finish();
    PERFORM audit_softdelete.migration_begin('2026_02_y', transactional => false);
END
$$;
\echo SQLSTATE :SQLSTATE
-- one run at a time in a session
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_x') AS x_id \gset
SELECT audit_softdelete.migration_begin('2026_02_y');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- finishing a run that is not this session's
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_x') IS NOT NULL AS began;
SELECT show_error($$SELECT audit_softdelete.migration_finish(12345)$$);
ROLLBACK;
SELECT count(*) AS runs FROM audit_softdelete.migrations;

----------------------------------------------------------------------------
-- A transactional run commits only finished, and goes with a rollback.
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_unfinished') IS NOT NULL AS began;
COMMIT;
-- a transactional begin outside a transaction block fails the same way
SELECT audit_softdelete.migration_begin('2026_02_unfinished');
\echo SQLSTATE :SQLSTATE
-- a rolled-back savepoint takes the begin back, with its row and its id
BEGIN;
SAVEPOINT before_migration;
SELECT audit_softdelete.migration_begin('2026_02_savepoint') IS NOT NULL AS began;
ROLLBACK TO SAVEPOINT before_migration;
INSERT INTO notes VALUES (3, 'three', 'third');
COMMIT;
SELECT migration_id IS NULL AS by_user FROM audit_softdelete.audit_logs
 WHERE row_pk = '{"id": 3}';
-- a run and a COMMIT after a savepoint released: as one transaction
BEGIN;
SAVEPOINT s;
SELECT audit_softdelete.migration_begin('2026_02_savepoint') IS NOT NULL AS began;
RELEASE SAVEPOINT s;
SAVEPOINT t;
SELECT audit_softdelete.migration_finish();
ROLLBACK TO SAVEPOINT t;
-- the finish went with savepoint t: the run is unfinished again
COMMIT;
\echo SQLSTATE :SQLSTATE
-- a prepared transaction cannot hold a run
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_prepared') IS NOT NULL AS began;
SELECT audit_softdelete.migration_finish();
PREPARE TRANSACTION 'migration';
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS runs FROM audit_softdelete.migrations;

-- Several runs in one transaction (as Alembic runs them by default): each
-- of them succeeded, each write carries the id of the run it belongs to.
BEGIN;
SELECT audit_softdelete.migration_begin('2026_03_a') AS a_id \gset
INSERT INTO notes VALUES (10, 'ten', 'by a');
SELECT audit_softdelete.migration_finish(:a_id);
SELECT audit_softdelete.migration_begin('2026_03_b') AS b_id \gset
INSERT INTO notes VALUES (11, 'eleven', 'by b');
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT row_pk, migration_id = :a_id AS by_a, migration_id = :b_id AS by_b
  FROM audit_softdelete.audit_logs WHERE row_pk IN ('{"id": 10}', '{"id": 11}') ORDER BY id;

----------------------------------------------------------------------------
-- Down: reverting an applied version.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_current();
BEGIN;
SELECT audit_softdelete.migration_begin('2026_03_b', 'undo b', direction => 'down')
       IS NOT NULL AS began;
DELETE FROM notes WHERE id = 11;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT audit_softdelete.migration_current(),
       audit_softdelete.migration_is_applied('2026_03_b') AS b_applied;
SELECT version, state, applied FROM audit_softdelete.migration_versions ORDER BY version;
-- reverted: reverting it again is refused
BEGIN;
SELECT show_error($$SELECT audit_softdelete.migration_begin('2026_03_b', direction => 'down')$$);
ROLLBACK;
-- and applying it again is allowed
BEGIN;
SELECT audit_softdelete.migration_begin('2026_03_b') IS NOT NULL AS began;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT audit_softdelete.migration_current();

----------------------------------------------------------------------------
-- A non-transactional run (CREATE INDEX CONCURRENTLY): its row commits with
-- migration_begin(), and the session holds the migration until
-- migration_finish() or migration_fail() commits.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_begin('2026_04_index', 'index notes by body',
           transactional => false) AS nt_id \gset
CREATE INDEX CONCURRENTLY notes_body_idx ON notes (body);
INSERT INTO notes VALUES (20, 'twenty', 'during the index');
SELECT version, state FROM audit_softdelete.migration_versions WHERE version = '2026_04_index';
SELECT run_id = :nt_id AS this_run, version, transactional FROM audit_softdelete.migration_running;
-- one at a time in the session
SELECT audit_softdelete.migration_begin('2026_04_other');
\echo SQLSTATE :SQLSTATE
-- a finish that rolls back leaves it running
BEGIN;
SELECT audit_softdelete.migration_finish(:nt_id);
ROLLBACK;
SELECT status FROM audit_softdelete.migrations WHERE id = :nt_id;
INSERT INTO notes VALUES (21, 'twenty-one', 'still during the index');
SELECT audit_softdelete.migration_finish(:nt_id);
INSERT INTO notes VALUES (22, 'twenty-two', 'after the index');
SELECT row_pk, migration_id = :nt_id AS by_migration, migration_id IS NULL AS by_user
  FROM audit_softdelete.audit_logs WHERE row_pk->>'id' IN ('20', '21', '22') ORDER BY id;
SELECT status, transactional, duration IS NOT NULL AS has_duration
  FROM audit_softdelete.migrations WHERE id = :nt_id;
SELECT count(*) AS running FROM audit_softdelete.migration_running;

-- Nor in a subtransaction, which could take its row back.
DO $$
BEGIN
    BEGIN
        PERFORM audit_softdelete.migration_begin('2026_04_taken_back', transactional => false);
        RAISE EXCEPTION 'the script failed';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END
$$;
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS running FROM audit_softdelete.migration_running;

----------------------------------------------------------------------------
-- Failures
----------------------------------------------------------------------------
-- A transactional run that fails leaves no row: the ledger stays truthful.
BEGIN;
SELECT audit_softdelete.migration_begin('2026_05_broken', 'a broken migration',
           audit_softdelete.migration_checksum('ALTER TABLE nowhere ADD x int;'),
           '{"tool": "psql"}') IS NOT NULL AS began;
ALTER TABLE nowhere ADD x int;
ROLLBACK;
SELECT count(*) AS rows_of_broken FROM audit_softdelete.migrations WHERE version = '2026_05_broken';
-- migration_fail() records it after the ROLLBACK, with what the run was
SELECT audit_softdelete.migration_fail('2026_05_broken', 'relation "nowhere" does not exist')
       AS failed_id \gset
SELECT version, description, direction,
       checksum = audit_softdelete.migration_checksum('ALTER TABLE nowhere ADD x int;') AS checksum,
       status, transactional, context, error, finished_at >= started_at AS finished
  FROM audit_softdelete.migrations WHERE id = :failed_id;
-- not inside the transaction of the run: that would commit its changes
BEGIN;
SELECT audit_softdelete.migration_begin('2026_05_broken') IS NOT NULL AS began;
SELECT audit_softdelete.migration_fail('2026_05_broken', 'too early');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
SELECT audit_softdelete.migration_fail(NULL, 'no version');
\echo SQLSTATE :SQLSTATE
-- a failed version is not applied, and can be tried again
SELECT version, state, applied FROM audit_softdelete.migration_versions
 WHERE version = '2026_05_broken';
BEGIN;
SELECT audit_softdelete.migration_begin('2026_05_broken', direction => 'down');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
BEGIN;
SELECT audit_softdelete.migration_begin('2026_05_broken') IS NOT NULL AS began;
SELECT audit_softdelete.migration_finish();
COMMIT;

-- A non-transactional run that fails: migration_fail() marks it.
SELECT audit_softdelete.migration_begin('2026_06_unique', transactional => false)
       AS unique_id \gset
CREATE UNIQUE INDEX CONCURRENTLY notes_title_key ON notes ((title IS NOT NULL));
SELECT audit_softdelete.migration_fail('2026_06_other', 'wrong version');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_fail('2026_06_unique', 'could not create unique index')
       = :unique_id AS same_run;
DROP INDEX notes_title_key;
SELECT status, error, finished_at IS NOT NULL AS finished
  FROM audit_softdelete.migrations WHERE id = :unique_id;
SELECT count(*) AS running FROM audit_softdelete.migration_running;

-- Audit rows written through the executor (a default of the DBA's on
-- audit_logs sends them there): a migration's rows carry its id, the
-- others the default.
ALTER TABLE audit_softdelete.audit_logs ALTER migration_id SET DEFAULT -1;
BEGIN;
SELECT audit_softdelete.migration_begin('2026_03_c') AS c_id \gset
INSERT INTO notes VALUES (12, 'twelve', 'by c');
SELECT audit_softdelete.migration_finish();
COMMIT;
INSERT INTO notes VALUES (13, 'thirteen', 'by a user');
ALTER TABLE audit_softdelete.audit_logs ALTER migration_id DROP DEFAULT;
SELECT row_pk, CASE WHEN migration_id = :c_id THEN 'c' ELSE migration_id::text END AS migration
  FROM audit_softdelete.audit_logs WHERE row_pk IN ('{"id": 12}', '{"id": 13}') ORDER BY id;

----------------------------------------------------------------------------
-- The schema fingerprint after a run: the schema as the migration left it
-- (migration_drift() compares the schema with it).
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_schema_fingerprint() AS before_run \gset
BEGIN;
SELECT audit_softdelete.migration_begin('2026_07_fingerprinted') IS NOT NULL AS began;
ALTER TABLE notes ADD subtitle text;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT schema_fingerprint = audit_softdelete.migration_schema_fingerprint() AS as_left,
       schema_fingerprint <> :'before_run' AS changed
  FROM audit_softdelete.migrations WHERE version = '2026_07_fingerprinted';

SELECT kind, version, direction, status, transactional
  FROM audit_softdelete.migration_history;

DROP TABLE notes;
\c :regress_db
DROP DATABASE :test_db;
