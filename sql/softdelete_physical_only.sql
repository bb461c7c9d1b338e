-- A row of a soft-delete table goes physically only when purge() removes
-- it (its own DELETE, of rows deleted long enough ago) or when its parent
-- went physically through an ON DELETE CASCADE key.  Any other DELETE,
-- whatever runs it and whenever, is a soft delete.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

-- A DELETE that a trigger runs while purge() removes rows is no part of
-- the purge: the live row it names is soft-deleted, not removed.
CREATE TABLE po_orders (id int PRIMARY KEY, note text);
CREATE TABLE po_lines (id int PRIMARY KEY, order_id int REFERENCES po_orders ON DELETE CASCADE);
SELECT audit_softdelete.enable('po_orders', stamps => false);
INSERT INTO po_orders VALUES (1, 'deleted long ago'), (2, 'live'), (3, 'live');
INSERT INTO po_lines VALUES (10, 1);
-- a trigger of the application's: a line that goes takes order 2 with it
CREATE FUNCTION po_line_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM public.po_orders WHERE id = 2;
    RETURN OLD;
END $$;
CREATE TRIGGER po_line_gone AFTER DELETE ON po_lines FOR EACH ROW EXECUTE FUNCTION po_line_gone();
DELETE FROM po_orders WHERE id = 1;
UPDATE po_orders SET deleted_at = deleted_at - interval '40 days' WHERE id = 1;
-- purge removes order 1, its line goes by the foreign key, the trigger
-- deletes order 2: soft-deleted, as any DELETE of it would be
SELECT audit_softdelete.purge('po_orders', interval '30 days') AS purged;
SELECT id, note, deleted_at IS NOT NULL AS deleted FROM po_orders ORDER BY id;
SELECT count(*) AS lines FROM po_lines;
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name = 'po_orders' AND action <> 'INSERT' ORDER BY id;
-- and it can be restored
SELECT audit_softdelete.restore('po_orders', '{"id": 2}') AS restored;

-- A purge() that a trigger runs during another one leaves the outer one
-- purging: here a trigger of the application's, before each order's
-- removal, purges an archive table.
CREATE TABLE po_archive (id int PRIMARY KEY);
SELECT audit_softdelete.enable('po_archive', stamps => false);
INSERT INTO po_archive VALUES (1);
DELETE FROM po_archive;
UPDATE po_archive SET deleted_at = deleted_at - interval '40 days';
CREATE FUNCTION po_purge_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_softdelete.purge('public.po_archive', interval '30 days');
    RETURN OLD;
END $$;
-- named to fire before the extension's trigger
CREATE TRIGGER a_po_purge_archive BEFORE DELETE ON po_orders
    FOR EACH ROW EXECUTE FUNCTION po_purge_archive();
DELETE FROM po_orders WHERE id IN (2, 3);
UPDATE po_orders SET deleted_at = deleted_at - interval '40 days';
SELECT audit_softdelete.purge('po_orders', interval '30 days') AS purged;
SELECT count(*) AS orders_left FROM po_orders;
SELECT count(*) AS archive_left FROM po_archive;
DROP TABLE po_archive;
DROP TRIGGER a_po_purge_archive ON po_orders;
DROP FUNCTION po_purge_archive();

-- A DEFERRABLE key lets a transaction point a row at no parent until it
-- commits: its DELETE then is no cascade, and soft-deletes.  (The key is
-- checked at COMMIT, which refuses the row's missing parent.)
CREATE TABLE po_parent (id int PRIMARY KEY);
CREATE TABLE po_child (id int PRIMARY KEY,
                       parent_id int REFERENCES po_parent ON DELETE CASCADE
                                     DEFERRABLE INITIALLY DEFERRED);
SELECT audit_softdelete.enable('po_child', stamps => false);
INSERT INTO po_parent VALUES (1), (2);
INSERT INTO po_child VALUES (1, 1), (2, 2);
CREATE ROLE po_clerk;
GRANT SELECT, UPDATE, DELETE ON po_child TO po_clerk;
SET ROLE po_clerk;
BEGIN;
UPDATE po_child SET parent_id = 12345 WHERE id = 1;
DELETE FROM po_child WHERE id = 1;
SELECT id, deleted_at IS NOT NULL AS deleted FROM po_child WHERE id = 1;
COMMIT;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT id, parent_id, deleted_at IS NOT NULL AS deleted FROM po_child ORDER BY id;
-- The parent deleted physically still takes its rows physically with it.
DELETE FROM po_parent WHERE id = 2;
SELECT id, parent_id, deleted_at IS NOT NULL AS deleted FROM po_child ORDER BY id;
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name = 'po_child' AND action <> 'INSERT' ORDER BY id;

DROP TABLE po_lines, po_orders, po_child, po_parent;
DROP FUNCTION po_line_gone();
DROP ROLE po_clerk;
RESET audit_softdelete.actor;
