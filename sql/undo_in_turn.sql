-- Undoing changes one after another, newest first, as an undo stack: a
-- later change that has been undone since, with the undo that took it
-- back, is no conflict for an earlier change of the same columns.  An
-- undo undone in turn counts again, and so does a change undone twice.
\set test_db db_asd_undo_in_turn
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;
CREATE FUNCTION last_txid() RETURNS xid8 LANGUAGE sql AS
$$ SELECT txid FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1 $$;

CREATE TABLE it_items (id int PRIMARY KEY, qty int, name text);
SELECT audit_softdelete.enable('it_items', stamps => false);
INSERT INTO it_items VALUES (1, 1, 'bolt');

-- three changes of qty, undone newest first
UPDATE it_items SET qty = 2;
SELECT last_id() AS u1 \gset
UPDATE it_items SET qty = 3;
SELECT last_id() AS u2 \gset
UPDATE it_items SET qty = 4, name = 'big bolt';
SELECT last_id() AS u3 \gset
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :u1));
SELECT audit_softdelete.undo(:u3);
SELECT audit_softdelete.undo(:u2);
SELECT audit_softdelete.undo(:u1);
SELECT qty, name FROM it_items;

-- an undo undone in turn: the change it took back is live again
UPDATE it_items SET qty = 5;
SELECT last_id() AS u4 \gset
UPDATE it_items SET qty = 6;
SELECT last_id() AS u5 \gset
SELECT audit_softdelete.undo(:u5);
SELECT audit_softdelete.undo(last_id());        -- qty 6 again
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :u4));
SELECT audit_softdelete.undo(last_id());        -- the redo undone: qty 5
SELECT audit_softdelete.undo(:u4);
SELECT qty FROM it_items;
-- a change undone already cannot be undone again
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :u4));

-- a transaction's changes undone by undo_transaction() clear the way
UPDATE it_items SET qty = 7;
SELECT last_id() AS u6 \gset
BEGIN;
UPDATE it_items SET qty = 8;
UPDATE it_items SET qty = 9;
COMMIT;
SELECT last_txid() AS tx \gset
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :u6));
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT audit_softdelete.undo(:u6);
SELECT qty FROM it_items;
-- and undo_transaction() itself, over a later transaction undone
BEGIN;
UPDATE it_items SET qty = 10;
COMMIT;
SELECT last_txid() AS tx1 \gset
UPDATE it_items SET qty = 11;
SELECT last_id() AS u7 \gset
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx1'));
SELECT audit_softdelete.undo(:u7);
SELECT audit_softdelete.undo_transaction(:'tx1');
SELECT qty FROM it_items;
-- an undone transaction undone again is refused
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx1'));

\c :regress_db
DROP DATABASE :test_db;
