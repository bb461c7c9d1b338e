-- View mode: the live view made again after an ALTER TABLE gets back the
-- column grants and column comments given to it (they were lost), and a
-- view made later in the transaction after leaving view mode is made anew
-- (it got the dropped view's grants, and failed when a role in them was
-- dropped).
CREATE ROLE vgc_reader;
CREATE ROLE vgc_gone;
CREATE TABLE vgc_orders (id int PRIMARY KEY, total numeric, secret text);
SELECT audit_softdelete.enable('vgc_orders', soft_delete => 'view');
GRANT SELECT (id, total), UPDATE (total) ON vgc_orders TO vgc_reader;
GRANT SELECT (secret) ON vgc_orders TO vgc_gone WITH GRANT OPTION;
COMMENT ON COLUMN vgc_orders.total IS 'the total';

CREATE TEMP VIEW vgc_state AS
SELECT c.relname, a.attname,
       ARRAY(SELECT x.grantee::regrole::text || ':' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
               FROM aclexplode(a.attacl) x ORDER BY 1) AS grants
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relname IN ('vgc_orders', 'vgc_orders_all') AND a.attacl IS NOT NULL
 ORDER BY 1, 2;
SELECT * FROM vgc_state;

-- a migration adds a column: the column grants are kept
ALTER TABLE vgc_orders_all ADD COLUMN note text;
SELECT * FROM vgc_state;
-- one dropping a column granted: the others are kept
ALTER TABLE vgc_orders_all DROP COLUMN secret;
SELECT * FROM vgc_state;
-- one renaming a column granted: the grant follows it
ALTER TABLE vgc_orders_all RENAME COLUMN total TO amount;
SELECT * FROM vgc_state;
SELECT col_description('vgc_orders'::regclass, 2) AS amount_comment;
ALTER TABLE vgc_orders_all RENAME COLUMN amount TO total;
INSERT INTO vgc_orders (id, total) VALUES (1, 10);
GRANT SELECT ON vgc_orders_all TO vgc_reader;
SET ROLE vgc_reader;
SELECT id, total FROM vgc_orders;
RESET ROLE;

-- leaving view mode and coming back in one transaction: the view is made
-- anew, with the table's grants only, even when a role granted on the
-- view alone was dropped in between
GRANT SELECT ON vgc_orders TO vgc_gone;
BEGIN;
SELECT audit_softdelete.enable('vgc_orders', soft_delete => 'trigger');
DROP ROLE vgc_gone;
SELECT audit_softdelete.enable('vgc_orders', soft_delete => 'view');
SELECT c.relname,
       ARRAY(SELECT x.grantee::regrole::text || ':' || x.privilege_type
               FROM aclexplode(c.relacl) x WHERE x.grantee <> c.relowner ORDER BY 1) AS grants
  FROM pg_class c WHERE c.relname IN ('vgc_orders', 'vgc_orders_all') ORDER BY 1;
SELECT * FROM vgc_state;
COMMIT;
BEGIN;
GRANT INSERT ON vgc_orders TO vgc_reader;
SELECT audit_softdelete.disable('vgc_orders');
SELECT audit_softdelete.enable('vgc_orders', soft_delete => 'view');
SELECT c.relname,
       ARRAY(SELECT x.grantee::regrole::text || ':' || x.privilege_type
               FROM aclexplode(c.relacl) x WHERE x.grantee <> c.relowner ORDER BY 1) AS grants
  FROM pg_class c WHERE c.relname IN ('vgc_orders', 'vgc_orders_all') ORDER BY 1;
COMMIT;

DROP VIEW vgc_state;
DROP VIEW vgc_orders;
REVOKE ALL ON vgc_orders_all FROM vgc_reader;
DROP TABLE vgc_orders_all;
DROP ROLE vgc_reader;
