-- undo() of a change whose key another row has taken since (an UPDATE of
-- primary keys): the row under the key is not the row the audit row
-- logged, and writing to it would change the wrong row.  A later change
-- of the key columns under the key is a conflict like any other: refused
-- (55000) unless force.  A transaction that moved keys is still taken
-- back whole, its own key changes being no conflict.
\set test_db db_asd_undo_rekeyed
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE rk (id int PRIMARY KEY, name text);
SELECT audit_softdelete.enable('rk', stamps => false);
INSERT INTO rk VALUES (1, 'one'), (3, 'three'), (4, 'four'), (7, 'seven');

-- UPDATE: row 1 renamed, then moved to 5; row 7 moved onto 1
UPDATE rk SET name = 'one renamed' WHERE id = 1;
SELECT last_id() AS renamed \gset
UPDATE rk SET id = 5 WHERE id = 1;
UPDATE rk SET id = 1 WHERE id = 7;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :renamed));

-- SOFT_DELETE: row 3 deleted, then moved to 30; row 4, deleted before,
-- moved onto 3
DELETE FROM rk WHERE id = 4;
DELETE FROM rk WHERE id = 3;
SELECT last_id() AS deleted \gset
UPDATE rk SET id = 30 WHERE id = 3;
UPDATE rk SET id = 3 WHERE id = 4;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :deleted));

-- RESTORE: row 30 restored, then moved to 31; row 1 moved onto 30
SELECT audit_softdelete.restore('rk', '{"id": 30}');
SELECT last_id() AS restored \gset
UPDATE rk SET id = 31 WHERE id = 30;
UPDATE rk SET id = 30 WHERE id = 1;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :restored));

-- nothing written, no row changed
SELECT last_id() = :restored + 2 AS nothing_written;
SELECT id, name, deleted_at IS NOT NULL AS deleted FROM rk ORDER BY id;

-- the row's own key change is undone; so is a later change of the row
-- under its new key
UPDATE rk SET id = 9 WHERE id = 5;
SELECT last_id() AS moved \gset
UPDATE rk SET name = 'nine' WHERE id = 9;
SELECT audit_softdelete.undo(last_id());
SELECT audit_softdelete.undo(:moved);
SELECT id, name, deleted_at IS NOT NULL AS deleted FROM rk ORDER BY id;

-- a transaction that swapped two keys is taken back whole
BEGIN;
UPDATE rk SET id = 0 WHERE id = 5;
UPDATE rk SET id = 5 WHERE id = 30;
UPDATE rk SET id = 30 WHERE id = 0;
UPDATE rk SET name = 'swapped' WHERE id = 30;
COMMIT;
SELECT txid AS swap FROM audit_softdelete.audit_logs WHERE id = last_id() \gset
SELECT id, name FROM rk ORDER BY id;
SELECT audit_softdelete.undo_transaction(:'swap');
SELECT id, name, deleted_at IS NOT NULL AS deleted FROM rk ORDER BY id;

\c :regress_db
DROP DATABASE :test_db;
