-- View mode: the live view keeps the grants and the comment given to it
-- itself when an ALTER TABLE makes it again (its columns follow the
-- table's).  In 1.0 the view made again took the table's grants: a role
-- granted SELECT on the view alone lost it at the next migration.
CREATE ROLE vg_reader;
CREATE ROLE vg_writer;
CREATE TABLE vg_orders (id int PRIMARY KEY, total numeric);
-- given before enable(): the view made for the first time takes them
GRANT SELECT ON vg_orders TO vg_writer;
SELECT audit_softdelete.enable('vg_orders', soft_delete => 'view');

-- given to the view itself, after enable()
GRANT SELECT ON vg_orders_all TO vg_reader;
GRANT SELECT ON vg_orders TO vg_reader;
REVOKE SELECT ON vg_orders FROM vg_writer;
GRANT INSERT ON vg_orders TO vg_writer WITH GRANT OPTION;
COMMENT ON VIEW vg_orders IS 'the live orders';

CREATE TEMP VIEW vg_state AS
SELECT c.relname,
       ARRAY(SELECT a.grantee::regrole::text || ':' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END
               FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner ORDER BY 1) AS grants,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c WHERE c.relname IN ('vg_orders', 'vg_orders_all') ORDER BY 1;
SELECT * FROM vg_state;

-- a migration adds a column: the view is made again with its own grants
-- and comment, and the table's (vg_writer's SELECT, revoked on the view
-- alone, comes back: the table grants it, and the view runs with the
-- caller's rights, so the revoke kept vg_writer from nothing)
ALTER TABLE vg_orders_all ADD COLUMN note text;
SELECT * FROM vg_state;
SELECT column_name FROM information_schema.columns WHERE table_name = 'vg_orders' ORDER BY ordinal_position;

-- two in one transaction, one dropping a column
BEGIN;
ALTER TABLE vg_orders_all ADD COLUMN tmp int;
ALTER TABLE vg_orders_all DROP COLUMN tmp;
COMMIT;
SELECT * FROM vg_state;

INSERT INTO vg_orders (id, total) VALUES (1, 10);
SET ROLE vg_reader;
SELECT id, total FROM vg_orders;
RESET ROLE;

-- leaving view mode and coming back makes the view anew: the table's grants
SELECT audit_softdelete.enable('vg_orders', soft_delete => 'trigger');
SELECT audit_softdelete.enable('vg_orders', soft_delete => 'view');
SELECT * FROM vg_state;

DROP VIEW vg_state;
DROP VIEW vg_orders;
DROP TABLE vg_orders_all;
DROP ROLE vg_reader, vg_writer;
