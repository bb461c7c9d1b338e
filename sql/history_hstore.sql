-- hstore's cast to json logs an hstore value as a JSON object, which
-- hstore's input cannot read back: table_as_of(), undo() and
-- revert_table_to() give such values back as hstore's text, for a key
-- column and any other, whatever the session's standard_conforming_strings.
CREATE EXTENSION hstore;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
CREATE TABLE hs_items (k hstore PRIMARY KEY, v int, h hstore);
SELECT audit_softdelete.enable('hs_items');
-- quotes, backslashes, a NULL value, an empty hstore, a NULL column
INSERT INTO hs_items VALUES ('a=>1', 1, 'x=>"q\\"u\\\\o", n=>NULL, "sp ace"=>"=>"'),
                            ('b=>2', 2, ''), ('c=>3', 3, NULL);
SELECT k, v, h, h IS NULL AS h_null FROM hs_items ORDER BY v;
SELECT pg_catalog.max(logged_at) AS before_changes FROM audit_softdelete.audit_logs \gset

UPDATE hs_items SET v = 10, h = 'y=>2' WHERE k = 'a=>1';
DELETE FROM hs_items WHERE k = 'b=>2';
UPDATE hs_items SET h = 'z=>3' WHERE k = 'c=>3';

-- the table as it was, every hstore value back as written
SELECT k, v, h, h IS NULL AS h_null FROM audit_softdelete.table_as_of(NULL::hs_items, :'before_changes')
 ORDER BY v;

-- undo of an UPDATE puts the old hstore back
SELECT audit_softdelete.undo((SELECT min(id) FROM audit_softdelete.audit_logs
                               WHERE table_name = 'hs_items' AND action = 'UPDATE'));
SELECT k, v, h = 'x=>"q\\"u\\\\o", n=>NULL, "sp ace"=>"=>"'::hstore AS h_as_before
  FROM hs_items WHERE k = 'a=>1';

-- revert_table_to() puts the whole table back
SELECT audit_softdelete.revert_table_to('hs_items', :'before_changes');
SELECT k, v, h, h IS NULL AS h_null, deleted_at IS NOT NULL AS deleted FROM hs_items ORDER BY v;

-- undo of a physical DELETE inserts the row again, hstore key and all
SET audit_softdelete.hard_delete = on;
DELETE FROM hs_items WHERE k = 'a=>1';
RESET audit_softdelete.hard_delete;
SELECT audit_softdelete.undo((SELECT max(id) FROM audit_softdelete.audit_logs
                               WHERE table_name = 'hs_items' AND action = 'DELETE'));
SELECT k, v, h = 'x=>"q\\"u\\\\o", n=>NULL, "sp ace"=>"=>"'::hstore AS h_as_before
  FROM hs_items WHERE k = 'a=>1';

RESET standard_conforming_strings;
RESET escape_string_warning;
DROP TABLE hs_items;
DROP EXTENSION hstore;
