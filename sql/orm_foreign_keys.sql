-- Parent and child models joined by foreign keys, as Rails (ActiveRecord)
-- and Django send their statements: Rails' dependent: :destroy,
-- :delete_all and :nullify, INSERT ... RETURNING "id", prepared
-- statements, the savepoints of Rails' transactional tests; Django's
-- DEFERRABLE INITIALLY DEFERRED keys, its Python-side on_delete=CASCADE
-- collector (children first, or the parent first for a nullable key),
-- SET_NULL and save() sending every column.  Both soft-delete modes, one
-- of each, and a child without soft delete.  test/orm/sqlalchemy_fk.py
-- shows the same on SQLAlchemy.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

-- Rails: create_table with t.references ..., foreign_key: true (the key
-- has no action); the parent in view mode, a child in view mode, a child
-- in trigger mode, a child without soft delete.  The keys are on
-- <name>_all (add_foreign_key :line_items, :invoices_all, ...).
CREATE TABLE "invoices" ("id" bigserial primary key, "number" character varying NOT NULL,
                         "created_at" timestamp(6) NOT NULL, "updated_at" timestamp(6) NOT NULL);
CREATE TABLE "line_items" ("id" bigserial primary key, "invoice_id" bigint NOT NULL,
                           "description" character varying,
                           "created_at" timestamp(6) NOT NULL, "updated_at" timestamp(6) NOT NULL,
                           CONSTRAINT "fk_rails_0d6a9d5b1c" FOREIGN KEY ("invoice_id") REFERENCES "invoices" ("id"));
CREATE TABLE "payments" ("id" bigserial primary key, "invoice_id" bigint NOT NULL, "amount" integer,
                         CONSTRAINT "fk_rails_3f8b0e4a2d" FOREIGN KEY ("invoice_id") REFERENCES "invoices" ("id"));
CREATE TABLE "comments" ("id" bigserial primary key, "invoice_id" bigint, "body" text,
                         CONSTRAINT "fk_rails_9c2f1a7e55" FOREIGN KEY ("invoice_id") REFERENCES "invoices" ("id"));
SELECT audit_softdelete.enable('invoices', soft_delete => 'view');
SELECT audit_softdelete.enable('line_items', soft_delete => 'view');
SELECT audit_softdelete.enable('payments');

PREPARE rails_invoice (character varying, timestamp, timestamp) AS
    INSERT INTO "invoices" ("number", "created_at", "updated_at") VALUES ($1, $2, $3) RETURNING "id";
PREPARE rails_line (bigint, character varying, timestamp, timestamp) AS
    INSERT INTO "line_items" ("invoice_id", "description", "created_at", "updated_at")
    VALUES ($1, $2, $3, $4) RETURNING "id";
PREPARE rails_payment (bigint, integer) AS
    INSERT INTO "payments" ("invoice_id", "amount") VALUES ($1, $2) RETURNING "id";
PREPARE rails_comment (bigint, text) AS
    INSERT INTO "comments" ("invoice_id", "body") VALUES ($1, $2) RETURNING "id";
-- belongs_to's presence check (belongs_to_required_by_default)
PREPARE rails_parent_exists (bigint, integer) AS
    SELECT 1 AS one FROM "invoices" WHERE "invoices"."id" = $1 LIMIT $2;

BEGIN;
SELECT audit_softdelete.set_actor('alice');
EXECUTE rails_invoice('INV-1', '2000-01-01', '2000-01-01');
EXECUTE rails_parent_exists(1, 1);
EXECUTE rails_line(1, 'first', '2000-01-01', '2000-01-01');
EXECUTE rails_line(1, 'second', '2000-01-01', '2000-01-01');
EXECUTE rails_payment(1, 10);
EXECUTE rails_comment(1, 'note');
EXECUTE rails_invoice('INV-2', '2000-01-01', '2000-01-01');
EXECUTE rails_line(2, 'third', '2000-01-01', '2000-01-01');
EXECUTE rails_payment(2, 20);
COMMIT;

