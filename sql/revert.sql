-- revert_table_to(): a whole table put back as it was at a time, as
-- ordinary audited writes.  The result is compared with a snapshot taken
-- at that time, on the columns the trail knows (not the stamps, which the
-- revert's own writes set).
\set test_db db_asd_revert
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';

CREATE TABLE r_items (id int PRIMARY KEY, name text, qty int,
                      total int GENERATED ALWAYS AS (qty * 2) STORED);
INSERT INTO r_items (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3);
SELECT audit_softdelete.enable('r_items');
CREATE FUNCTION snap() RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_agg(jsonb_build_object('id', id, 'name', name, 'qty', qty, 'total', total,
                                       'deleted', deleted_at IS NOT NULL,
                                       'created_at', created_at) ORDER BY id)
     FROM r_items $$;
SELECT clock_timestamp() AS t, snap() AS s \gset

UPDATE r_items SET qty = 10 WHERE id = 1;
DELETE FROM r_items WHERE id = 2;                    -- soft delete
SET audit_softdelete.hard_delete = on;
DELETE FROM r_items WHERE id = 3;                    -- physical delete
RESET audit_softdelete.hard_delete;
INSERT INTO r_items (id, name, qty) VALUES (4, 'd', 4);
UPDATE r_items SET name = 'aa' WHERE id = 1;

SELECT max(id) AS before_revert FROM audit_softdelete.audit_logs \gset
SELECT audit_softdelete.revert_table_to('r_items', :'t');
-- every row as it was (row 4, inserted since, is soft-deleted: the table
-- has soft delete; row 3 is back with its created_at)
SELECT jsonb_agg(e ORDER BY (e->>'id')::int) FILTER (WHERE (e->>'id')::int < 4) = :'s'::jsonb AS as_it_was
  FROM jsonb_array_elements(snap()) e;
SELECT id, name, qty, total, deleted_at IS NOT NULL AS deleted FROM r_items ORDER BY id;
-- as audited writes, each marked in its context
SELECT action, row_pk, context -> 'undo' ->> 'table' AS reverted_table,
       (context -> 'undo' ->> 'at')::timestamptz = :'t' AS at_matches
  FROM audit_softdelete.audit_logs WHERE id > :before_revert ORDER BY row_pk, id;
-- nothing left to do: a second revert writes nothing
SELECT audit_softdelete.revert_table_to('r_items', :'t');

-- A self-referencing table: rows are written in key order, and a write its
-- foreign key refuses (a child before its parent) waits for the rest.
CREATE TABLE r_tree (id int PRIMARY KEY, parent int REFERENCES r_tree);
INSERT INTO r_tree VALUES (10, NULL), (2, 10);
SELECT audit_softdelete.enable('r_tree', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t_tree \gset
DELETE FROM r_tree WHERE id = 2;
DELETE FROM r_tree WHERE id = 10;
INSERT INTO r_tree VALUES (1, NULL), (3, 1);
SELECT audit_softdelete.revert_table_to('r_tree', :'t_tree');
SELECT * FROM r_tree ORDER BY id;

-- A redacted column changed since: refused unless force, which leaves it.
CREATE TABLE r_secret (id int PRIMARY KEY, pin text, note text);
INSERT INTO r_secret VALUES (1, '1', 'x');
SELECT audit_softdelete.enable('r_secret', stamps => false, soft_delete => 'off',
                               redact_columns => '{pin}');
SELECT clock_timestamp() AS t \gset
UPDATE r_secret SET pin = '2', note = 'y';
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'r_secret', :'t'));
SELECT audit_softdelete.revert_table_to('r_secret', :'t', force => true);
SELECT * FROM r_secret;

-- What table_as_of() refuses, this refuses too; and it must be audited.
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)',
                         'r_items', :'t'::timestamptz - interval '1 day'));
SELECT audit_softdelete.disable('r_secret');
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'r_secret', :'t'));
SELECT show_error('SELECT audit_softdelete.revert_table_to(''r_items'', NULL)');

\c :regress_db
DROP DATABASE :test_db;
