-- The upserts Rails (upsert_all, insert_all), Django (bulk_create with
-- update_conflicts or ignore_conflicts) and SQLAlchemy (insert(...)
-- .on_conflict_do_update) send, on a view-mode and a trigger-mode table
-- whose email is unique among live rows (the partial index enable()
-- recommends): by key and by unique column, against live and soft-deleted
-- rows, with one audit row per row changed.  Then what introspection gives
-- an ORM for a view over an identity key, and Django's sequence reset
-- after loading fixtures.  docs/guide.md, "Applications on ORMs", says
-- what is shown here.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE ou_users (
    id bigserial PRIMARY KEY,
    email varchar NOT NULL,
    name text,
    created_at timestamp(6),
    updated_at timestamp(6));
SELECT audit_softdelete.enable('ou_users', soft_delete => 'view');
CREATE UNIQUE INDEX ou_users_email_live ON ou_users_all (email) WHERE deleted_at IS NULL;
CREATE TABLE ou_notes (
    id bigserial PRIMARY KEY,
    email varchar NOT NULL,
    body text);
SELECT audit_softdelete.enable('ou_notes');
CREATE UNIQUE INDEX ou_notes_email_live ON ou_notes (email) WHERE deleted_at IS NULL;
INSERT INTO ou_users (id, email, name) VALUES (1, 'ann@x', 'Ann'), (2, 'bob@x', 'Bob'), (3, 'cy@x', 'Cy');
INSERT INTO ou_notes (id, email, body) VALUES (1, 'ann@x', 'a'), (2, 'bob@x', 'b');
SELECT setval('ou_users_id_seq', 3), setval('ou_notes_id_seq', 2);
DELETE FROM ou_users WHERE id = 2;
DELETE FROM ou_notes WHERE id = 2;
SET audit_softdelete.actor = 'orm';