-- invoice.destroy with has_many :line_items / :payments, dependent:
-- :destroy, and has_many :comments, dependent: :nullify: the children one
-- by one (each DELETE counts its row in view mode, none in trigger mode),
-- the comments' keys set to NULL, then the parent, all in one transaction
BEGIN;
SELECT audit_softdelete.set_actor('bob');
SELECT "line_items"."id" FROM "line_items" WHERE "line_items"."invoice_id" = 1 ORDER BY id;
PREPARE rails_destroy_line (bigint) AS DELETE FROM "line_items" WHERE "line_items"."id" = $1;
PREPARE rails_destroy_payment (bigint) AS DELETE FROM "payments" WHERE "payments"."id" = $1;
EXECUTE rails_destroy_line(1);
\echo rows :ROW_COUNT
EXECUTE rails_destroy_line(2);
\echo rows :ROW_COUNT
EXECUTE rails_destroy_payment(1);
\echo rows :ROW_COUNT
PREPARE rails_nullify (bigint, bigint) AS
    UPDATE "comments" SET "invoice_id" = $1 WHERE "comments"."invoice_id" = $2;
EXECUTE rails_nullify(NULL, 1);
\echo rows :ROW_COUNT
PREPARE rails_destroy_invoice (bigint) AS DELETE FROM "invoices" WHERE "invoices"."id" = $1;
EXECUTE rails_destroy_invoice(1);
\echo rows :ROW_COUNT
COMMIT;
SELECT 'invoices' AS tbl, id, deleted_at IS NOT NULL AS deleted, deleted_by FROM invoices_all
UNION ALL SELECT 'line_items', id, deleted_at IS NOT NULL, deleted_by FROM line_items_all
UNION ALL SELECT 'payments', id, deleted_at IS NOT NULL, deleted_by FROM payments
ORDER BY 1, 2;
SELECT id, invoice_id FROM comments ORDER BY id;

-- a line item for the deleted invoice: Rails' presence check finds no
-- parent through the view (a validation error, nothing sent); sent anyway
-- (belongs_to optional: true, or insert_all), the database refuses it, as
-- it does the payment and the comment (ActiveRecord::InvalidForeignKey)
EXECUTE rails_parent_exists(1, 1);
EXECUTE rails_line(1, 'late', '2000-01-02', '2000-01-02');
EXECUTE rails_payment(1, 30);
EXECUTE rails_comment(1, 'late');
-- update(invoice_id: 1) of a live child: refused as well
UPDATE "line_items" SET "invoice_id" = 1, "updated_at" = '2000-01-02' WHERE "line_items"."id" = 3;
-- a Rails test: the transactional test's transaction and the savepoint of
-- each save; a savepoint rolled back after the refusal, the test rolled
-- back at its end
BEGIN;
SAVEPOINT active_record_1;
EXECUTE rails_line(2, 'kept until the test ends', '2000-01-02', '2000-01-02');
RELEASE SAVEPOINT active_record_1;
SAVEPOINT active_record_1;
EXECUTE rails_line(1, 'refused', '2000-01-02', '2000-01-02');
ROLLBACK TO SAVEPOINT active_record_1;
SAVEPOINT active_record_1;
EXECUTE rails_destroy_invoice(2);
ROLLBACK TO SAVEPOINT active_record_1;
SELECT id FROM "line_items" WHERE "line_items"."invoice_id" = 2 ORDER BY id;
ROLLBACK;

-- has_many ..., dependent: :delete_all: one DELETE of the children
BEGIN;
SELECT audit_softdelete.set_actor('carol');
DELETE FROM "line_items" WHERE "line_items"."invoice_id" = 2;
\echo rows :ROW_COUNT
DELETE FROM "payments" WHERE "payments"."invoice_id" = 2;
\echo rows :ROW_COUNT
EXECUTE rails_destroy_invoice(2);
\echo rows :ROW_COUNT
COMMIT;

