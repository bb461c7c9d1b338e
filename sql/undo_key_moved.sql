-- undo() finds the row of a change by its key.  When the row's key has
-- been changed since and another row has taken it (rows that swapped keys,
-- or one row moved away and another moved in), that key names another row:
-- the undo is refused unless forced (it wrote the first row's old values
-- onto the second).  Every later change of a key column under the key is
-- such a conflict, also a row's own key going away and coming back: the
-- key changes are not followed back, and force is the way through.
\set test_db db_asd_undo_key_moved
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE TABLE km_seats (seat int PRIMARY KEY, who text, note text);
SELECT audit_softdelete.enable('km_seats', stamps => false, soft_delete => 'off');
INSERT INTO km_seats VALUES (1, 'ann', 'a0'), (2, 'bob', 'b0'), (3, 'cy', 'c0');
UPDATE km_seats SET note = 'a1' WHERE who = 'ann';
SELECT max(id) AS ann_note FROM audit_softdelete.audit_logs \gset
UPDATE km_seats SET note = 'c1' WHERE who = 'cy';
SELECT max(id) AS cy_note FROM audit_softdelete.audit_logs \gset

-- ann and bob swap seats
BEGIN;
UPDATE km_seats SET seat = 0 WHERE seat = 1;
UPDATE km_seats SET seat = 1 WHERE seat = 2;
UPDATE km_seats SET seat = 2 WHERE seat = 0;
SELECT audit_softdelete.current_txid() AS swap \gset
COMMIT;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :ann_note));
SELECT seat, who, note FROM km_seats ORDER BY seat;
-- with the swap taken back ann has seat 1 again: the swap and its undo
-- cancel out
SELECT audit_softdelete.undo_transaction(:'swap');
SELECT audit_softdelete.undo(:ann_note);
SELECT seat, who, note FROM km_seats ORDER BY seat;

-- cy moves to seat 9, bob takes seat 3
UPDATE km_seats SET seat = 9 WHERE who = 'cy';
UPDATE km_seats SET seat = 3 WHERE who = 'bob';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :cy_note));
SELECT seat, who, note FROM km_seats ORDER BY seat;
-- a change of another column under the key is no obstacle
UPDATE km_seats SET note = 'a2' WHERE who = 'ann';
UPDATE km_seats SET who = 'anne' WHERE who = 'ann';
SELECT audit_softdelete.undo(max(id) - 1) FROM audit_softdelete.audit_logs;
SELECT seat, who, note FROM km_seats ORDER BY seat;

-- ann goes to seat 7 and back: refused as well; force takes it back
UPDATE km_seats SET note = 'a3' WHERE who = 'anne';
SELECT max(id) AS ann_note FROM audit_softdelete.audit_logs \gset
UPDATE km_seats SET seat = 7 WHERE who = 'anne';
UPDATE km_seats SET seat = 1 WHERE who = 'anne';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :ann_note));
SELECT audit_softdelete.undo(:ann_note, force => true);
SELECT seat, who, note FROM km_seats ORDER BY seat;
-- and after changes at seat 7, refused
UPDATE km_seats SET note = 'a4' WHERE who = 'anne';
SELECT max(id) AS ann_note FROM audit_softdelete.audit_logs \gset
UPDATE km_seats SET seat = 7, who = 'ann' WHERE who = 'anne';
UPDATE km_seats SET note = 'a5' WHERE seat = 7;
UPDATE km_seats SET seat = 1 WHERE seat = 7;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :ann_note));
SELECT seat, who, note FROM km_seats ORDER BY seat;

-- keys compared as values: written under two TimeZones
CREATE TABLE km_slots (at timestamptz PRIMARY KEY, who text);
SELECT audit_softdelete.enable('km_slots', stamps => false, soft_delete => 'off');
INSERT INTO km_slots VALUES ('2026-05-01 10:00+00', 'ann'), ('2026-05-01 11:00+00', 'bob');
UPDATE km_slots SET who = 'anne' WHERE who = 'ann';
SELECT max(id) AS ann_slot FROM audit_softdelete.audit_logs \gset
SET TimeZone = 'Asia/Kolkata';
BEGIN;
UPDATE km_slots SET at = '2026-05-01 09:00+00' WHERE who = 'anne';
UPDATE km_slots SET at = '2026-05-01 10:00+00' WHERE who = 'bob';
UPDATE km_slots SET at = '2026-05-01 11:00+00' WHERE who = 'anne';
SELECT audit_softdelete.current_txid() AS swap \gset
COMMIT;
SET TimeZone = 'UTC';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :ann_slot));
SELECT audit_softdelete.undo_transaction(:'swap');
SELECT audit_softdelete.undo(:ann_slot);
SELECT at, who FROM km_slots ORDER BY at;

\c :regress_db
DROP DATABASE :test_db;
