-- Primary keys whose JSON is not their text: an array key is a JSON array
-- in row_pk, a composite one an object, a jsonb one the value itself.
-- Every reader of a key (restore(), the restore of what a delete cascaded
-- to, row_history(), row_as_of(), table_as_of(), undo(),
-- undo_transaction(), revert_table_to()) reads such a key back as
-- jsonb_populate_record() would, not as the type's input of its JSON
-- text ("malformed array literal").  A type with a cast to json of its own
-- (hstore) is compared as JSON.
\set test_db db_asd_key_nested_types
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET client_min_messages = warning;
CREATE EXTENSION hstore;
RESET client_min_messages;
CREATE TYPE kn_pair AS (a int, b text);
CREATE DOMAIN kn_tags AS text[] CHECK (cardinality(VALUE) > 0);

CREATE TABLE kn_arr (k int[] PRIMARY KEY, v text);
CREATE TABLE kn_comp (k kn_pair PRIMARY KEY, v text);
CREATE TABLE kn_doc (k jsonb PRIMARY KEY, v text);
CREATE TABLE kn_hs (k hstore PRIMARY KEY, v text);
-- a domain over text[], and an array column in a key of two columns,
-- whose rows go with a kn_arr row
CREATE TABLE kn_tagged (k int[] REFERENCES kn_arr ON DELETE CASCADE, t kn_tags,
                        v text, PRIMARY KEY (k, t));
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['kn_arr', 'kn_comp', 'kn_doc', 'kn_hs', 'kn_tagged']) t;
INSERT INTO kn_arr VALUES ('{1,2}', 'a'), ('{3}', 'a');
INSERT INTO kn_comp VALUES (ROW(1, 'x'), 'a');
INSERT INTO kn_doc VALUES ('"s"', 'a'), ('{"n": 1}', 'a');
INSERT INTO kn_hs VALUES ('a=>1', 'a');
INSERT INTO kn_tagged VALUES ('{1,2}', '{red}', 'a');
SELECT row_pk FROM audit_softdelete.audit_logs WHERE action = 'INSERT' ORDER BY id;
SELECT clock_timestamp() AS t \gset
UPDATE kn_arr SET v = 'b';
UPDATE kn_comp SET v = 'b';
UPDATE kn_doc SET v = 'b';
UPDATE kn_hs SET v = 'b';
UPDATE kn_tagged SET v = 'b';

-- row_history(), as the audit rows spell the key and as the type reads it
SELECT count(*) FROM audit_softdelete.row_history('kn_arr', '{"k": [1, 2]}');
SELECT count(*) FROM audit_softdelete.row_history('kn_arr', '{"k": "{1,2}"}');
SELECT count(*) FROM audit_softdelete.row_history('kn_comp', '{"k": {"a": 1, "b": "x"}}');
SELECT count(*) FROM audit_softdelete.row_history('kn_comp', '{"k": "(1,x)"}');
SELECT count(*) FROM audit_softdelete.row_history('kn_doc', '{"k": "s"}');
SELECT count(*) FROM audit_softdelete.row_history('kn_hs', '{"k": {"a": "1"}}');
SELECT count(*) FROM audit_softdelete.row_history('kn_tagged', '{"k": [1, 2], "t": ["red"]}');

-- the rows as they were
SELECT audit_softdelete.row_as_of('kn_arr', '{"k": [1, 2]}', :'t') ->> 'v' AS arr,
       audit_softdelete.row_as_of('kn_comp', '{"k": {"a": 1, "b": "x"}}', :'t') ->> 'v' AS comp,
       audit_softdelete.row_as_of('kn_doc', '{"k": "s"}', :'t') ->> 'v' AS doc,
       audit_softdelete.row_as_of('kn_doc', '{"k": {"n": 1}}', :'t') ->> 'v' AS doc_object,
       audit_softdelete.row_as_of('kn_hs', '{"k": {"a": "1"}}', :'t') ->> 'v' AS hs,
       audit_softdelete.row_as_of('kn_tagged', '{"k": [1, 2], "t": ["red"]}', :'t') ->> 'v' AS tagged;
