-- migration_drift(): the DDL recorded outside any migration since the last
-- finished one, and whether the schema's fingerprint still equals the one
-- that migration recorded.  No rows: no drift.  Migrations are recorded
-- through the ledger's functions.  In a database of its own: every other
-- test's DDL would be drift here, and the ledger is never emptied.
\set test_db asd_migration_drift
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
SET audit_softdelete.actor = 'dba';

CREATE VIEW drift AS
SELECT d.kind, d.event, d.command_tag, d.object_type, d.object_identity,
       d.by_extension, d.actor, d.db_user = session_user AS by_session_user,
       d.ddl_id IS NOT NULL AND d.logged_at IS NOT NULL AS logged,
       d.last_migration_id, d.recorded_fingerprint <> d.current_fingerprint AS differs
  FROM audit_softdelete.migration_drift() d;

----------------------------------------------------------------------------
-- No finished migration yet: every DDL recorded counts, and there is no
-- fingerprint to compare with.
----------------------------------------------------------------------------
CREATE TABLE drift_early (id int);
SELECT kind, command_tag, object_identity, actor, last_migration_id IS NULL AS no_migration
  FROM drift;

----------------------------------------------------------------------------
-- A baseline records the schema as it now is: no drift any more.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_baseline('drift-0', 'the schema before the ledger') AS m0 \gset
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
SELECT version, status,
       schema_fingerprint = audit_softdelete.migration_schema_fingerprint() AS fingerprint_recorded
  FROM audit_softdelete.migrations WHERE id = :m0;

-- DDL the log did not see (a superuser disabled its event trigger): the
-- fingerprint alone tells
ALTER EVENT TRIGGER audit_softdelete_ddl_log DISABLE;
ALTER TABLE drift_early ADD COLUMN unseen int;
ALTER EVENT TRIGGER audit_softdelete_ddl_log ENABLE ALWAYS;
SELECT kind, object_identity, last_migration_id = :m0 AS since_m0, differs FROM drift;
SELECT count(*) AS unseen_logged FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.drift_early' AND command_tag = 'ALTER TABLE';
-- the event trigger is as installed again
SELECT evtname, evtenabled FROM pg_event_trigger WHERE evtname = 'audit_softdelete_ddl_log';

----------------------------------------------------------------------------
-- A migration: the DDL it runs carries its id and is no drift, and its
-- fingerprint is the schema as it leaves it.
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.migration_begin('drift-1', 'drift_t and drift_mv') AS m1 \gset
CREATE TABLE drift_t (id int PRIMARY KEY);
CREATE MATERIALIZED VIEW drift_mv AS SELECT 1 AS x;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT command_tag, object_identity, migration_id = :m1 AS in_m1
  FROM audit_softdelete.migration_ddl WHERE migration_id IS NOT NULL ORDER BY id;
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

-- refreshing a materialized view is logged, but changes no schema
REFRESH MATERIALIZED VIEW drift_mv;
SELECT command_tag, object_identity, migration_id
  FROM audit_softdelete.migration_ddl ORDER BY id DESC LIMIT 1;
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

----------------------------------------------------------------------------
-- DDL by hand afterwards: each command, who and when, and the fingerprint
-- that no longer matches.
----------------------------------------------------------------------------
CREATE TABLE drift_h (id int PRIMARY KEY);
SELECT kind, event, command_tag, object_type, object_identity, by_extension, actor,
       by_session_user, logged, last_migration_id = :m1 AS since_m1, differs
  FROM drift;
SELECT recorded_fingerprint = (SELECT schema_fingerprint FROM audit_softdelete.migrations
                                WHERE id = :m1) AS recorded_is_m1s,
       current_fingerprint = audit_softdelete.migration_schema_fingerprint() AS current_is_now
  FROM audit_softdelete.migration_drift() WHERE kind = 'fingerprint';

----------------------------------------------------------------------------
-- A migration that failed, or is still running, is not finished: the
-- drift is still counted from the last one that succeeded.
----------------------------------------------------------------------------
-- failed: rolled back (its DDL with it), then recorded
BEGIN;
SELECT audit_softdelete.migration_begin('drift-2') IS NOT NULL AS began;
CREATE TABLE drift_failed (id int);
SELECT 1 / 0;
ROLLBACK;
SELECT audit_softdelete.migration_fail('drift-2', 'division by zero') AS m2 \gset
-- running: a non-transactional run, begun outside a transaction block
SELECT audit_softdelete.migration_begin('drift-3', transactional => false) AS m3 \gset
SELECT id = :m2 AS is_m2, id = :m3 AS is_m3, version, status, finished_at IS NOT NULL AS finished
  FROM audit_softdelete.migrations WHERE id IN (:m2, :m3) ORDER BY id;
SELECT kind, object_identity, last_migration_id = :m1 AS since_m1 FROM drift;
-- and once it failed
SELECT audit_softdelete.migration_fail('drift-3', 'given up') = :m3 AS failed_m3;
SELECT kind, object_identity, last_migration_id = :m1 AS since_m1 FROM drift;

----------------------------------------------------------------------------
-- enable() and disable() outside a migration are drift too: they change
-- the table's columns and triggers (by_extension says who ran them).
----------------------------------------------------------------------------
BEGIN;
SELECT audit_softdelete.migration_begin('drift-4', 'drift_h has a note') AS m4 \gset
ALTER TABLE drift_h ADD COLUMN note text;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
SELECT audit_softdelete.enable('drift_t', soft_delete => 'off', audit => false);
SELECT kind, command_tag, object_identity, by_extension, actor,
       last_migration_id = :m4 AS since_m4, differs
  FROM drift;
SELECT audit_softdelete.disable('drift_t');
SELECT kind, command_tag, object_identity, by_extension, actor,
       last_migration_id = :m4 AS since_m4, differs
  FROM drift;

----------------------------------------------------------------------------
-- migration_drift() reads as its caller: SELECT on migration_ddl,
-- migrations and migration_events is needed.
----------------------------------------------------------------------------
CREATE ROLE drift_reader;
SET ROLE drift_reader;
SELECT count(*) FROM audit_softdelete.migration_drift();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.migrations, audit_softdelete.migration_events TO drift_reader;
SET ROLE drift_reader;
SELECT count(*) FROM audit_softdelete.migration_drift();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.migration_ddl TO drift_reader;
SET ROLE drift_reader;
-- the grants themselves are logged, but are no drift (migration_ddl_grants)
SELECT kind, command_tag, object_identity, by_extension,
       recorded_fingerprint <> current_fingerprint AS differs
  FROM audit_softdelete.migration_drift();
RESET ROLE;
REVOKE SELECT ON audit_softdelete.migrations, audit_softdelete.migration_events,
                 audit_softdelete.migration_ddl FROM drift_reader;
DROP ROLE drift_reader;

\c :regress_db
DROP DATABASE :test_db;