-- Rails' upsert_all with record_timestamps: updated_at moves only for a row
-- whose values change, the view's name qualifying the existing row.  The
-- unchanged row writes nothing: its stamps stay, it has no audit row.
INSERT INTO "ou_users" ("id", "email", "name", "created_at", "updated_at")
VALUES (1, 'ann@x', 'Ann', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
       (3, 'cy@x', 'Cyrus', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
ON CONFLICT ("id") DO UPDATE SET
    updated_at = (CASE WHEN (("ou_users"."email" IS NOT DISTINCT FROM excluded."email")
                             AND ("ou_users"."name" IS NOT DISTINCT FROM excluded."name"))
                       THEN "ou_users".updated_at ELSE CURRENT_TIMESTAMP END)::timestamp(6),
    "email" = excluded."email", "name" = excluded."name"
RETURNING "id", "name", "updated_by";

-- Rails' insert_all: ON CONFLICT DO NOTHING without a target.  The key of
-- the soft-deleted row 2 conflicts like any other: nothing is inserted.
INSERT INTO "ou_users" ("id", "email", "name") VALUES (2, 'bob2@x', 'Bob'), (4, 'dee@x', 'Dee')
ON CONFLICT DO NOTHING RETURNING "id";

-- By the unique column: PostgreSQL infers the partial index only from a
-- conflict target that names its predicate.  Django's
-- bulk_create(update_conflicts=True, unique_fields=["email"]) cannot name
-- it, and fails (42P10) in both modes; Rails' upsert_all(unique_by:)
-- and SQLAlchemy's index_where= name it.
INSERT INTO "ou_users" ("email", "name") VALUES ('dee@x', 'Dee 2')
ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "ou_users"."id";
\echo SQLSTATE :SQLSTATE
INSERT INTO "ou_notes" ("email", "body") VALUES ('ann@x', 'a2')
ON CONFLICT ("email") DO UPDATE SET "body" = EXCLUDED."body" RETURNING "ou_notes"."id";
\echo SQLSTATE :SQLSTATE
INSERT INTO "ou_users" ("email", "name") VALUES ('dee@x', 'Dee 2')
ON CONFLICT ("email") WHERE deleted_at IS NULL DO UPDATE SET "name" = excluded."name"
RETURNING "id", "name";
-- the email of a soft-deleted row is free: the upsert inserts a new row
INSERT INTO "ou_users" ("email", "name") VALUES ('bob@x', 'Bob again')
ON CONFLICT ("email") WHERE deleted_at IS NULL DO UPDATE SET "name" = excluded."name"
RETURNING "id", "name";
INSERT INTO "ou_notes" ("email", "body") VALUES ('bob@x', 'b again')
ON CONFLICT ("email") WHERE deleted_at IS NULL DO UPDATE SET "body" = excluded."body"
RETURNING "id", "body", deleted_at IS NOT NULL AS deleted;

-- By the key of a soft-deleted row.  View mode: PostgreSQL refuses to
-- update a row the view hides (55000); DO NOTHING inserts nothing.
INSERT INTO "ou_users" ("id", "email", "name") VALUES (2, 'bob@x', 'Bob 3')
ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "ou_users"."id";
\echo SQLSTATE :SQLSTATE
INSERT INTO "ou_users" ("id", "email", "name") VALUES (2, 'bob@x', 'Bob 3')
ON CONFLICT ("id") DO NOTHING RETURNING "ou_users"."id";
-- Trigger mode shows deleted rows, and the upsert updates the deleted row,
-- which stays deleted: RETURNING returns it, as an UPDATE of it would.
INSERT INTO "ou_notes" ("id", "email", "body") VALUES (2, 'bob@x', 'b3')
ON CONFLICT ("id") DO UPDATE SET "body" = EXCLUDED."body"
RETURNING "ou_notes"."id", "body", deleted_at IS NOT NULL AS deleted;

-- SQLAlchemy's on_conflict_do_update(constraint="<name>") names the
-- constraint: a view has none (42704).  index_elements=, or the table,
-- work.
INSERT INTO "ou_users" ("id", "email", "name") VALUES (1, 'ann@x', 'Ann B')
ON CONFLICT ON CONSTRAINT ou_users_pkey DO UPDATE SET "name" = EXCLUDED."name";
\echo SQLSTATE :SQLSTATE
INSERT INTO "ou_users_all" ("id", "email", "name") VALUES (1, 'ann@x', 'Ann B')
ON CONFLICT ON CONSTRAINT ou_users_pkey DO UPDATE SET "name" = EXCLUDED."name" RETURNING "id", "name";

SELECT id, email, name, deleted_at IS NOT NULL AS deleted FROM ou_users_all ORDER BY id;
SELECT id, email, body, deleted_at IS NOT NULL AS deleted FROM ou_notes ORDER BY id;
-- one audit row per row changed, none for the unchanged row 1 of the
-- first upsert or for the failed and skipped ones
SELECT table_name, action, row_pk, changed_columns FROM audit_softdelete.audit_logs
 WHERE actor = 'orm' ORDER BY id;

-- A view over an identity key.  The view has no default for it (a view
-- column can be no identity), so introspection sees a plain bigint:
-- Django's (is_autofield, the default) finds no auto field, SQLAlchemy no
-- autoincrement.  An INSERT that leaves the key out still gets it from the
-- table.
CREATE TABLE ou_items (
    id bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    name varchar(20) NOT NULL);
SELECT audit_softdelete.enable('ou_items', soft_delete => 'view');
SELECT a.attrelid::regclass AS relation, a.attname, pg_get_expr(ad.adbin, ad.adrelid) AS column_default,
       a.attidentity <> '' AS is_autofield
  FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE a.attrelid IN ('ou_items'::regclass, 'ou_items_all'::regclass) AND a.attname = 'id'
 ORDER BY a.attrelid::regclass::text;
INSERT INTO "ou_items" ("name") VALUES ('x'), ('y') RETURNING "ou_items"."id";

-- Django's loaddata inserts its fixtures' keys and resets the sequences:
-- through the view pg_get_serial_sequence() is NULL and nothing is reset,
-- so a later INSERT takes a key a fixture holds.  Resetting the sequence of
-- <name>_all, from every row, deleted ones included, avoids it.
INSERT INTO "ou_items" ("id", "name") VALUES (3, 'fixture 3'), (4, 'fixture 4');
SELECT setval(pg_get_serial_sequence('"ou_items"', 'id'), coalesce(max("id"), 1), max("id") IS NOT null)
  FROM "ou_items";
INSERT INTO "ou_items" ("name") VALUES ('new') RETURNING "ou_items"."id";
\echo SQLSTATE :SQLSTATE
SELECT setval(pg_get_serial_sequence('ou_items_all', 'id'), max(id)) FROM ou_items_all;
INSERT INTO "ou_items" ("name") VALUES ('new') RETURNING "ou_items"."id";

DROP VIEW ou_users, ou_items;
DROP TABLE ou_users_all, ou_notes, ou_items_all;