SELECT k, v FROM audit_softdelete.table_as_of(NULL::kn_arr, :'t') ORDER BY k;
SELECT k, v FROM audit_softdelete.table_as_of(NULL::kn_comp, :'t');
SELECT k, v FROM audit_softdelete.table_as_of(NULL::kn_doc, :'t') ORDER BY k;
SELECT k, t, v FROM audit_softdelete.table_as_of(NULL::kn_tagged, :'t');

-- undo() of one change each
SELECT count(audit_softdelete.undo(id)) AS undone
  FROM audit_softdelete.audit_logs WHERE action = 'UPDATE';
SELECT 'arr' AS t, k::text, v FROM kn_arr
UNION ALL SELECT 'comp', k::text, v FROM kn_comp
UNION ALL SELECT 'doc', k::text, v FROM kn_doc
UNION ALL SELECT 'hs', k::text, v FROM kn_hs
UNION ALL SELECT 'tagged', k::text || t::text, v FROM kn_tagged ORDER BY 1, 2;

-- soft delete cascaded to kn_tagged, restored with it, by either spelling
DELETE FROM kn_arr WHERE k = '{1,2}';
SELECT k, t, deleted_at IS NOT NULL AS deleted FROM kn_tagged;
SELECT audit_softdelete.restore('kn_arr', '{"k": "{1,2}"}');
SELECT k, t, deleted_at IS NOT NULL AS deleted FROM kn_tagged;
DELETE FROM kn_arr WHERE k = '{1,2}';
SELECT audit_softdelete.restore('kn_arr', '{"k": [1, 2]}');
SELECT k, t, deleted_at IS NOT NULL AS deleted FROM kn_tagged;
DELETE FROM kn_comp;
SELECT audit_softdelete.restore('kn_comp', '{"k": {"a": 1, "b": "x"}}');
DELETE FROM kn_doc WHERE k = '"s"';
SELECT audit_softdelete.restore('kn_doc', '{"k": "s"}');
DELETE FROM kn_hs;
SELECT audit_softdelete.restore('kn_hs', '{"k": {"a": "1"}}');
-- its history once purged
DELETE FROM kn_hs;
UPDATE kn_hs SET deleted_at = deleted_at - interval '2 days';
SELECT audit_softdelete.purge('kn_hs', '1 day');
SELECT action FROM audit_softdelete.row_history('kn_hs', '{"k": {"a": "1"}}');
-- a key that is no value of the type is the type's error
SELECT show_error($$SELECT audit_softdelete.restore('kn_arr', '{"k": {"a": 1}}')$$);
SELECT show_error($$SELECT audit_softdelete.restore('kn_arr', '{"k": [9]}')$$);

-- a transaction taken back, and the table put back as it was
BEGIN;
UPDATE kn_arr SET v = 'z';
UPDATE kn_tagged SET v = 'z';
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT clock_timestamp() AS t2 \gset
UPDATE kn_arr SET v = 'y' WHERE k = '{3}';
DELETE FROM kn_arr WHERE k = '{1,2}';
SELECT audit_softdelete.revert_table_to('kn_arr', :'t2');
SELECT k, v, deleted_at IS NOT NULL AS deleted FROM kn_arr ORDER BY k;

-- undo of a DELETE puts the whole row back, key and all
CREATE TABLE kn_hard (k text[] PRIMARY KEY, v text);
SELECT audit_softdelete.enable('kn_hard', stamps => false, soft_delete => 'off');
INSERT INTO kn_hard VALUES ('{a,"b c"}', 'a');
DELETE FROM kn_hard;
SELECT audit_softdelete.undo(max(id)) FROM audit_softdelete.audit_logs;
SELECT k, v FROM kn_hard;
SELECT action FROM audit_softdelete.row_history('kn_hard', '{"k": ["a", "b c"]}');

\c :regress_db
DROP DATABASE :test_db;