-- restore(): the invoice comes back alone (its children went one by one,
-- not by its delete's cascade); the children may come back after it, not
-- before
SET audit_softdelete.actor = 'dave';
SELECT audit_softdelete.restore('line_items', '{"id": 1}');
SELECT audit_softdelete.restore('invoices', '{"id": 1}');
SELECT audit_softdelete.restore('line_items', '{"id": 1}');
SELECT audit_softdelete.restore('payments', '{"id": 1}');
EXECUTE rails_line(1, 'after the restore', '2000-01-03', '2000-01-03');
SELECT id, invoice_id, description FROM "line_items" ORDER BY id;

-- Django: bigint identity keys, the foreign key DEFERRABLE INITIALLY
-- DEFERRED with no action (on_delete is Python-side); authors in trigger
-- mode, books in view mode, reviews without soft delete
CREATE TABLE "shop_author" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
                            "name" varchar(100) NOT NULL);
CREATE TABLE "shop_book" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
                          "title" varchar(100) NOT NULL, "author_id" bigint NOT NULL,
                          "editor_id" bigint NULL);
CREATE TABLE "shop_review" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
                            "stars" integer NOT NULL, "book_id" bigint NULL);
ALTER TABLE "shop_book" ADD CONSTRAINT "shop_book_author_id_2f1e7c9d_fk_shop_author_id"
    FOREIGN KEY ("author_id") REFERENCES "shop_author" ("id") DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "shop_book" ADD CONSTRAINT "shop_book_editor_id_8a1b2c3d_fk_shop_author_id"
    FOREIGN KEY ("editor_id") REFERENCES "shop_author" ("id") DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX "shop_book_author_id_2f1e7c9d" ON "shop_book" ("author_id");
SELECT audit_softdelete.enable('shop_author');
SELECT audit_softdelete.enable('shop_book', soft_delete => 'view');
ALTER TABLE "shop_review" ADD CONSTRAINT "shop_review_book_id_5e6f7a8b_fk_shop_book_id"
    FOREIGN KEY ("book_id") REFERENCES "shop_book_all" ("id") DEFERRABLE INITIALLY DEFERRED;

