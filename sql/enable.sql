-- enable(): columns added or reused, triggers created, options recorded;
-- calling it again reconfigures and is idempotent.

CREATE TABLE enable_plain (id int PRIMARY KEY, title text);
BEGIN;
SELECT audit_softdelete.enable('enable_plain');
SELECT relid, table_id > 0 AS has_table_id, enabled, stamps, columns,
       enabled_by = current_user AS enabled_by_me, enabled_at = now() AS enabled_now,
       disabled_by, disabled_at
  FROM audit_softdelete.tracked_tables WHERE relid = 'enable_plain'::regclass;
COMMIT;
\d enable_plain

-- Again with the same options: nothing changes, not even table_id.
SELECT table_id AS first_table_id FROM audit_softdelete.tracked_tables
 WHERE relid = 'enable_plain'::regclass \gset
SELECT audit_softdelete.enable('enable_plain');
SELECT count(*) AS columns_now FROM pg_attribute
 WHERE attrelid = 'enable_plain'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT table_id = :first_table_id AS same_table_id
  FROM audit_softdelete.tracked_tables WHERE relid = 'enable_plain'::regclass;
SELECT count(*) AS stamp_triggers FROM pg_trigger
 WHERE tgrelid = 'enable_plain'::regclass AND tgname = 'audit_softdelete_stamp';

-- Reconfigure: stamps off removes the trigger, keeps the columns.
SELECT audit_softdelete.enable('enable_plain', stamps => false);
SELECT count(*) AS stamp_triggers FROM pg_trigger
 WHERE tgrelid = 'enable_plain'::regclass AND tgname = 'audit_softdelete_stamp';
SELECT stamps FROM audit_softdelete.tracked_tables WHERE relid = 'enable_plain'::regclass;
INSERT INTO enable_plain (id, title) VALUES (1, 'no stamps');
SELECT id, created_by, updated_at FROM enable_plain;
-- and back on
SELECT audit_softdelete.enable('enable_plain', stamps => true);
INSERT INTO enable_plain (id, title) VALUES (2, 'stamped');
SELECT id, created_by = session_user AS by_me, updated_at IS NOT NULL AS has_updated_at
  FROM enable_plain ORDER BY id;

-- Existing columns of a fitting type are used as they are: varchar and
-- bigint actors, timestamp without time zone, a domain over uuid.
CREATE DOMAIN enable_uuid AS uuid;
CREATE TABLE enable_existing (
    id int,
    created_at timestamp,
    created_by varchar(64),
    updated_at timestamptz,
    updated_by enable_uuid
);
SELECT audit_softdelete.enable('enable_existing');
\d enable_existing
BEGIN;
SELECT audit_softdelete.set_actor('5d0d6c2a-7a53-4b9a-9b8e-1f2a3b4c5d6e');
INSERT INTO enable_existing (id) VALUES (1);
SELECT created_at = now()::timestamp AS created_now, created_by, updated_at = now() AS updated_now, updated_by
  FROM enable_existing;
COMMIT;

-- A table with rows: existing rows get created_at = the time of enable(),
-- and no actor.
CREATE TABLE enable_rows (id int);
INSERT INTO enable_rows VALUES (1), (2);
BEGIN;
SELECT audit_softdelete.enable('enable_rows');
SELECT id, created_at = now() AS created_now, created_by, updated_at FROM enable_rows ORDER BY id;
COMMIT;

-- Quoted, schema-qualified and mixed-case names.
CREATE SCHEMA "Enable Schema";
CREATE TABLE "Enable Schema"."Mixed Table" ("Id" int);
SELECT audit_softdelete.enable('"Enable Schema"."Mixed Table"');
INSERT INTO "Enable Schema"."Mixed Table" VALUES (1);
SELECT "Id", created_by = session_user AS by_me FROM "Enable Schema"."Mixed Table";
SELECT relid FROM audit_softdelete.tracked_tables
 WHERE relid = '"Enable Schema"."Mixed Table"'::regclass;

-- An ordinary role can enable its own table, needing no grant on the
-- extension's tables.
CREATE ROLE enable_owner;
GRANT CREATE ON SCHEMA public TO enable_owner;
SET ROLE enable_owner;
CREATE TABLE enable_owned (id int);
SELECT audit_softdelete.enable('enable_owned');
INSERT INTO enable_owned VALUES (1);
SELECT id, created_by = session_user AS by_session_user FROM enable_owned;
-- it still cannot write tracked_tables itself
UPDATE audit_softdelete.tracked_tables SET stamps = false;
\echo SQLSTATE :SQLSTATE
-- nor call the internal function that records a table's options
SELECT audit_softdelete._save_table_options('enable_plain', true, false, '{}', false, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT enabled_by FROM audit_softdelete.tracked_tables WHERE relid = 'enable_owned'::regclass;

-- A dropped table leaves tracked_tables.
SELECT count(*) AS before_drop FROM audit_softdelete.tracked_tables;
DROP TABLE enable_owned;
SELECT count(*) AS after_drop FROM audit_softdelete.tracked_tables;

REVOKE CREATE ON SCHEMA public FROM enable_owner;
DROP ROLE enable_owner;
DROP TABLE enable_plain, enable_existing, enable_rows;
DROP DOMAIN enable_uuid;
DROP SCHEMA "Enable Schema" CASCADE;
