-- Primary keys of any type: restore(), DELETE through a live view, purge()
-- and row_history() compare keys with the equality operator of the key's
-- own index operator family, never with an "=" looked up by name.  ltree
-- and isbn13 keep theirs outside pg_catalog; citext's equality ignores case,
-- so a key spelled in another case finds the row, as WHERE name = 'bob'
-- does; a domain over citext compares as citext.  A character(n) key is
-- read as character(n), not character(1), and a key with a collation of
-- its own is compared under it.
\set VERBOSITY default
\set SHOW_CONTEXT never
-- (softdelete_fk may have created citext already)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS isn;
CREATE EXTENSION IF NOT EXISTS citext;
RESET client_min_messages;
CREATE DOMAIN kt_nick AS citext CHECK (VALUE <> '');
CREATE TYPE kt_feeling AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE kt_path (path ltree PRIMARY KEY, v text);
CREATE TABLE kt_book (code isbn13 PRIMARY KEY, v text);
CREATE TABLE kt_name (name citext PRIMARY KEY, v text);
CREATE TABLE kt_handle (handle kt_nick PRIMARY KEY, v text);
CREATE TABLE kt_mood (mood kt_feeling PRIMARY KEY, v text);
CREATE TABLE kt_code (code char(4) PRIMARY KEY, v text);
CREATE TABLE kt_word (word text COLLATE "C" PRIMARY KEY, v text);
-- composite, citext and ltree: the pages of a kt_name, deleted with it
CREATE TABLE kt_page (name citext REFERENCES kt_name ON DELETE CASCADE,
                      path ltree, v text, PRIMARY KEY (name, path));
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['kt_path', 'kt_book', 'kt_name', 'kt_handle', 'kt_mood',
                    'kt_code', 'kt_word', 'kt_page']) t;
INSERT INTO kt_path VALUES ('top.a.b', 'x');
INSERT INTO kt_book VALUES ('978-0-393-04002-9', 'x');
INSERT INTO kt_name VALUES ('Bob', 'x');
INSERT INTO kt_handle VALUES ('Alice', 'x');
INSERT INTO kt_mood VALUES ('ok', 'x');
INSERT INTO kt_code VALUES ('ab12', 'x');
INSERT INTO kt_word VALUES ('word', 'x');
INSERT INTO kt_page VALUES ('Bob', 'home', 'x'), ('Bob', 'home.about', 'x');

CREATE TEMP VIEW kt_state AS
SELECT 'path' AS t, path::text AS key, deleted_at IS NOT NULL AS deleted FROM kt_path
UNION ALL SELECT 'book', code::text, deleted_at IS NOT NULL FROM kt_book
UNION ALL SELECT 'name', name::text, deleted_at IS NOT NULL FROM kt_name
UNION ALL SELECT 'handle', handle::text, deleted_at IS NOT NULL FROM kt_handle
UNION ALL SELECT 'mood', mood::text, deleted_at IS NOT NULL FROM kt_mood
UNION ALL SELECT 'code', code::text, deleted_at IS NOT NULL FROM kt_code
UNION ALL SELECT 'word', word, deleted_at IS NOT NULL FROM kt_word
UNION ALL SELECT 'page', name || '/' || path::text, deleted_at IS NOT NULL FROM kt_page
ORDER BY 1, 2;

