-- undo() by a role from whom row-level security on audit_logs hides some
-- audit rows (here: each actor reads its own): a later change it cannot
-- read is still a conflict, refused (55000) without naming the rows, and
-- force overwrites it.  A hidden change of other columns is none.
\set test_db db_asd_undo_hidden_rows
\i sql/include/own_database.sql
\i sql/include/show_error.sql
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE hr_items (id int PRIMARY KEY, qty int, name text);
SELECT audit_softdelete.enable('hr_items', stamps => false);
INSERT INTO hr_items VALUES (1, 1, 'bolt');
CREATE ROLE hr_alice;
CREATE ROLE hr_bob;
GRANT USAGE ON SCHEMA audit_softdelete TO hr_alice, hr_bob;
GRANT SELECT, INSERT, UPDATE, DELETE ON hr_items TO hr_alice, hr_bob;
GRANT SELECT ON audit_softdelete.audit_logs TO hr_alice, hr_bob;
ALTER TABLE audit_softdelete.audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY hr_own ON audit_softdelete.audit_logs FOR SELECT
    USING (actor OPERATOR(pg_catalog.=) current_user);

SET ROLE hr_alice;
SET audit_softdelete.actor = 'hr_alice';
UPDATE hr_items SET qty = 2;
RESET ROLE;
SELECT last_id() AS a \gset
SET ROLE hr_bob;
SET audit_softdelete.actor = 'hr_bob';
UPDATE hr_items SET qty = 3;
RESET ROLE;
SELECT txid AS alice_tx FROM audit_softdelete.audit_logs WHERE id = :a \gset

-- alice cannot read bob's change of qty: refused all the same
SET ROLE hr_alice;
SET audit_softdelete.actor = 'hr_alice';
SELECT count(*) AS rows_alice_reads FROM audit_softdelete.audit_logs;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a));
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'alice_tx'));
RESET ROLE;
SELECT qty FROM hr_items;

-- bob's change undone since, and his change of another column: no conflict
SET ROLE hr_bob;
SET audit_softdelete.actor = 'hr_bob';
SELECT audit_softdelete.undo(last_id());             -- bob takes his back
UPDATE hr_items SET name = 'nut';
RESET ROLE;
SET ROLE hr_alice;
SET audit_softdelete.actor = 'hr_alice';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a));
RESET ROLE;
SELECT qty, name FROM hr_items;
-- force overwrites a hidden change
SET ROLE hr_alice;
SET audit_softdelete.actor = 'hr_alice';
UPDATE hr_items SET qty = 5;
RESET ROLE;
SELECT last_id() AS a2 \gset
SET ROLE hr_bob;
SET audit_softdelete.actor = 'hr_bob';
UPDATE hr_items SET qty = 6;
RESET ROLE;
SET ROLE hr_alice;
SET audit_softdelete.actor = 'hr_alice';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a2));
SELECT audit_softdelete.undo(:a2, force => true);
RESET ROLE;
SELECT qty, name FROM hr_items;

-- a transaction that wrote audit rows alice cannot read is not undone in part
BEGIN;
SET LOCAL ROLE hr_alice;
SET LOCAL audit_softdelete.actor = 'hr_alice';
UPDATE hr_items SET qty = 7;
SET LOCAL audit_softdelete.actor = 'hr_bob';
UPDATE hr_items SET name = 'washer';
COMMIT;
SELECT txid AS mixed_tx FROM audit_softdelete.audit_logs WHERE id = last_id() \gset
SET ROLE hr_alice;
SELECT regexp_replace(show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'mixed_tx')),
                      'transaction \d+', 'transaction <txid>') AS error;
RESET ROLE;
SELECT qty, name FROM hr_items;

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE hr_alice;
DROP ROLE hr_bob;
