-- A table with a DO INSTEAD rule: the rule makes the extension's own write
-- (an undo, a revert, a restore) another statement, which is not the
-- change asked for.  Refused with 0A000 naming the statement, nothing
-- written; never an internal error.
\set test_db db_asd_undo_rules
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE ru_items (id int PRIMARY KEY, qty int);
CREATE TABLE ru_side (note text);
SELECT audit_softdelete.enable('ru_items', stamps => false);
INSERT INTO ru_items VALUES (1, 1), (2, 2);
SELECT clock_timestamp() AS t0 \gset
UPDATE ru_items SET qty = 10 WHERE id = 1;
SELECT last_id() AS upd \gset
DELETE FROM ru_items WHERE id = 2;
SELECT last_id() AS del \gset

-- the UPDATE of an undo, a revert, a restore
CREATE RULE ru_update AS ON UPDATE TO ru_items DO INSTEAD INSERT INTO ru_side VALUES ('update');
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :upd));
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'ru_items', :'t0'));
SELECT show_error(format('SELECT audit_softdelete.restore(%L, %L)', 'ru_items', '{"id": 2}'));
DROP RULE ru_update ON ru_items;

-- the INSERT of an undone DELETE
SET audit_softdelete.hard_delete = on;
DELETE FROM ru_items WHERE id = 2;
RESET audit_softdelete.hard_delete;
CREATE RULE ru_insert AS ON INSERT TO ru_items DO INSTEAD NOTHING;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', last_id()));
DROP RULE ru_insert ON ru_items;

-- nothing written
SELECT count(*) AS side_rows FROM ru_side;
SELECT last_id() = :del + 1 AS no_audit_rows;
SELECT id, qty, deleted_at IS NOT NULL AS deleted FROM ru_items ORDER BY id;

\c :regress_db
DROP DATABASE :test_db;