-- Django's create(): one transaction per save, INSERT ... RETURNING the key;
-- loaddata may write a child before its parent (the key is deferred)
BEGIN;
SELECT audit_softdelete.set_actor('erin');
INSERT INTO "shop_book" ("id", "title", "author_id", "editor_id") VALUES (1, 'Dune', 1, NULL);
INSERT INTO "shop_author" ("id", "name") VALUES (1, 'Herbert'), (2, 'Asimov'), (3, 'Clarke');
COMMIT;
-- then its sequence reset (the view has none: the table's, by hand)
SELECT setval(pg_get_serial_sequence('"shop_author"','id'), coalesce(max("id"), 1), max("id") IS NOT null)
  FROM "shop_author";
SELECT setval(pg_get_serial_sequence('"shop_book_all"','id'), coalesce(max("id"), 1), max("id") IS NOT null)
  FROM "shop_book_all";
BEGIN;
SELECT audit_softdelete.set_actor('erin');
INSERT INTO "shop_book" ("title", "author_id", "editor_id") VALUES ('Foundation', 2, 3) RETURNING "shop_book"."id";
INSERT INTO "shop_book" ("title", "author_id", "editor_id") VALUES ('Robots', 2, NULL) RETURNING "shop_book"."id";
INSERT INTO "shop_book" ("title", "author_id", "editor_id") VALUES ('Childhood''s End', 1, 3) RETURNING "shop_book"."id";
INSERT INTO "shop_review" ("stars", "book_id") VALUES (5, 2), (4, 3) RETURNING "shop_review"."id";
COMMIT;

-- author.delete() with Book.author on_delete=CASCADE and Review.book
-- on_delete=SET_NULL: the collector reads the books, sets the reviews'
-- keys to NULL, deletes the books, then the author
BEGIN;
SELECT audit_softdelete.set_actor('frank');
SELECT "shop_book"."id" FROM "shop_book" WHERE "shop_book"."author_id" IN (2) ORDER BY 1;
UPDATE "shop_review" SET "book_id" = NULL WHERE "shop_review"."id" IN (1, 2);
\echo rows :ROW_COUNT
DELETE FROM "shop_book" WHERE "shop_book"."id" IN (3, 2);
\echo rows :ROW_COUNT
DELETE FROM "shop_author" WHERE "shop_author"."id" IN (2);
\echo rows :ROW_COUNT
COMMIT;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by FROM shop_book_all ORDER BY id;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by FROM shop_author ORDER BY id;

-- save() sends every column: a review kept by SET_NULL saved again, a book
-- whose key did not change saved again; a review given back a deleted book,
-- and a new book of the deleted author, are refused at the statement
UPDATE "shop_review" SET "stars" = 3, "book_id" = NULL WHERE "shop_review"."id" = 1;
\echo rows :ROW_COUNT
UPDATE "shop_book" SET "title" = 'Dune Messiah', "author_id" = 1, "editor_id" = NULL WHERE "shop_book"."id" = 1;
\echo rows :ROW_COUNT
UPDATE "shop_review" SET "stars" = 3, "book_id" = 2 WHERE "shop_review"."id" = 1;
INSERT INTO "shop_book" ("title", "author_id", "editor_id") VALUES ('Nemesis', 2, NULL) RETURNING "shop_book"."id";
-- Book.editor is ForeignKey(null=True, on_delete=CASCADE): a nullable key
-- adds no order between the models, so the collector deletes the author
-- first and the book after it, which the deferred key lets through: the
-- check of a DEFERRABLE INITIALLY DEFERRED key waits for the commit
BEGIN;
SELECT audit_softdelete.set_actor('gina');
SELECT "shop_book"."id" FROM "shop_book" WHERE "shop_book"."editor_id" IN (3) ORDER BY 1;
DELETE FROM "shop_author" WHERE "shop_author"."id" IN (3);
\echo rows :ROW_COUNT
DELETE FROM "shop_book" WHERE "shop_book"."id" IN (4);
\echo rows :ROW_COUNT
COMMIT;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by FROM shop_author ORDER BY id;
-- at the commit, an author still referenced by a live book is refused
BEGIN;
DELETE FROM "shop_author" WHERE "shop_author"."id" IN (1);
\echo rows :ROW_COUNT
COMMIT;
-- unless it came back before the commit, or the delete was rolled back to
-- its savepoint (transaction.atomic() inside a Django test case, which
-- checks the keys at its end with SET CONSTRAINTS ALL IMMEDIATE)
BEGIN;
DELETE FROM "shop_author" WHERE "shop_author"."id" IN (1);
SELECT audit_softdelete.restore('shop_author', '{"id": 1}');
COMMIT;
BEGIN;
SAVEPOINT "s1_x1";
INSERT INTO "shop_book" ("title", "author_id", "editor_id") VALUES ('Rama', 1, 1) RETURNING "shop_book"."id";
RELEASE SAVEPOINT "s1_x1";
SAVEPOINT "s1_x2";
DELETE FROM "shop_author" WHERE "shop_author"."id" IN (1);
ROLLBACK TO SAVEPOINT "s1_x2";
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
COMMIT;
SELECT id, deleted_at IS NOT NULL AS deleted FROM shop_author ORDER BY id;
SELECT id, title, author_id, editor_id, deleted_at IS NOT NULL AS deleted FROM shop_book_all ORDER BY id;

-- every committed change has its audit row, the refused and rolled-back
-- ones none
SELECT table_name, action, row_pk, actor, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name IN ('invoices', 'line_items', 'payments', 'shop_author', 'shop_book')
   AND row_pk IS NOT NULL ORDER BY id;

DROP TABLE shop_review;
DROP VIEW shop_book;
DROP TABLE shop_book_all, shop_author, comments, payments;
DROP VIEW line_items;
DROP TABLE line_items_all;
DROP VIEW invoices;
DROP TABLE invoices_all;
