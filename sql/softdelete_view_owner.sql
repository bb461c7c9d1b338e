-- View mode: the live view is owned like its table, and follows the table
-- to a new owner (ALTER TABLE <name>_all OWNER TO, as a deployment hands
-- the tables to the application's role): the new owner uses the view, and
-- its own ALTER TABLE (a migration) makes the view again.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE ROLE vo_app;
CREATE ROLE vo_reader;
GRANT CREATE ON SCHEMA public TO vo_app;
CREATE TABLE vo_items (id int PRIMARY KEY, name text);
SELECT audit_softdelete.enable('vo_items', soft_delete => 'view');
-- a table of the same shape not in view mode: its owner changes alone
CREATE TABLE vo_plain (id int PRIMARY KEY);
SELECT audit_softdelete.enable('vo_plain');

ALTER TABLE vo_items_all OWNER TO vo_app;
ALTER TABLE vo_plain OWNER TO vo_app;
SELECT relname, relowner::regrole FROM pg_class
 WHERE relname IN ('vo_items', 'vo_items_all', 'vo_plain') ORDER BY relname;

SET ROLE vo_app;
INSERT INTO vo_items VALUES (1, 'one'), (2, 'two');
DELETE FROM vo_items WHERE id = 2;
GRANT SELECT ON vo_items_all TO vo_reader;
-- a migration of the new owner remakes the view, owned by it
ALTER TABLE vo_items_all ADD COLUMN qty int;
RESET ROLE;
SELECT relname, relowner::regrole FROM pg_class
 WHERE relname IN ('vo_items', 'vo_items_all') ORDER BY relname;
SELECT id, name, qty FROM vo_items ORDER BY id;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vo_items_all ORDER BY id;
-- the view took the table's grants when it was made again
SET ROLE vo_reader;
SELECT count(*) FROM vo_items;
RESET ROLE;
SELECT table_name, problems FROM audit_softdelete.status
 WHERE table_name IN ('vo_items_all', 'vo_plain') ORDER BY 1;

-- a role that may not give the table away is refused as before, and
-- nothing changes
SET ROLE vo_app;
ALTER TABLE vo_items_all OWNER TO vo_reader;
RESET ROLE;
SELECT relname, relowner::regrole FROM pg_class
 WHERE relname IN ('vo_items', 'vo_items_all') ORDER BY relname;
-- a superuser may: the view follows again
ALTER TABLE vo_items_all OWNER TO vo_reader;
SELECT relname, relowner::regrole FROM pg_class
 WHERE relname IN ('vo_items', 'vo_items_all') ORDER BY relname;

DROP VIEW vo_items;
DROP TABLE vo_items_all, vo_plain;
REVOKE CREATE ON SCHEMA public FROM vo_app;
DROP ROLE vo_app;
DROP ROLE vo_reader;
