-- undo_transaction() over foreign keys the reverse order does not satisfy:
-- a cascade logs the parent's change before its children's, so taking
-- changes back newest first would bring a child back before its parent.
-- A change a foreign key refuses is put off and tried again after the
-- rest; only when nothing more can be brought back is the refusal raised,
-- and then nothing is left written.
\set test_db db_asd_undo_foreign_keys
\i sql/include/own_database.sql
\i sql/include/show_error.sql
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

-- ON DELETE CASCADE across tables (physical deletes)
CREATE TABLE f_parents (id int PRIMARY KEY);
CREATE TABLE f_children (id int PRIMARY KEY, parent_id int REFERENCES f_parents ON DELETE CASCADE);
INSERT INTO f_parents VALUES (1);
INSERT INTO f_children VALUES (1, 1), (2, 1);
SELECT audit_softdelete.enable('f_parents', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('f_children', stamps => false, soft_delete => 'off');
BEGIN;
DELETE FROM f_parents;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE txid = :'tx' ORDER BY id;
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT * FROM f_parents;
SELECT * FROM f_children ORDER BY id;

-- ON DELETE SET NULL: the children's UPDATE is logged after the delete
CREATE TABLE f_owners (id int PRIMARY KEY);
CREATE TABLE f_pets (id int PRIMARY KEY, owner_id int REFERENCES f_owners ON DELETE SET NULL);
INSERT INTO f_owners VALUES (1);
INSERT INTO f_pets VALUES (1, 1);
SELECT audit_softdelete.enable('f_owners', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('f_pets', stamps => false, soft_delete => 'off');
BEGIN;
DELETE FROM f_owners;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT * FROM f_pets;

-- a self-referencing key, three levels deep
CREATE TABLE f_tree (id int PRIMARY KEY, parent int REFERENCES f_tree ON DELETE CASCADE, note text);
INSERT INTO f_tree VALUES (1, NULL, 'root'), (2, 1, 'branch'), (3, 2, 'leaf');
SELECT audit_softdelete.enable('f_tree', stamps => false, soft_delete => 'off');
BEGIN;
UPDATE f_tree SET note = 'leaf changed' WHERE id = 3;
DELETE FROM f_tree WHERE id = 1;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT * FROM f_tree ORDER BY id;
SELECT action, count(*) FROM audit_softdelete.audit_logs
 WHERE context -> 'undo' ->> 'txid' = :'tx' GROUP BY action ORDER BY action;

-- a key no order satisfies: refused with the foreign key's own error,
-- nothing written, and the call can be caught and the transaction goes on
BEGIN;
DELETE FROM f_children WHERE id = 2;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
DELETE FROM f_parents;
SELECT last_id() AS before_undo \gset
BEGIN;
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx'));
SELECT last_id() = :before_undo AS nothing_written, count(*) AS children FROM f_children;
COMMIT;

-- A parent and its child inserted, then the parent soft-deleted with the
-- child, in one transaction: the child's restore waits for the parent's,
-- which brings the child back itself; tried again only at the end, after
-- the undo of the parent's INSERT had deleted the parent again, it was
-- refused (23503) and nothing was taken back.  A change put off is tried
-- again as soon as another goes through.
CREATE TABLE f_soft_parents (id int PRIMARY KEY);
CREATE TABLE f_soft_children (id int PRIMARY KEY, parent_id int REFERENCES f_soft_parents ON DELETE CASCADE);
SELECT audit_softdelete.enable('f_soft_parents', stamps => false);
SELECT audit_softdelete.enable('f_soft_children', stamps => false);
BEGIN;
INSERT INTO f_soft_parents VALUES (1);
INSERT INTO f_soft_children VALUES (9, 1);
DELETE FROM f_soft_parents WHERE id = 1;
SELECT audit_softdelete.current_txid() AS tx \gset
COMMIT;
SELECT last_id() AS before_undo \gset
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx'));
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE id > :before_undo ORDER BY id;
SELECT 'parent' AS t, id, deleted_at IS NOT NULL AS deleted FROM f_soft_parents
UNION ALL SELECT 'child', id, deleted_at IS NOT NULL FROM f_soft_children ORDER BY 1;

\c :regress_db
DROP DATABASE :test_db;
