-- Renaming the live view of a table in view mode, as Rails' rename_table
-- and Django's AlterModelTable do it (ALTER TABLE <view> RENAME TO), or
-- with ALTER VIEW: the table's options follow the new name.
CREATE TABLE vr_items (id int PRIMARY KEY, name text);
SELECT audit_softdelete.enable('vr_items', soft_delete => 'view');
INSERT INTO vr_items VALUES (1, 'one'), (2, 'two'), (3, 'three');

ALTER TABLE vr_items RENAME TO vr_products;
SELECT live_view FROM audit_softdelete.status WHERE table_name = 'vr_items_all'::regclass;
-- DELETE through the renamed view soft-deletes, as before
DELETE FROM vr_products WHERE id = 1 RETURNING id, name;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vr_items_all ORDER BY id;
-- the view made again after an ALTER TABLE of the table keeps the new
-- name: no view under the old one comes back
ALTER TABLE vr_items_all ADD COLUMN price numeric;
SELECT relname, relkind FROM pg_class
 WHERE relname IN ('vr_items', 'vr_products', 'vr_items_all') ORDER BY relname;
SELECT id, name, price FROM vr_products ORDER BY id;
-- restore finds the table by the view's new name
SELECT audit_softdelete.restore('vr_products', '{"id": 1}');

-- ALTER VIEW ... RENAME TO, with a name that needs quoting
ALTER VIEW vr_products RENAME TO "VR Goods";
DELETE FROM "VR Goods" WHERE id = 2;
SELECT live_view FROM audit_softdelete.status WHERE table_name = 'vr_items_all'::regclass;

-- another view of the table, renamed, is not taken for the live view
CREATE VIEW vr_cheap AS SELECT * FROM vr_items_all WHERE price < 10;
ALTER VIEW vr_cheap RENAME TO vr_bargains;
SELECT live_view FROM audit_softdelete.status WHERE table_name = 'vr_items_all'::regclass;
DROP VIEW vr_bargains;

-- disable() gives the table the view's name as it is now
SELECT audit_softdelete.disable('"VR Goods"');
SELECT relname, relkind FROM pg_class
 WHERE relname IN ('vr_items_all', 'VR Goods', 'vr_products') ORDER BY relname;
DROP TABLE "VR Goods";
