-- hstore values inside arrays and composite values: hstore's cast to json
-- logs each as a JSON object within the array or the composite's object,
-- which table_as_of(), undo() and revert_table_to() read back as hstore's
-- text too (they failed with hstore's syntax error).
CREATE EXTENSION hstore;
CREATE TYPE hsn_pair AS (n int, h hstore);
CREATE DOMAIN hsn_list AS hstore[];
CREATE TABLE hsn_items (id int PRIMARY KEY, arr hstore[], grid hstore[], p hsn_pair,
                        ps hsn_pair[], l hsn_list);
SELECT audit_softdelete.enable('hsn_items');
INSERT INTO hsn_items VALUES
    (1, ARRAY['a=>1', 'b=>"x y"']::hstore[], '{{"a=>1",NULL},{"b=>2",""}}',
     ROW(1, 'q=>2, n=>NULL'), ARRAY[ROW(1, 'k=>v'), NULL, ROW(2, NULL)]::hsn_pair[],
     ARRAY['l=>1']::hstore[]),
    (2, '{}', NULL, ROW(2, ''), '{}', NULL);
SELECT pg_catalog.max(logged_at) AS before_changes FROM audit_softdelete.audit_logs \gset
UPDATE hsn_items SET arr = ARRAY['z=>0']::hstore[], grid = NULL, p = ROW(9, 'r=>3'),
                     ps = NULL, l = '{}' WHERE id = 1;
UPDATE hsn_items SET p = NULL WHERE id = 2;

-- the table as it was
SELECT id, arr, grid, p, ps, l FROM audit_softdelete.table_as_of(NULL::hsn_items, :'before_changes')
 ORDER BY id;

-- undo of an UPDATE puts the old values back
SELECT audit_softdelete.undo((SELECT min(id) FROM audit_softdelete.audit_logs
                               WHERE table_name = 'hsn_items' AND action = 'UPDATE'));
SELECT id, arr, grid, p, ps, l FROM hsn_items ORDER BY id;

-- revert_table_to() puts the whole table back
UPDATE hsn_items SET arr = NULL, p = ROW(0, NULL);
SELECT audit_softdelete.revert_table_to('hsn_items', :'before_changes');
SELECT id, arr, grid, p, ps, l FROM hsn_items ORDER BY id;

SELECT audit_softdelete.disable('hsn_items');
DROP TABLE hsn_items;
DROP DOMAIN hsn_list;
DROP TYPE hsn_pair;
DROP EXTENSION hstore;
