-- A primary key value changed to one its type calls equal but JSON
-- spells otherwise (citext 'Bob' to 'BOB') is a change of the key: the
-- audit trail names rows by their key's JSON, and without an audit row of
-- the change the row's history went on under another key with nothing
-- linking the two (table_as_of() and row_as_of() had the row before its
-- INSERT, revert_table_to() kept it).  Values equal as JSON too (numeric
-- 1.5 and 1.50) are no change, and in other columns an equal value is no
-- change either.
\set test_db db_asd_key_equal_spellings
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET client_min_messages = warning;
CREATE EXTENSION citext;
RESET client_min_messages;

CREATE TABLE ke_people (name citext PRIMARY KEY, nick citext, v text);
CREATE TABLE ke_prices (p numeric PRIMARY KEY, v text);
SELECT audit_softdelete.enable('ke_people', stamps => false);
SELECT audit_softdelete.enable('ke_prices', stamps => false);
SELECT clock_timestamp() AS t0 \gset
INSERT INTO ke_people VALUES ('Bob', 'Bobby', 'a');
INSERT INTO ke_prices VALUES (1.5, 'a');
SELECT clock_timestamp() AS t1 \gset
UPDATE ke_people SET name = 'BOB';
UPDATE ke_people SET nick = 'BOBBY';             -- no change
UPDATE ke_prices SET p = 1.50;                   -- no change
UPDATE ke_people SET v = 'b';
UPDATE ke_prices SET v = 'b';
SELECT action, row_pk, old_values - 'deleted_at' - 'deleted_by' AS old_values,
       new_values - 'deleted_at' - 'deleted_by' AS new_values
  FROM audit_softdelete.audit_logs WHERE action <> 'ENABLE' ORDER BY id;
SELECT action FROM audit_softdelete.row_history('ke_people', '{"name": "bob"}');
SELECT action FROM audit_softdelete.row_history('ke_prices', '{"p": 1.5}');

-- before the INSERT the table was empty; after it, refused across the
-- key's change, as for any other key change
SELECT count(*) FROM audit_softdelete.table_as_of(NULL::ke_prices, :'t0');
SELECT show_error(format('SELECT count(*) FROM audit_softdelete.table_as_of(NULL::ke_people, %L)', :'t0'));
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ke_people', '{"name": "bob"}', :'t1'));
SELECT audit_softdelete.row_as_of('ke_prices', '{"p": 1.50}', :'t1') ->> 'v' AS v;
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'ke_people', :'t0'));
SELECT name, v FROM ke_people;

-- the change of the key taken back
SELECT audit_softdelete.undo(id) FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND old_values ? 'name';
SELECT name, nick, v FROM ke_people;

\c :regress_db
DROP DATABASE :test_db;
