-- Soft delete in 'trigger' mode: DELETE marks the row and removes nothing.
\set SHOW_CONTEXT never

-- An ordinary role that sets the superuser-only hard_delete before the
-- library is loaded gets nothing from it: the value is dropped, with a
-- warning, when the library loads.
CREATE ROLE sd_user;
SET ROLE sd_user;
SET audit_softdelete.hard_delete = on;
RESET ROLE;
CREATE TABLE sd_items (id int PRIMARY KEY, name text);
GRANT ALL ON sd_items TO sd_user;
SELECT audit_softdelete.enable('sd_items');
SHOW audit_softdelete.hard_delete;
-- rows written without set_actor() in this file are stamped 'setup'
SET audit_softdelete.actor = 'setup';

\d sd_items
INSERT INTO sd_items (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three');

-- DELETE reports 0 rows and RETURNING returns none: the row stays, marked.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
DELETE FROM sd_items WHERE id = 1 RETURNING id;
SELECT id, name, deleted_at = now() AS deleted_now, deleted_by,
       updated_by, updated_at = now() AS updated_now
  FROM sd_items ORDER BY id;
COMMIT;

-- Deleting it again changes nothing and writes nothing.
BEGIN;
SELECT audit_softdelete.set_actor('bob');
DELETE FROM sd_items WHERE id = 1;
SELECT deleted_by, updated_by FROM sd_items WHERE id = 1;
COMMIT;

-- The trail: one SOFT_DELETE with the whole row as it was, and the
-- changed columns.
SELECT action, actor, row_pk, old_values - 'created_at' - 'updated_at' AS old_values,
       changed_columns, new_values ? 'deleted_at' AS new_has_deleted_at,
       new_values ->> 'deleted_by' AS new_deleted_by
  FROM audit_softdelete.audit_logs WHERE table_name = 'sd_items' AND action <> 'INSERT'
 ORDER BY id;

-- A deleted row can still be updated; it stays deleted.
UPDATE sd_items SET name = 'one, edited' WHERE id = 1;
SELECT id, name, deleted_at IS NOT NULL AS deleted FROM sd_items WHERE id = 1;

-- A multi-row DELETE marks each live row once.
DELETE FROM sd_items;
SELECT id, deleted_at IS NOT NULL AS deleted FROM sd_items ORDER BY id;
SELECT count(*) AS soft_deletes FROM audit_softdelete.audit_logs
 WHERE table_name = 'sd_items' AND action = 'SOFT_DELETE';

-- A role with DELETE but no UPDATE privilege can soft-delete.
CREATE TABLE sd_delete_only (id int PRIMARY KEY);
SELECT audit_softdelete.enable('sd_delete_only');
INSERT INTO sd_delete_only VALUES (1);
GRANT SELECT, DELETE ON sd_delete_only TO sd_user;
SET ROLE sd_user;
DELETE FROM sd_delete_only WHERE id = 1;
UPDATE sd_delete_only SET id = 2;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by FROM sd_delete_only;

-- hard_delete: superuser only.  With it on, DELETE really removes the row,
-- and the trail records it as DELETE with the whole row.
SET ROLE sd_user;
SET audit_softdelete.hard_delete = on;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SET audit_softdelete.hard_delete = on;
DELETE FROM sd_items WHERE id = 2;
RESET audit_softdelete.hard_delete;
SELECT id FROM sd_items ORDER BY id;
SELECT action, row_pk, old_values ->> 'name' AS name
  FROM audit_softdelete.audit_logs WHERE table_name = 'sd_items' AND action = 'DELETE';

-- TRUNCATE is refused unless hard_delete is on.
TRUNCATE sd_items;
\echo SQLSTATE :SQLSTATE
SET audit_softdelete.hard_delete = on;
TRUNCATE sd_items;
RESET audit_softdelete.hard_delete;
SELECT count(*) AS rows_left FROM sd_items;

-- Without the audit trail, a physical delete is still recorded.
CREATE TABLE sd_noaudit (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('sd_noaudit', audit => false);
INSERT INTO sd_noaudit VALUES (1, 'kept in the trail');
DELETE FROM sd_noaudit;
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs WHERE table_name = 'sd_noaudit';
SET audit_softdelete.hard_delete = on;
DELETE FROM sd_noaudit;
RESET audit_softdelete.hard_delete;
SELECT action, old_values - 'created_at' - 'updated_at' - 'deleted_at' AS old_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'sd_noaudit';

-- Own column names and types for deleted_*: a uuid deleted_by.
CREATE TABLE sd_mapped (id int PRIMARY KEY, removed_by uuid);
SELECT audit_softdelete.enable('sd_mapped', stamps => false,
                               columns => '{"deleted_at": "removed_at", "deleted_by": "removed_by"}');
INSERT INTO sd_mapped (id) VALUES (1), (2);
BEGIN;
SELECT audit_softdelete.set_actor('5d0d6c2a-7a53-4b9a-9b8e-1f2a3b4c5d6e');
DELETE FROM sd_mapped WHERE id = 1;
COMMIT;
SELECT id, removed_at IS NOT NULL AS removed, removed_by FROM sd_mapped ORDER BY id;
BEGIN;
SELECT audit_softdelete.set_actor('alice');
DELETE FROM sd_mapped WHERE id = 2;
\echo SQLSTATE :SQLSTATE
ROLLBACK;
CREATE TABLE sd_badtype (id int PRIMARY KEY, deleted_at date);
SELECT audit_softdelete.enable('sd_badtype');
\echo SQLSTATE :SQLSTATE
-- deleted_at must be timestamptz: restore compares it across sessions
ALTER TABLE sd_badtype ALTER COLUMN deleted_at TYPE timestamp;
SELECT audit_softdelete.enable('sd_badtype');
\echo SQLSTATE :SQLSTATE

-- A BEFORE UPDATE trigger that refuses the marking makes the DELETE fail
-- clearly, rather than report a deleted row that is not.
CREATE TABLE sd_locked (id int PRIMARY KEY);
SELECT audit_softdelete.enable('sd_locked', stamps => false);
INSERT INTO sd_locked VALUES (1);
CREATE FUNCTION sd_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER sd_refuse BEFORE UPDATE ON sd_locked FOR EACH ROW EXECUTE FUNCTION sd_refuse();
DELETE FROM sd_locked;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER sd_refuse ON sd_locked;
-- so does a rule that replaces it, and the row stays live, unchanged
CREATE TABLE sd_side (id int);
CREATE RULE sd_nothing AS ON UPDATE TO sd_locked DO INSTEAD NOTHING;
DELETE FROM sd_locked;
\echo SQLSTATE :SQLSTATE
DROP RULE sd_nothing ON sd_locked;
CREATE RULE sd_elsewhere AS ON UPDATE TO sd_locked DO INSTEAD INSERT INTO sd_side VALUES (OLD.id);
DELETE FROM sd_locked;
\echo SQLSTATE :SQLSTATE
SELECT id, deleted_at IS NULL AS live FROM sd_locked;
SELECT count(*) AS side_rows FROM sd_side;
DROP TABLE sd_locked, sd_side;
DROP FUNCTION sd_refuse();

-- The options the triggers read are checked whoever writes them.
SELECT audit_softdelete._save_table_options('sd_mapped', true, false, '{"deleted_at": "removed_at"}',
                                            false, '{}', '{}', 'trigger', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('sd_mapped', true, false, '["created_at"]',
                                            false, '{}', '{}', 'trigger', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('sd_mapped', true, false,
    '{"created_at": "a", "created_by": "b", "updated_at": "c", "updated_by": "d", "deleted_at": "e", "deleted_by": "f"}',
    false, '{}', '{}', 'sometimes', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('sd_mapped', true, false,
    '{"created_at": "a", "created_by": "b", "updated_at": "c", "updated_by": "d", "deleted_at": "e", "deleted_by": "f"}',
    false, '{}', '{}', 'trigger', 'sd_items');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('sd_mapped', true, false,
    '{"created_at": "a", "created_by": "b", "updated_at": "c", "updated_by": "d", "deleted_at": "e", "deleted_by": "f"}',
    false, '{}', '{}', 'view', 'sd_items');
\echo SQLSTATE :SQLSTATE

-- Unique indexes that still count deleted rows are named, with the index
-- to create instead; a partial index excluding them is fine.
CREATE TABLE sd_accounts (id int PRIMARY KEY, email text UNIQUE, login text, tenant int,
                          deleted_at timestamptz);
CREATE UNIQUE INDEX sd_accounts_login ON sd_accounts (tenant, login);
CREATE UNIQUE INDEX sd_accounts_live_email ON sd_accounts (lower(email)) WHERE deleted_at IS NULL;
SELECT audit_softdelete.enable('sd_accounts');

-- Bad modes and misuse.
SELECT audit_softdelete.enable('sd_accounts', soft_delete => 'sometimes');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('sd_accounts', soft_delete => NULL);
\echo SQLSTATE :SQLSTATE
CREATE TABLE sd_plain (id int);
CREATE TRIGGER by_hand BEFORE DELETE ON sd_plain FOR EACH ROW
    EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
INSERT INTO sd_plain VALUES (1);
DELETE FROM sd_plain;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON sd_plain;
-- refused when created (hand_attached); with that check off, when fired
ALTER EVENT TRIGGER audit_softdelete_verify_triggers DISABLE;
CREATE TRIGGER by_hand AFTER DELETE ON sd_plain FOR EACH ROW
    EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
DELETE FROM sd_plain;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON sd_plain;
CREATE TRIGGER by_hand BEFORE INSERT ON sd_plain FOR EACH STATEMENT
    EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
ALTER EVENT TRIGGER audit_softdelete_verify_triggers ENABLE ALWAYS;
INSERT INTO sd_plain VALUES (2);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON sd_plain;
SELECT audit_softdelete.soft_delete_trigger();
\echo SQLSTATE :SQLSTATE

-- soft_delete => 'off' removes the triggers and keeps the columns.
SELECT audit_softdelete.enable('sd_items', soft_delete => 'off');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'sd_items'::regclass ORDER BY 1;
SELECT count(*) AS deleted_columns_kept FROM pg_attribute
 WHERE attrelid = 'sd_items'::regclass AND attname IN ('deleted_at', 'deleted_by');

REVOKE ALL ON sd_items, sd_delete_only FROM sd_user;
DROP TABLE sd_items, sd_delete_only, sd_noaudit, sd_mapped, sd_badtype, sd_accounts, sd_plain;
DROP ROLE sd_user;
RESET audit_softdelete.actor;
