-- NOT IN REGRESS YET: the lead adds it once the migration ledger is
-- merged.  Its expected output was written by reasoning, against the
-- ledger's interface as the DDL log's branch knew it: migration_begin(
-- version, description) returning the migration's id, migration_finish()
-- recording the schema fingerprint when the migration ends.
--
-- The DDL a migration runs carries its id (migration_id), enable() inside
-- it too; outside a migration it is NULL.  The migration's own DDL is no
-- drift; DDL after it is.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'deployer';

BEGIN;
SELECT audit_softdelete.migration_begin('link-1', 'the DDL log names its migration') AS m \gset
CREATE TABLE link_t (id int PRIMARY KEY);
SELECT audit_softdelete.enable('link_t', soft_delete => 'off', audit => false);
SELECT command_tag, object_identity, by_extension, migration_id = :m AS in_migration
  FROM audit_softdelete.migration_ddl
 WHERE txid = pg_current_xact_id() AND object_identity LIKE '%link\_t%'
 ORDER BY id;
SELECT audit_softdelete.migration_finish();
COMMIT;

-- right after the migration: no drift
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();

-- DDL outside the migration: migration_id NULL, and drift since it
CREATE TABLE link_after (id int);
SELECT migration_id IS NULL AS outside_migration
  FROM audit_softdelete.migration_ddl WHERE object_identity = 'public.link_after';
SELECT kind, command_tag, object_identity, last_migration_id = :m AS since_link_1,
       recorded_fingerprint <> current_fingerprint AS differs
  FROM audit_softdelete.migration_drift();

DROP TABLE link_after;
SELECT audit_softdelete.disable('link_t');
DROP TABLE link_t;