-- Trigger mode: soft-delete every row, then restore each by its key.
DELETE FROM kt_path;
DELETE FROM kt_book;
DELETE FROM kt_name;
DELETE FROM kt_handle;
DELETE FROM kt_mood;
DELETE FROM kt_code;
DELETE FROM kt_word;
SELECT * FROM kt_state;
SELECT audit_softdelete.restore('kt_path', '{"path": "top.a.b"}');
-- isbn13 takes the number without hyphens too, as its input function does
SELECT audit_softdelete.restore('kt_book', '{"code": "9780393040029"}');
-- another case finds the row, and its pages come back with it
SELECT audit_softdelete.restore('kt_name', '{"name": "bob"}');
SELECT audit_softdelete.restore('kt_handle', '{"handle": "ALICE"}');
SELECT audit_softdelete.restore('kt_mood', '{"mood": "ok"}');
SELECT audit_softdelete.restore('kt_code', '{"code": "ab12"}');
SELECT audit_softdelete.restore('kt_word', '{"word": "word"}');
SELECT * FROM kt_state;
-- a row of a composite key on its own
DELETE FROM kt_page WHERE path = 'home.about';
SELECT audit_softdelete.restore('kt_page', '{"name": "BOB", "path": "home.about"}');
-- the key still has to be a value of the type
SELECT audit_softdelete.restore('kt_book', '{"code": "978-0-393-04002-0"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('kt_handle', '{"handle": ""}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('kt_name', '{"name": "carol"}');
\echo SQLSTATE :SQLSTATE

-- A cascade recorded under a key column that was renamed since cannot be
-- followed: the restore fails and changes nothing.
DELETE FROM kt_name;
ALTER TABLE kt_page RENAME COLUMN path TO route;
SELECT audit_softdelete.restore('kt_name', '{"name": "bob"}');
\echo SQLSTATE :SQLSTATE
ALTER TABLE kt_page RENAME COLUMN route TO path;
SELECT audit_softdelete.restore('kt_name', '{"name": "bob"}');

-- The history of a row, by its key spelled as the caller likes: found
-- through the row, which gives the key its audit rows carry.
SELECT action, row_pk FROM audit_softdelete.row_history('kt_name', '{"name": "BOB"}');
SELECT action, row_pk FROM audit_softdelete.row_history('kt_handle', '{"handle": "alice"}');
SELECT action, row_pk FROM audit_softdelete.row_history('kt_book', '{"code": "9780393040029"}');
SELECT action, row_pk FROM audit_softdelete.row_history('kt_path', '{"path": "top.a.b"}');
SELECT count(*) AS page_history
  FROM audit_softdelete.row_history('kt_page', '{"path": "home.about", "name": "bob"}');
-- a value the column cannot hold: the key as given, which matches nothing
-- here; a key that is not the primary key and matches nothing is refused,
-- as restore() refuses it
SELECT count(*) FROM audit_softdelete.row_history('kt_book', '{"code": "12"}');
SELECT count(*) FROM audit_softdelete.row_history('kt_name', '{"v": "x"}');

-- purge() removes the rows, each recorded first; the cascade takes the
-- pages.
DELETE FROM kt_path;
DELETE FROM kt_book;
DELETE FROM kt_name;
DELETE FROM kt_handle;
DELETE FROM kt_mood;
DELETE FROM kt_code;
DELETE FROM kt_word;
SELECT sum(audit_softdelete.purge(t, '0')) AS purged
  FROM unnest(ARRAY['kt_path', 'kt_book', 'kt_name', 'kt_handle', 'kt_mood',
                    'kt_code', 'kt_word']) t;
SELECT count(*) AS rows_left FROM kt_state;
-- The history of a row that is gone: the key is read as its type writes
-- it (isbn13 adds the hyphens), but there is no row left to tell that
-- 'BOB' was stored as 'Bob'.
SELECT action, row_pk FROM audit_softdelete.row_history('kt_book', '{"code": "9780393040029"}');
SELECT count(*) AS by_stored_key FROM audit_softdelete.row_history('kt_name', '{"name": "Bob"}');
SELECT count(*) AS by_other_case FROM audit_softdelete.row_history('kt_name', '{"name": "BOB"}');

-- View mode: DELETE through the live view finds the row by the same
-- equality; restore() and purge() take the view's name too.
SELECT count(audit_softdelete.enable(t, stamps => false, soft_delete => 'view')) AS enabled
  FROM unnest(ARRAY['kt_path', 'kt_book', 'kt_name', 'kt_handle', 'kt_mood',
                    'kt_code', 'kt_word']) t;
INSERT INTO kt_path VALUES ('top.a.b', 'x'), ('top.c', 'y');
INSERT INTO kt_book VALUES ('978-0-393-04002-9', 'x');
INSERT INTO kt_name VALUES ('Bob', 'x'), ('Carol', 'y');
INSERT INTO kt_handle VALUES ('Alice', 'x');
INSERT INTO kt_mood VALUES ('ok', 'x'), ('happy', 'y');
INSERT INTO kt_code VALUES ('ab12', 'x');
INSERT INTO kt_word VALUES ('word', 'x');
DELETE FROM kt_path WHERE path = 'top.a.b' RETURNING path;
DELETE FROM kt_book RETURNING code;
DELETE FROM kt_name WHERE name = 'bob' RETURNING name;
DELETE FROM kt_handle RETURNING handle;
DELETE FROM kt_mood WHERE mood = 'ok' RETURNING mood;
DELETE FROM kt_code RETURNING code;
DELETE FROM kt_word RETURNING word;
SELECT * FROM kt_state;
SELECT audit_softdelete.restore('kt_name', '{"name": "BOB"}');
SELECT audit_softdelete.restore('kt_handle_all', '{"handle": "alice"}');
SELECT name FROM kt_name ORDER BY 1;
SELECT handle FROM kt_handle;
-- 'Bob' before (7 rows) and since (3 rows) the purge
SELECT count(*) AS history FROM audit_softdelete.row_history('kt_name', '{"name": "bob"}');
SELECT sum(audit_softdelete.purge(t, '0')) AS purged
  FROM unnest(ARRAY['kt_path', 'kt_book', 'kt_name_all', 'kt_handle', 'kt_mood',
                    'kt_code', 'kt_word']) t;
SELECT * FROM kt_state;

-- _key_condition() itself: the key's equality named by its schema, with
-- the casts that leave the parser no other choice.  A column outside the
-- primary key is compared with its type's default equality; a type
-- without one, or a key that is not an object, is refused.
SELECT audit_softdelete._key_condition('kt_handle_all', '{"handle": "x"}');
SELECT audit_softdelete._key_condition('kt_path_all', '{"path": "x"}');
ALTER TABLE kt_word_all ADD COLUMN doc json;
SELECT audit_softdelete._key_condition('kt_word_all', '{"v": "x"}');
SELECT audit_softdelete._key_condition('kt_word_all', '{"doc": "{}"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._key_condition('kt_word_all', '["word"]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._key_condition('kt_word_all', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._key_condition(12345::oid::regclass, '{"id": 1}');
\echo SQLSTATE :SQLSTATE

SELECT count(audit_softdelete.disable(t)) AS disabled
  FROM unnest(ARRAY['kt_path', 'kt_book', 'kt_name', 'kt_handle', 'kt_mood',
                    'kt_code', 'kt_word', 'kt_page']) t;
DROP VIEW kt_state;
DROP TABLE kt_path, kt_book, kt_name, kt_handle, kt_mood, kt_code, kt_word, kt_page;
DROP TYPE kt_feeling;
DROP DOMAIN kt_nick;
DROP EXTENSION citext;
DROP EXTENSION isn;
DROP EXTENSION ltree;
