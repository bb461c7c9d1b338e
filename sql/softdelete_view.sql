-- Soft delete in 'view' mode: the table's name shows only live rows, and
-- the application's SQL works through it unchanged.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE ROLE vw_app;
CREATE TABLE vw_users (id serial PRIMARY KEY, email text NOT NULL, name text);
GRANT SELECT, INSERT, UPDATE, DELETE ON vw_users TO vw_app;
GRANT USAGE ON SEQUENCE vw_users_id_seq TO vw_app;
CREATE TABLE vw_posts (id int PRIMARY KEY, user_id int REFERENCES vw_users ON DELETE CASCADE);
SELECT audit_softdelete.enable('vw_posts');
ALTER TABLE vw_users ADD COLUMN deleted_at timestamptz;
CREATE UNIQUE INDEX vw_users_live_email ON vw_users (email) WHERE deleted_at IS NULL;
SELECT audit_softdelete.enable('vw_users', soft_delete => 'view');

-- The table is now vw_users_all; vw_users is a view of its live rows, with
-- the same privileges.
SELECT c.relname, c.relkind,
       ARRAY(SELECT a.privilege_type FROM aclexplode(c.relacl) a
              WHERE a.grantee = 'vw_app'::regrole ORDER BY 1) AS vw_app_privileges
  FROM pg_class c WHERE c.relname IN ('vw_users', 'vw_users_all') ORDER BY 1;
SELECT view_name FROM audit_softdelete.tracked_tables WHERE relid = 'vw_users_all'::regclass;

-- What an ORM does, through the original name, as the application role.
SET ROLE vw_app;
INSERT INTO vw_users (email, name) VALUES ('ann@example.com', 'Ann') RETURNING id, email, name;
INSERT INTO vw_users (email, name) VALUES ('bob@example.com', 'Bob') RETURNING id;
UPDATE vw_users SET name = 'Ann B.' WHERE id = 1 RETURNING id, name;
DELETE FROM vw_users WHERE id = 2 RETURNING id, email;
-- the row is gone from the view, an UPDATE or DELETE of it finds nothing
SELECT id, email, name FROM vw_users ORDER BY id;
UPDATE vw_users SET name = 'ghost' WHERE id = 2;
DELETE FROM vw_users WHERE id = 2;
-- its email is free again for a new live row
INSERT INTO vw_users (email, name) VALUES ('bob@example.com', 'Bob again') RETURNING id;
-- upsert through the view
INSERT INTO vw_users (id, email, name) VALUES (1, 'ann@example.com', 'Ann C.')
    ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id, name;
-- a deleted row keeps its primary key: inserting it again is refused,
-- an upsert of it too (PostgreSQL will not update a row the view hides),
-- and DO NOTHING inserts nothing
INSERT INTO vw_users (id, email, name) VALUES (2, 'bob2@example.com', 'Bob 2');
INSERT INTO vw_users (id, email, name) VALUES (2, 'bob2@example.com', 'Bob 2')
    ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id, name;
INSERT INTO vw_users (id, email, name) VALUES (2, 'bob2@example.com', 'Bob 2')
    ON CONFLICT (id) DO NOTHING RETURNING id, name;
RESET ROLE;
-- every row, deleted ones included, is in the table
SELECT id, email, name, deleted_at IS NOT NULL AS deleted, deleted_by FROM vw_users_all ORDER BY id;
-- audit rows name the table as the application does, by the view's name
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name = 'vw_users' ORDER BY id;

-- A DELETE through the view cascades like any soft delete; foreign keys
-- point at the table.
INSERT INTO vw_posts VALUES (100, 1);
DELETE FROM vw_users WHERE id = 1;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vw_posts;
SELECT confrelid::regclass AS references FROM pg_constraint WHERE conname = 'vw_posts_user_id_fkey';

