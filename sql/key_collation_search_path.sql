-- A key column with a collation of its own schema (CREATE COLLATION
-- public.ci ..., an ICU case-insensitive one, say) in view mode: the
-- DELETE that soft-deletes a row deleted through the live view is a plan
-- kept across calls, which PostgreSQL analyzes again when it runs under
-- another search_path.  It names the collation with its schema: named
-- "kc_coll" as the first DELETE's search_path saw it, the next DELETE in
-- a session with another search_path, an undo() of an INSERT and a
-- revert_table_to() (which run with their own) failed with 42704
-- (collation "kc_coll" for encoding "UTF8" does not exist).
\set test_db db_asd_key_collation_search_path
\i sql/include/own_database.sql
\i sql/include/show_error.sql
-- "C" under a name of the user's: every build has it
CREATE COLLATION public.kc_coll FROM "C";
CREATE TABLE kc_words (w text COLLATE public.kc_coll PRIMARY KEY, v text);
SELECT audit_softdelete.enable('kc_words', stamps => false, soft_delete => 'view');
INSERT INTO kc_words VALUES ('a', 'x'), ('b', 'x'), ('c', 'x');
SELECT clock_timestamp() AS t \gset
INSERT INTO kc_words VALUES ('d', 'x');

-- the plan made under the default search_path ...
DELETE FROM kc_words WHERE w = 'a' RETURNING w;
-- ... run under another
SET search_path = pg_catalog;
DELETE FROM public.kc_words WHERE w = 'b' RETURNING w;
RESET search_path;
-- undo() of the INSERT of 'd' deletes it through the view
SELECT show_error(format('SELECT audit_softdelete.undo(%s)',
                         (SELECT max(id) FROM audit_softdelete.audit_logs WHERE action = 'INSERT')));
SELECT w, deleted_at IS NOT NULL AS deleted FROM kc_words_all ORDER BY w;
-- and revert_table_to() brings back 'a' and 'b'
SELECT audit_softdelete.revert_table_to('kc_words', :'t');
SELECT w, deleted_at IS NOT NULL AS deleted FROM kc_words_all ORDER BY w;

-- the condition restore() and row_history() use names it the same way
SELECT audit_softdelete._key_condition('kc_words_all', '{"w": "a"}');

\c :regress_db
DROP DATABASE :test_db;
