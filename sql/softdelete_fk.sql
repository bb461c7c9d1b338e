-- Foreign keys: a soft delete behaves like the delete it replaces, except
-- that nothing physically goes away.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE fk_authors (id int PRIMARY KEY, name text);
CREATE TABLE fk_books (id int PRIMARY KEY, author_id int REFERENCES fk_authors ON DELETE CASCADE);
CREATE TABLE fk_chapters (book_id int, n int, PRIMARY KEY (book_id, n),
                          FOREIGN KEY (book_id) REFERENCES fk_books ON DELETE CASCADE);
-- composite key, two levels down
CREATE TABLE fk_notes (id int PRIMARY KEY, book_id int, n int,
                       FOREIGN KEY (book_id, n) REFERENCES fk_chapters ON DELETE CASCADE);
SELECT audit_softdelete.enable(t, stamps => false)
  FROM unnest(ARRAY['fk_authors', 'fk_books', 'fk_chapters', 'fk_notes']) t;

INSERT INTO fk_authors VALUES (1, 'ann'), (2, 'bob');
INSERT INTO fk_books VALUES (10, 1), (11, 1), (20, 2);
INSERT INTO fk_chapters VALUES (10, 1), (10, 2), (11, 1), (20, 1);
INSERT INTO fk_notes VALUES (100, 10, 1), (101, 10, 2), (200, 20, 1);

CREATE TEMP VIEW fk_state AS
SELECT 'author' AS kind, id::text AS key, deleted_at IS NOT NULL AS deleted FROM fk_authors
UNION ALL SELECT 'book', id::text, deleted_at IS NOT NULL FROM fk_books
UNION ALL SELECT 'chapter', book_id || '/' || n, deleted_at IS NOT NULL FROM fk_chapters
UNION ALL SELECT 'note', id::text, deleted_at IS NOT NULL FROM fk_notes
ORDER BY 1, 2;

-- ON DELETE CASCADE into soft-delete tables: the live referencing rows are
-- soft-deleted with the parent, recursively, in the same statement.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
DELETE FROM fk_authors WHERE id = 1;
COMMIT;
SELECT * FROM fk_state;
SELECT table_name, row_pk, actor FROM audit_softdelete.audit_logs
 WHERE action = 'SOFT_DELETE' AND table_name LIKE 'fk\_%' ORDER BY id;
-- all of it at the parent's time, by the parent's actor
SELECT count(DISTINCT deleted_at) AS times, min(deleted_by) AS by_ FROM (
    SELECT deleted_at, deleted_by FROM fk_books WHERE deleted_at IS NOT NULL
    UNION ALL SELECT deleted_at, deleted_by FROM fk_chapters WHERE deleted_at IS NOT NULL
    UNION ALL SELECT deleted_at, deleted_by FROM fk_notes WHERE deleted_at IS NOT NULL
    UNION ALL SELECT deleted_at, deleted_by FROM fk_authors WHERE deleted_at IS NOT NULL) d;

-- ON DELETE RESTRICT and NO ACTION refuse while a live row references,
-- with the error a real delete gives; a deleted referencing row does not
-- count.
CREATE TABLE fk_loans (id int PRIMARY KEY, book_id int REFERENCES fk_books ON DELETE RESTRICT);
CREATE TABLE fk_holds (id int PRIMARY KEY, book_id int REFERENCES fk_books);
SELECT audit_softdelete.enable('fk_loans', stamps => false);
INSERT INTO fk_loans VALUES (1, 20);
DELETE FROM fk_books WHERE id = 20;
\echo SQLSTATE :SQLSTATE
DELETE FROM fk_authors WHERE id = 2;
\echo SQLSTATE :SQLSTATE
SELECT * FROM fk_state WHERE key IN ('2', '20', '20/1', '200');
DELETE FROM fk_loans;
-- fk_holds has no soft delete: each of its rows counts (NO ACTION)
INSERT INTO fk_holds VALUES (1, 20);
DELETE FROM fk_books WHERE id = 20;
\echo SQLSTATE :SQLSTATE
DELETE FROM fk_holds;
DELETE FROM fk_authors WHERE id = 2;
SELECT * FROM fk_state WHERE key IN ('2', '20', '20/1', '200');

-- SET NULL, SET DEFAULT, and CASCADE into a table without soft delete:
-- the referencing rows are left as they are (the parent still exists).
CREATE TABLE fk_tags (id int PRIMARY KEY);
CREATE TABLE fk_tag_links (id int PRIMARY KEY, tag_id int REFERENCES fk_tags ON DELETE SET NULL);
CREATE TABLE fk_tag_defaults (id int PRIMARY KEY, tag_id int DEFAULT 0 REFERENCES fk_tags ON DELETE SET DEFAULT);
CREATE TABLE fk_tag_plain (id int PRIMARY KEY, tag_id int REFERENCES fk_tags ON DELETE CASCADE);
SELECT audit_softdelete.enable(t, stamps => false)
  FROM unnest(ARRAY['fk_tags', 'fk_tag_links', 'fk_tag_defaults']) t;