-- restore() and purge() take the view's name as well as the table's.
SELECT audit_softdelete.restore('vw_users', '{"id": 1}');
SELECT id FROM vw_users ORDER BY id;
-- a row whose unique key was taken meanwhile cannot come back
SELECT audit_softdelete.restore('vw_users_all', '{"id": 2}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.purge('vw_users', interval '1 year');

-- Schema changes go to the table (vw_users_all); the view follows.
ALTER TABLE vw_users_all ADD COLUMN phone text;
ALTER TABLE vw_users_all RENAME COLUMN name TO full_name;
ALTER TABLE vw_users_all ALTER COLUMN phone TYPE varchar(20);
ALTER TABLE vw_users_all DROP COLUMN phone;
SELECT string_agg(attname, ', ' ORDER BY attnum) AS view_columns
  FROM pg_attribute WHERE attrelid = 'vw_users'::regclass AND attnum > 0;
SET ROLE vw_app;
SELECT id, full_name FROM vw_users ORDER BY id;
DELETE FROM vw_users WHERE id = 3 RETURNING id;
RESET ROLE;
-- a migration aimed at the view's name is refused, naming the table to use
ALTER TABLE vw_users ADD COLUMN nickname text;
\echo SQLSTATE :SQLSTATE
ALTER TABLE vw_users RENAME COLUMN email TO mail;
\echo SQLSTATE :SQLSTATE

-- enable() accepts the view's name too; view mode needs a primary key and
-- a free <name>_all.
SELECT audit_softdelete.enable('vw_users', soft_delete => 'view');
CREATE TABLE vw_nokey (v int);
SELECT audit_softdelete.enable('vw_nokey', soft_delete => 'view');
\echo SQLSTATE :SQLSTATE
CREATE TABLE vw_taken (id int PRIMARY KEY);
CREATE TABLE vw_taken_all (id int);
SELECT audit_softdelete.enable('vw_taken', soft_delete => 'view');
\echo SQLSTATE :SQLSTATE

-- disable() puts everything back: the table's name, its privileges.
SELECT audit_softdelete.disable('vw_users');
SELECT c.relname, c.relkind,
       ARRAY(SELECT a.privilege_type FROM aclexplode(c.relacl) a
              WHERE a.grantee = 'vw_app'::regrole ORDER BY 1) AS vw_app_privileges
  FROM pg_class c WHERE c.relname IN ('vw_users', 'vw_users_all') ORDER BY 1;
SELECT count(*) AS rows_all_kept FROM vw_users;

-- and enable() can switch modes both ways
SELECT audit_softdelete.enable('vw_users', soft_delete => 'view');
SELECT relkind FROM pg_class WHERE relname = 'vw_users';
SELECT audit_softdelete.enable('vw_users', soft_delete => 'trigger');
SELECT relkind FROM pg_class WHERE relname = 'vw_users';
SELECT to_regclass('vw_users_all') IS NULL AS no_all_table;

-- With hard_delete on, a DELETE through the view really deletes, and says so.
SELECT audit_softdelete.enable('vw_users', soft_delete => 'view');
INSERT INTO vw_users (id, email, full_name) VALUES (4, 'gone@example.com', 'Gone');
SET audit_softdelete.hard_delete = on;
DELETE FROM vw_users WHERE id = 4 RETURNING id;
RESET audit_softdelete.hard_delete;
SELECT count(*) AS rows_4 FROM vw_users_all WHERE id = 4;
SELECT audit_softdelete.disable('vw_users');

-- A schema whose name needs quoting.
CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Orders" (id int PRIMARY KEY, total numeric);
SELECT audit_softdelete.enable('"Sales Dept"."Orders"', soft_delete => 'view');
INSERT INTO "Sales Dept"."Orders" VALUES (1, 10), (2, 20);
DELETE FROM "Sales Dept"."Orders" WHERE id = 1 RETURNING id;
SELECT id FROM "Sales Dept"."Orders";
ALTER TABLE "Sales Dept"."Orders_all" ADD COLUMN note text;
SELECT audit_softdelete.restore('"Sales Dept"."Orders"', '{"id": 1}');
SELECT id, note FROM "Sales Dept"."Orders" ORDER BY id;
SELECT audit_softdelete.disable('"Sales Dept"."Orders"');
SELECT relkind FROM pg_class WHERE oid = '"Sales Dept"."Orders"'::regclass;
DROP SCHEMA "Sales Dept" CASCADE;

-- A primary key dropped after enable(): DELETE through the view says why it
-- cannot find the row.
CREATE TABLE vw_keyless (id int CONSTRAINT vw_keyless_pk PRIMARY KEY);
SELECT audit_softdelete.enable('vw_keyless', soft_delete => 'view');
INSERT INTO vw_keyless VALUES (1);
ALTER TABLE vw_keyless_all DROP CONSTRAINT vw_keyless_pk;
DELETE FROM vw_keyless;
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('vw_keyless');
DROP TABLE vw_keyless;

-- The view's trigger function refuses to run anywhere else.
CREATE VIEW vw_plain AS SELECT 1 AS id;
CREATE TRIGGER by_hand INSTEAD OF DELETE ON vw_plain FOR EACH ROW
    EXECUTE FUNCTION audit_softdelete.view_delete_trigger();
DELETE FROM vw_plain;
\echo SQLSTATE :SQLSTATE
DROP VIEW vw_plain;
CREATE TABLE vw_t (id int);
CREATE TRIGGER by_hand BEFORE DELETE ON vw_t FOR EACH ROW
    EXECUTE FUNCTION audit_softdelete.view_delete_trigger();
INSERT INTO vw_t VALUES (1);
DELETE FROM vw_t;
\echo SQLSTATE :SQLSTATE
DROP TABLE vw_t;
SELECT audit_softdelete.view_delete_trigger();
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._table_ddl_end();
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._live_view_before_alter();
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._follow_column_rename();
\echo SQLSTATE :SQLSTATE

DROP TABLE vw_posts, vw_users, vw_nokey, vw_taken, vw_taken_all;
DROP ROLE vw_app;
RESET audit_softdelete.actor;
