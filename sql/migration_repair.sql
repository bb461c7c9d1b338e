-- The migration ledger's repair decisions (baseline, resolve, accept a
-- checksum), migration_status() and the views, and the ledger staying
-- append-only.  In a database of its own: the ledger is never emptied,
-- and a baseline needs an empty one.
\set test_db asd_migration_repair
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
\set show_error_sql :abs_srcdir '/sql/include/show_error.sql'
\i :show_error_sql

-- The tool's migrations, as a migration tool would list them.
CREATE TEMP TABLE tool (ordinal int, version text, script text);
INSERT INTO tool VALUES
    (1, '2025_01_users',   'CREATE TABLE users (id int);'),
    (2, '2025_06_orders',  'CREATE TABLE orders (id int);'),
    (3, '2025_12_legacy',  'ALTER TABLE users ADD name text;'),
    (4, '2026_01_notes',   'CREATE TABLE notes (id int);'),
    (5, '2026_02_tags',    'CREATE TABLE tags (id int);'),
    (6, '2026_03_index',   'CREATE INDEX ON notes (id);'),
    (7, '2026_04_search',  'CREATE TABLE search (id int);'),
    (8, '2026_05_archive', 'CREATE TABLE archive (id int);');
CREATE TEMP VIEW expected AS
SELECT jsonb_agg(jsonb_build_object('version', version,
                                    'checksum', audit_softdelete.migration_checksum(script))
                 ORDER BY ordinal) AS list
  FROM tool;

-- Apply one of the tool's migrations, as a runner would.
CREATE FUNCTION apply(v text, direction text DEFAULT 'up') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
BEGIN
    id := audit_softdelete.migration_begin(v, NULL,
              (SELECT audit_softdelete.migration_checksum(t.script) FROM tool t WHERE t.version = v),
              direction => direction);
    IF id IS NOT NULL THEN
        PERFORM audit_softdelete.migration_finish(id);
    END IF;
    RETURN id;
END
$$;

----------------------------------------------------------------------------
-- Baseline: a database whose migrations were never recorded is at a
-- version.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_baseline('2025_12_legacy', 'schema of the legacy deploy')
       AS baseline_id \gset
SELECT id = :baseline_id AS baseline_run, version, description, direction, checksum, status,
       duration, transactional, db_user = session_user AS db_user
  FROM audit_softdelete.migrations;
SELECT action, migration_id = :baseline_id AS baseline_run, version, status, checksum, reason,
       db_user = session_user AS db_user
  FROM audit_softdelete.migration_events;
-- once there is history, no baseline
SELECT audit_softdelete.migration_baseline('2026_01_notes');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_baseline(NULL);
\echo SQLSTATE :SQLSTATE
-- the baseline version counts as applied: beginning it skips
SELECT apply('2025_12_legacy') IS NULL AS skipped;
SELECT audit_softdelete.migration_current(),
       audit_softdelete.migration_is_applied('2025_12_legacy') AS applied;
-- the tool's versions before it in its list are covered by it
SELECT * FROM audit_softdelete.migration_status((SELECT list FROM expected));

----------------------------------------------------------------------------
-- Every status migration_status() gives.
----------------------------------------------------------------------------
SELECT apply('2026_01_notes') IS NOT NULL AS applied;
SELECT apply('2026_02_tags') IS NOT NULL AS applied;
SELECT apply('2026_02_tags', 'down') IS NOT NULL AS reverted;
SELECT apply('2026_04_search') IS NOT NULL AS applied;   -- before 2026_03_index
-- a failure recorded after a rollback
BEGIN;
SELECT apply('2026_05_archive') IS NOT NULL AS began;
SELECT 1 / 0;
ROLLBACK;
SELECT audit_softdelete.migration_fail('2026_05_archive', 'division by zero') IS NOT NULL AS failed;
-- applied here, not in the tool's list
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_hotfix', 'applied by hand') IS NOT NULL AS began;
SELECT audit_softdelete.migration_finish();
COMMIT;
-- the tool's script of 2026_01_notes changed since
UPDATE tool SET script = 'CREATE TABLE notes (id bigint);' WHERE version = '2026_01_notes';
-- and 2026_04_search is running, in this transaction
BEGIN;
SELECT audit_softdelete.migration_begin('2026_04_search', direction => 'down') IS NOT NULL AS began;
SELECT ordinal, version, status, checksum = recorded_checksum AS same_checksum,
       recorded_checksum IS NOT NULL AS has_recorded_checksum, last_run IS NOT NULL AS has_run
  FROM audit_softdelete.migration_status((SELECT list FROM expected));
