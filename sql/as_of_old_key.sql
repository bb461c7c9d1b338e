-- row_as_of() by a key that a row had then and gave up since (UPDATE of
-- its primary key): refused, as table_as_of() refuses, never NULL ("did
-- not exist") nor a mix with the row that took the key later.
\set test_db db_asd_as_of_old_key
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE TABLE ok_items (id int PRIMARY KEY, qty int);
INSERT INTO ok_items VALUES (1, 1), (3, 3), (5, 5);
SELECT audit_softdelete.enable('ok_items', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ok_items SET qty = 10 WHERE id = 1;
UPDATE ok_items SET id = 2 WHERE id = 1;      -- the row leaves key 1
UPDATE ok_items SET id = 4 WHERE id = 3;      -- and this one key 3
-- keys 1 and 3 existed at t: refused, not "gone without a trace" nor
-- NULL; key 2 (where the row went) is refused too
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_items', '{"id": 1}', :'t'));
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_items', '{"id": 3}', :'t'));
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_items', '{"id": 2}', :'t'));
-- key 1 taken again by a new row: still refused, not the new row
INSERT INTO ok_items VALUES (1, 100);
UPDATE ok_items SET qty = 101 WHERE id = 1;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_items', '{"id": 1}', :'t'));
-- a row that kept its key is rebuilt; after the key change, key 1 is fine
SELECT audit_softdelete.row_as_of('ok_items', '{"id": 5}', :'t');
SELECT clock_timestamp() AS t2 \gset
UPDATE ok_items SET qty = 102 WHERE id = 1;
SELECT audit_softdelete.row_as_of('ok_items', '{"id": 1}', :'t2'),
       audit_softdelete.row_as_of('ok_items', '{"id": 2}', :'t2');

-- The same after a rename of the key column (the audit rows name it id)
-- and on a partitioned table whose rows move between partitions.
ALTER TABLE ok_items RENAME COLUMN id TO item_id;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_items', '{"item_id": 1}', :'t'));
CREATE TABLE ok_parts (id int, region text, qty int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE ok_parts_eu PARTITION OF ok_parts FOR VALUES IN ('eu');
CREATE TABLE ok_parts_us PARTITION OF ok_parts FOR VALUES IN ('us');
INSERT INTO ok_parts VALUES (1, 'eu', 1);
SELECT audit_softdelete.enable('ok_parts', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ok_parts SET region = 'us';
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         'ok_parts_eu', '{"id": 1, "region": "eu"}', :'t'));

\c :regress_db
DROP DATABASE :test_db;
