-- migration_drift(): the DDL recorded outside any migration since the last
-- finished one, and whether the schema's fingerprint still equals the one
-- that migration recorded.  No rows: no drift.  Finished migrations are
-- written into the ledger by hand here, as a migration tool would leave
-- them.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'dba';

CREATE VIEW drift AS
SELECT d.kind, d.event, d.command_tag, d.object_type, d.object_identity,
       d.by_extension, d.actor, d.db_user = session_user AS by_session_user,
       d.ddl_id IS NOT NULL AND d.logged_at IS NOT NULL AS logged,
       d.last_migration_id, d.recorded_fingerprint <> d.current_fingerprint AS differs
  FROM audit_softdelete.migration_drift() d;

-- A migration finishes: the schema is as it says.
INSERT INTO audit_softdelete.migrations
       (version, status, direction, started_at, finished_at, schema_fingerprint)
VALUES ('drift-1', 'succeeded', 'up', now(), clock_timestamp(),
        audit_softdelete.migration_schema_fingerprint())
RETURNING id AS m1 \gset
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

-- DDL by hand afterwards: each command, who and when, and the fingerprint
-- that no longer matches
CREATE TABLE drift_t (id int PRIMARY KEY);
SELECT kind, event, command_tag, object_type, object_identity, by_extension, actor,
       by_session_user, logged, last_migration_id = :m1 AS since_m1, differs
  FROM drift;
SELECT recorded_fingerprint = (SELECT schema_fingerprint FROM audit_softdelete.migrations
                                WHERE id = :m1) AS recorded_is_m1s,
       current_fingerprint = audit_softdelete.migration_schema_fingerprint() AS current_is_now
  FROM audit_softdelete.migration_drift() WHERE kind = 'fingerprint';

-- A migration that failed, or is still running, is not finished: the
-- drift is still counted from the last one that succeeded.
INSERT INTO audit_softdelete.migrations (version, status, direction, started_at, finished_at)
VALUES ('drift-2', 'failed', 'up', now(), clock_timestamp()),
       ('drift-3', 'running', 'up', now(), NULL);
SELECT kind, object_identity, last_migration_id = :m1 AS since_m1 FROM drift;

-- A baseline (or a new migration) records the schema as it now is: no
-- drift any more.
CREATE MATERIALIZED VIEW drift_mv AS SELECT 1 AS x;
INSERT INTO audit_softdelete.migrations
       (version, status, direction, started_at, finished_at, schema_fingerprint)
VALUES ('drift-4', 'baseline', NULL, now(), clock_timestamp(),
        audit_softdelete.migration_schema_fingerprint())
RETURNING id AS m4 \gset
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
-- refreshing a materialized view is logged, but changes no schema
REFRESH MATERIALIZED VIEW drift_mv;
SELECT command_tag, object_identity FROM audit_softdelete.migration_ddl ORDER BY id DESC LIMIT 1;
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

-- enable() and disable() outside a migration are drift too: they change
-- the table's columns and triggers (by_extension says who ran them)
SELECT audit_softdelete.enable('drift_t', soft_delete => 'off', audit => false);
SELECT kind, command_tag, object_identity, by_extension, actor, differs FROM drift;
INSERT INTO audit_softdelete.migrations
       (version, status, direction, started_at, finished_at, schema_fingerprint)
VALUES ('drift-5', 'succeeded', 'up', now(), clock_timestamp(),
        audit_softdelete.migration_schema_fingerprint());
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

-- DDL the log did not see (a superuser disabled its event trigger): the
-- fingerprint alone tells
ALTER EVENT TRIGGER audit_softdelete_ddl_log DISABLE;
ALTER TABLE drift_t ADD COLUMN unseen int;
ALTER EVENT TRIGGER audit_softdelete_ddl_log ENABLE ALWAYS;
SELECT kind, object_identity, differs FROM drift;
SELECT count(*) AS unseen_logged FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.drift_t' AND command_tag = 'ALTER TABLE'
   AND NOT by_extension;
-- the event trigger is as installed again
SELECT evtname, evtenabled FROM pg_event_trigger WHERE evtname = 'audit_softdelete_ddl_log';

-- DDL that a migration ran is not drift (its rows carry the migration's
-- id; written by hand here, as the ledger is not part of this test)
BEGIN;
INSERT INTO audit_softdelete.migrations
       (version, status, direction, started_at, finished_at, schema_fingerprint)
VALUES ('drift-6', 'succeeded', 'up', now(), clock_timestamp(),
        audit_softdelete.migration_schema_fingerprint())
RETURNING id AS m6 \gset
INSERT INTO audit_softdelete.migration_ddl (migration_id, event, command_tag, object_type,
                                            object_identity, by_extension, db_user)
VALUES (:m6, 'ddl_command_end', 'CREATE TABLE', 'table', 'public.by_migration', false, 'x');
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
ROLLBACK;

-- With no finished migration, every DDL recorded counts and there is no
-- fingerprint to compare with; nor with a finished one that recorded none.
BEGIN;
DELETE FROM audit_softdelete.migrations;
SELECT count(*) > 0 AS ddl_rows, count(*) FILTER (WHERE kind = 'fingerprint') AS fingerprint_rows,
       count(*) FILTER (WHERE last_migration_id IS NOT NULL) AS since_a_migration
  FROM audit_softdelete.migration_drift();
INSERT INTO audit_softdelete.migrations (version, status, direction, started_at, finished_at)
VALUES ('drift-7', 'succeeded', 'up', now(), clock_timestamp());
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
ROLLBACK;

-- migration_drift() reads as its caller: SELECT on migration_ddl and
-- migrations is needed.
CREATE ROLE drift_reader;
SET ROLE drift_reader;
SELECT count(*) FROM audit_softdelete.migration_drift();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.migrations TO drift_reader;
SET ROLE drift_reader;
SELECT count(*) FROM audit_softdelete.migration_drift();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.migration_ddl TO drift_reader;
SET ROLE drift_reader;
SELECT kind, command_tag, recorded_fingerprint <> current_fingerprint AS differs
  FROM audit_softdelete.migration_drift();
RESET ROLE;
REVOKE SELECT ON audit_softdelete.migrations, audit_softdelete.migration_ddl FROM drift_reader;
DROP ROLE drift_reader;

SELECT audit_softdelete.disable('drift_t');
DROP TABLE drift_t;
DROP MATERIALIZED VIEW drift_mv;
DROP VIEW drift;
DELETE FROM audit_softdelete.migrations WHERE version LIKE 'drift-%';