ROLLBACK;

-- The tool's list is checked.
SELECT * FROM audit_softdelete.migration_status(NULL);
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('{"version": "1"}');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[{"version": "1"}, "2"]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[{"name": "1"}]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[{"version": 1}]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[{"version": "1", "checksum": "crc32:1234"}]');
\echo SQLSTATE :SQLSTATE
SELECT * FROM audit_softdelete.migration_status('[{"version": "1"}, {"version": "1"}]');
\echo SQLSTATE :SQLSTATE
-- an empty list: every applied version is missing locally
SELECT ordinal, version, status FROM audit_softdelete.migration_status('[]');

----------------------------------------------------------------------------
-- Accepting a changed checksum.
----------------------------------------------------------------------------
SELECT show_error($$SELECT apply('2026_01_notes')$$);
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes',
           (SELECT audit_softdelete.migration_checksum(script) FROM tool WHERE version = '2026_01_notes'),
           'id widened to bigint before any deploy; same table') AS accept_id \gset
SELECT apply('2026_01_notes') IS NULL AS skipped;
SELECT version, status FROM audit_softdelete.migration_status((SELECT list FROM expected))
 WHERE version = '2026_01_notes';
SELECT action, version, status,
       checksum = (SELECT audit_softdelete.migration_checksum(script) FROM tool
                    WHERE version = '2026_01_notes') AS checksum,
       reason
  FROM audit_softdelete.migration_events WHERE id = :accept_id;
-- the old script is now the one that does not match
\set VERBOSITY terse
SELECT audit_softdelete.migration_begin('2026_01_notes', NULL,
           audit_softdelete.migration_checksum('CREATE TABLE notes (id int);'));
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
-- refusals
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes',
           (SELECT audit_softdelete.migration_checksum(script) FROM tool WHERE version = '2026_01_notes'),
           'again');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_02_tags',
           audit_softdelete.migration_checksum('x'), 'reverted');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_09_unknown',
           audit_softdelete.migration_checksum('x'), 'unknown');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes', 'md5:abc', 'malformed');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes', NULL, 'no checksum');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes',
           audit_softdelete.migration_checksum('x'), NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes',
           audit_softdelete.migration_checksum('x'), '');
\echo SQLSTATE :SQLSTATE
-- the baseline has no checksum: one can be accepted for it
SELECT audit_softdelete.migration_accept_checksum('2025_12_legacy',
           (SELECT audit_softdelete.migration_checksum(script) FROM tool WHERE version = '2025_12_legacy'),
           'the legacy schema is this script') IS NOT NULL AS accepted;
SELECT version, state, checksum IS NOT NULL AS has_checksum
  FROM audit_softdelete.migration_versions WHERE version = '2025_12_legacy';

----------------------------------------------------------------------------
-- Resolving a failed or interrupted run.
----------------------------------------------------------------------------
-- a failed run resolved as succeeded: it was finished by hand
SELECT audit_softdelete.migration_resolve('2026_05_archive', 'succeeded',
           'created the archive table by hand') IS NOT NULL AS resolved;
SELECT version, state, applied, last_run_status FROM audit_softdelete.migration_versions
 WHERE version = '2026_05_archive';
