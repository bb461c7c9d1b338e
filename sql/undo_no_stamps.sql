-- undo() and revert_table_to() on a table enabled without stamps whose
-- own columns have the stamps' names (an updated_at the application
-- keeps): they are the table's data, logged like any column, and are
-- written back like any column, not left for stamps that never come.
\set test_db db_asd_undo_no_stamps
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE ns_notes (id int PRIMARY KEY, body text, updated_at date, created_by text);
INSERT INTO ns_notes VALUES (1, 'first', '2020-01-01', 'ann'), (2, 'second', '2020-02-02', 'bob');
SELECT audit_softdelete.enable('ns_notes', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t0 \gset

-- undo of an UPDATE: every column it changed comes back
UPDATE ns_notes SET body = 'edited', updated_at = '2021-01-01', created_by = 'cat' WHERE id = 1;
SELECT new_values FROM audit_softdelete.audit_logs WHERE id = last_id();
SELECT audit_softdelete.undo(last_id());
SELECT * FROM ns_notes ORDER BY id;

-- revert: a row changed since and a row deleted since, back as they were
UPDATE ns_notes SET body = 'again', updated_at = '2022-01-01', created_by = 'dan' WHERE id = 1;
DELETE FROM ns_notes WHERE id = 2;
SELECT audit_softdelete.revert_table_to('ns_notes', :'t0');
SELECT * FROM ns_notes ORDER BY id;
SELECT audit_softdelete.revert_table_to('ns_notes', :'t0');   -- nothing left to do

\c :regress_db
DROP DATABASE :test_db;
