-- A run resolved as succeeded counts as finished at the decision, with the
-- schema as it then is: the decision records the schema's fingerprint,
-- and migration_drift() compares with it and looks for DDL outside
-- migrations after it.  The run's own row keeps what it recorded.  In a
-- database of its own: the ledger is never emptied.
\set test_db asd_migration_resolve_drift
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database

BEGIN;
SELECT audit_softdelete.migration_begin('001_accounts') AS first_id \gset
CREATE TABLE accounts (id int PRIMARY KEY);
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT count(*) AS drift FROM audit_softdelete.migration_drift();

----------------------------------------------------------------------------
-- A failed run, finished by hand, then resolved as succeeded.
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.migration_begin('002_email') AS failed_id \gset
ALTER TABLE accounts ADD email text;
ALTER TABLE accounts ADD CONSTRAINT email_lower CHECK (email = lower(emial));
ROLLBACK;
SELECT audit_softdelete.migration_fail('002_email', 'column "emial" does not exist')
       AS failed_id \gset
-- the DBA does it by hand: drift, until the decision
ALTER TABLE accounts ADD email text;
ALTER TABLE accounts ADD CONSTRAINT email_lower CHECK (email = lower(email));
SELECT kind, command_tag, object_identity, last_migration_id = :first_id AS since_first
  FROM audit_softdelete.migration_drift();
SELECT audit_softdelete.migration_resolve('002_email', 'succeeded',
           'added the column and the check by hand') AS resolve_id \gset
-- no drift: the schema is as the decision found it
SELECT count(*) AS drift FROM audit_softdelete.migration_drift();
SELECT action, status, migration_id = :failed_id AS failed_run,
       schema_fingerprint = audit_softdelete.migration_schema_fingerprint() AS fingerprint_now
  FROM audit_softdelete.migration_events WHERE id = :resolve_id;
-- the run's row still says what happened to it
SELECT status, finished_at IS NOT NULL AS finished, schema_fingerprint IS NULL AS no_fingerprint
  FROM audit_softdelete.migrations WHERE id = :failed_id;
SELECT kind, version, status, schema_fingerprint IS NOT NULL AS has_fingerprint
  FROM audit_softdelete.migration_history WHERE version = '002_email';
-- DDL after the decision is drift since it
CREATE INDEX accounts_email_idx ON accounts (email);
SELECT kind, command_tag, object_identity, last_migration_id = :failed_id AS since_resolved_run
  FROM audit_softdelete.migration_drift();
DROP INDEX accounts_email_idx;

----------------------------------------------------------------------------
-- An interrupted run resolved as succeeded: the same.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_begin('003_email_idx', transactional => false)
       AS interrupted_id \gset
CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);
-- the runner lets go of the lock before its finish: the run is interrupted
SELECT pg_advisory_unlock_all();
SELECT version, state FROM audit_softdelete.migration_versions WHERE version = '003_email_idx';
SELECT kind, command_tag, object_identity FROM audit_softdelete.migration_drift();
SELECT audit_softdelete.migration_resolve('003_email_idx', 'succeeded',
           'the index is there and valid') AS resolve_id \gset
SELECT count(*) AS drift FROM audit_softdelete.migration_drift();
SELECT status, finished_at IS NULL AS no_finish_of_its_own
  FROM audit_softdelete.migrations WHERE id = :interrupted_id;
SELECT migration_id = :interrupted_id AS interrupted_run,
       schema_fingerprint = audit_softdelete.migration_schema_fingerprint() AS fingerprint_now
  FROM audit_softdelete.migration_events WHERE id = :resolve_id;

-- Resolved as failed: no fingerprint, and no finish.
SELECT audit_softdelete.migration_begin('004_note', transactional => false) IS NOT NULL
       AS began;
SELECT pg_advisory_unlock_all();
ALTER TABLE accounts ADD note text;
SELECT audit_softdelete.migration_resolve('004_note', 'failed', 'not this way')
       AS resolve_id \gset
SELECT schema_fingerprint IS NULL AS no_fingerprint
  FROM audit_softdelete.migration_events WHERE id = :resolve_id;
SELECT kind, command_tag, object_identity, last_migration_id = :interrupted_id AS since_003
  FROM audit_softdelete.migration_drift();

-- Only a decision that a run succeeded carries a fingerprint.
\set VERBOSITY terse
INSERT INTO audit_softdelete.migration_events
    (recorded_at, action, migration_id, version, status, db_user, pid, schema_fingerprint)
VALUES (now(), 'resolve', 0, 'x', 'failed', 'x', 0, 'v1:sha256:x');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default

DROP TABLE accounts;
\c :regress_db
DROP DATABASE :test_db;
