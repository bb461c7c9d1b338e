-- A migration's traces carry its run id: the DDL it runs (migration_ddl,
-- enable() inside it too) and the audit rows of the data it changes
-- (audit_logs).  Outside a migration both are NULL.  In a database of its
-- own: the ledger is never emptied.
\set test_db asd_migration_ddl_link
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database
SET audit_softdelete.actor = 'deployer';

BEGIN;
SELECT audit_softdelete.migration_begin('link-1', 'the DDL log names its migration') AS m \gset
CREATE TABLE link_t (id int PRIMARY KEY, note text);
SELECT audit_softdelete.enable('link_t', soft_delete => 'off');
INSERT INTO link_t (id, note) VALUES (1, 'seeded'), (2, 'seeded');
UPDATE link_t SET note = 'seeded, then fixed' WHERE id = 2;
SELECT command_tag, object_identity, by_extension, migration_id = :m AS in_migration
  FROM audit_softdelete.migration_ddl
 ORDER BY id;
SELECT audit_softdelete.migration_finish();
COMMIT;

-- after the migration: a user's write and DDL carry none
SET audit_softdelete.actor = 'someone';
INSERT INTO link_t (id, note) VALUES (3, 'by a user');
CREATE INDEX link_t_note_idx ON link_t (note);

SELECT action, row_pk, actor, migration_id = :m AS in_migration, migration_id IS NULL AS outside
  FROM audit_softdelete.audit_logs ORDER BY id;
SELECT command_tag, object_identity, by_extension, migration_id IS NULL AS outside
  FROM audit_softdelete.migration_ddl WHERE id > (SELECT max(id) FROM audit_softdelete.migration_ddl
                                                   WHERE migration_id = :m)
 ORDER BY id;
-- row_history() names the migration that changed a row
SELECT action, migration_id = :m AS in_migration
  FROM audit_softdelete.row_history('link_t', '{"id": 2}');
-- the one run, and what the drift is since it
SELECT id = :m AS is_m, version, status, actor FROM audit_softdelete.migrations;
SELECT kind, command_tag, object_identity, last_migration_id = :m AS since_link_1
  FROM audit_softdelete.migration_drift();

\c :regress_db
DROP DATABASE :test_db;
