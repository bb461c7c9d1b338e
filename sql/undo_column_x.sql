-- undo() of an UPDATE reads the old values over the row as it is, a row
-- of the table aliased x: a table with a column named x (coordinates x
-- and y) had that column read instead (42804 "first argument of
-- jsonb_populate_record must be a row type", 42703 "column r.x does not
-- exist"), and neither undo() of an UPDATE nor undo_transaction() could
-- run on it.
\set test_db db_asd_undo_column_x
\i sql/include/own_database.sql
\i sql/include/show_error.sql
CREATE TABLE ux_points (id int PRIMARY KEY, x int, y int, r text);
SELECT audit_softdelete.enable('ux_points', stamps => false);
INSERT INTO ux_points VALUES (1, 10, 20, 'a');
SELECT clock_timestamp() AS t \gset
UPDATE ux_points SET x = 11, y = 21;
UPDATE ux_points SET r = 'b';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', max(id)))
  FROM audit_softdelete.audit_logs WHERE action = 'UPDATE';
SELECT id, x, y, r FROM ux_points;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', min(id)))
  FROM audit_softdelete.audit_logs WHERE action = 'UPDATE';
SELECT id, x, y, r FROM ux_points;
-- a whole transaction, and the table put back as it was
BEGIN;
UPDATE ux_points SET x = 12;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx'));
SELECT id, x, y, r FROM ux_points;
UPDATE ux_points SET y = 99, r = 'z';
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'ux_points', :'t'));
SELECT id, x, y, r FROM ux_points;

\c :regress_db
DROP DATABASE :test_db;