-- the run's own row still says what happened to it
SELECT status, error FROM audit_softdelete.migrations WHERE version = '2026_05_archive';

-- A run whose backend ended before it did: a ledger restored from a dump
-- taken while a non-transactional run was in progress (test/scripts/
-- migration_interrupted.sh terminates a real one).
INSERT INTO audit_softdelete.migrations
    (version, direction, status, started_at, transactional, db_user, pid, backend_start)
VALUES ('2026_03_index', 'up', 'running', now(), false, 'deployer', 0, now());
SELECT kind, version, status FROM audit_softdelete.migration_history
 WHERE version = '2026_03_index';
SELECT version, state FROM audit_softdelete.migration_versions WHERE version = '2026_03_index';
SELECT count(*) AS running FROM audit_softdelete.migration_running;
-- nothing else is recorded until it is resolved
SELECT show_error($$SELECT audit_softdelete.migration_begin('2026_06_next')$$);
\set VERBOSITY terse
SELECT audit_softdelete.migration_begin('2026_06_next', transactional => false);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_fail('2026_03_index', 'it died');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT ordinal, version, status FROM audit_softdelete.migration_status((SELECT list FROM expected))
 WHERE version = '2026_03_index';
-- refusals
SELECT audit_softdelete.migration_resolve('2026_03_index', 'applied', 'not a run status');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_resolve('2026_03_index', 'failed', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_resolve('2026_03_index', NULL, 'no status');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_resolve('2026_09_unknown', 'failed', 'unknown');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_resolve('2026_01_notes', 'failed', 'it succeeded');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.migration_resolve('2026_05_archive', 'succeeded', 'again');
\echo SQLSTATE :SQLSTATE
-- resolved as failed: the index build was dropped, the migration can run again
SELECT audit_softdelete.migration_resolve('2026_03_index', 'failed',
           'the backend was killed; dropped the invalid index') AS resolve_id \gset
SELECT status FROM audit_softdelete.migrations WHERE version = '2026_03_index';
SELECT version, state, applied FROM audit_softdelete.migration_versions
 WHERE version = '2026_03_index';
SELECT audit_softdelete.migration_resolve('2026_03_index', 'failed', 'twice');
\echo SQLSTATE :SQLSTATE
SELECT apply('2026_03_index') IS NOT NULL AS applied;

-- The whole history: runs and decisions, in order.
SELECT kind, version, direction, status, checksum IS NOT NULL AS has_checksum, note
  FROM audit_softdelete.migration_history;
SELECT version, state, applied, checksum IS NOT NULL AS has_checksum, last_run_status
  FROM audit_softdelete.migration_versions ORDER BY version;
SELECT ordinal, version, status FROM audit_softdelete.migration_status((SELECT list FROM expected));
SELECT audit_softdelete.migration_current();

----------------------------------------------------------------------------
-- History is never edited, by the extension owner neither.
----------------------------------------------------------------------------
UPDATE audit_softdelete.migrations SET status = 'succeeded' WHERE version = '2026_03_index';
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migrations WHERE version = '2026_03_index';
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migrations;
\echo SQLSTATE :SQLSTATE
UPDATE audit_softdelete.migration_events SET reason = 'rewritten';
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_events;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migration_events;
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS runs FROM audit_softdelete.migrations;
SELECT count(*) AS decisions FROM audit_softdelete.migration_events;
-- its trigger function guards nothing else
CREATE TABLE guarded (id int);
CREATE TRIGGER wrong AFTER UPDATE ON guarded
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
CREATE TRIGGER wrong_event BEFORE INSERT ON guarded
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
INSERT INTO guarded VALUES (1);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER wrong_event ON guarded;
INSERT INTO guarded VALUES (1);
UPDATE guarded SET id = 2;
\echo SQLSTATE :SQLSTATE
DROP TABLE guarded;

\c :regress_db
DROP DATABASE :test_db;