INSERT INTO fk_tags VALUES (0), (1);
INSERT INTO fk_tag_links VALUES (1, 1);
INSERT INTO fk_tag_defaults VALUES (1, 1);
INSERT INTO fk_tag_plain VALUES (1, 1);
DELETE FROM fk_tags WHERE id = 1;
SELECT 'links' AS t, id, tag_id, deleted_at IS NOT NULL AS deleted FROM fk_tag_links
UNION ALL SELECT 'defaults', id, tag_id, deleted_at IS NOT NULL FROM fk_tag_defaults
UNION ALL SELECT 'plain', id, tag_id, NULL FROM fk_tag_plain ORDER BY 1;

-- A physical delete of a parent (hard_delete, purge, or a parent table
-- without soft delete) that cascades into a soft-delete table really
-- removes the child rows, each recorded in full: no orphans.
CREATE TABLE fk_orders (id int PRIMARY KEY);                       -- no soft delete
CREATE TABLE fk_lines (id int PRIMARY KEY, order_id int REFERENCES fk_orders ON DELETE CASCADE, sku text);
SELECT audit_softdelete.enable('fk_lines', stamps => false);
INSERT INTO fk_orders VALUES (1), (2);
INSERT INTO fk_lines VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
DELETE FROM fk_lines WHERE id = 3;            -- a delete of its own: soft
DELETE FROM fk_orders;                        -- gone: its lines go too
SELECT count(*) AS lines_left FROM fk_lines;
SELECT action, row_pk, old_values ->> 'sku' AS sku
  FROM audit_softdelete.audit_logs WHERE table_name = 'fk_lines' AND action <> 'INSERT' ORDER BY id;

-- A tree referencing itself cascades down its branches.
CREATE TABLE fk_tree (id int PRIMARY KEY, parent int REFERENCES fk_tree ON DELETE CASCADE);
SELECT audit_softdelete.enable('fk_tree', stamps => false);
INSERT INTO fk_tree VALUES (1, NULL), (2, 1), (3, 2), (4, 1), (5, NULL);
DELETE FROM fk_tree WHERE id = 1;
SELECT id, deleted_at IS NOT NULL AS deleted FROM fk_tree ORDER BY id;

DROP VIEW fk_state;
DROP TABLE fk_notes, fk_chapters, fk_loans, fk_holds, fk_books, fk_authors,
           fk_tag_links, fk_tag_defaults, fk_tag_plain, fk_tags, fk_lines, fk_orders, fk_tree;
RESET audit_softdelete.actor;

-- The key's own equality decides which rows reference: citext keys match
-- case-insensitively, as PostgreSQL's own foreign-key checks do.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE fk_people (email citext PRIMARY KEY);
CREATE TABLE fk_posts (id int PRIMARY KEY, author citext REFERENCES fk_people ON DELETE CASCADE);
CREATE TABLE fk_likes (id int PRIMARY KEY, who citext REFERENCES fk_people ON DELETE RESTRICT);
SELECT audit_softdelete.enable(t, stamps => false) FROM unnest(ARRAY['fk_people', 'fk_posts', 'fk_likes']) t;
INSERT INTO fk_people VALUES ('alice@x.org'), ('bob@x.org');
INSERT INTO fk_posts VALUES (1, 'Alice@X.org');
INSERT INTO fk_likes VALUES (1, 'BOB@x.org');
DELETE FROM fk_people WHERE email = 'alice@x.org';
SELECT id, deleted_at IS NOT NULL AS deleted FROM fk_posts;
DELETE FROM fk_people WHERE email = 'bob@x.org';
\echo SQLSTATE :SQLSTATE

-- The foreign keys are looked up again when the referencing table changes:
-- a cascade follows the table, not its old name.
CREATE TABLE fk_shops (id int PRIMARY KEY);
CREATE TABLE fk_items (id int PRIMARY KEY, shop int REFERENCES fk_shops ON DELETE CASCADE);
SELECT audit_softdelete.enable('fk_shops', stamps => false);
SELECT audit_softdelete.enable('fk_items', stamps => false);
INSERT INTO fk_shops VALUES (1), (2);
INSERT INTO fk_items VALUES (10, 1), (20, 2);
DELETE FROM fk_shops WHERE id = 1;            -- loads the keys
ALTER TABLE fk_items RENAME TO fk_items_old;
CREATE TABLE fk_items (id int PRIMARY KEY, shop int);
INSERT INTO fk_items VALUES (20, 2);
DELETE FROM fk_shops WHERE id = 2;
SELECT 'old' AS t, id, deleted_at IS NOT NULL AS deleted FROM fk_items_old
UNION ALL SELECT 'new', id, NULL FROM fk_items ORDER BY 1, 2;

DROP TABLE fk_posts, fk_likes, fk_people, fk_items, fk_items_old, fk_shops;
