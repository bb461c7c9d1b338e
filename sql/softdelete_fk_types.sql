-- Foreign keys of any key type: a soft delete compares keys with the
-- key's own equality operators (pg_constraint.conpfeqop), named with their
-- schema, whatever the search_path and the operators of the same name.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

-- ltree, from a schema that is not on the search_path when rows are deleted
CREATE SCHEMA fkt_ext;
CREATE EXTENSION ltree SCHEMA fkt_ext;
SET search_path = public, fkt_ext;
CREATE TABLE fkt_categories (path ltree PRIMARY KEY);
CREATE TABLE fkt_products (id int PRIMARY KEY, category ltree REFERENCES fkt_categories ON DELETE CASCADE);
CREATE TABLE fkt_pins (id int PRIMARY KEY, category ltree REFERENCES fkt_categories ON DELETE RESTRICT);
SELECT audit_softdelete.enable(t, stamps => false)
  FROM unnest(ARRAY['fkt_categories', 'fkt_products', 'fkt_pins']) t;
INSERT INTO fkt_categories VALUES ('shop.books'), ('shop.games'), ('shop.toys');
INSERT INTO fkt_products VALUES (1, 'shop.books'), (2, 'shop.games'), (3, 'shop.toys');
INSERT INTO fkt_pins VALUES (1, 'shop.games');
RESET search_path;
DELETE FROM fkt_categories WHERE path::text = 'shop.books';
SELECT id, deleted_at IS NOT NULL AS deleted FROM fkt_products ORDER BY id;
DELETE FROM fkt_categories WHERE path::text = 'shop.games';
\echo SQLSTATE :SQLSTATE

-- An operator of the same name earlier on the search_path is not the
-- key's: it would match every row.
CREATE FUNCTION fkt_always(fkt_ext.ltree, fkt_ext.ltree) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = fkt_ext.ltree, RIGHTARG = fkt_ext.ltree,
                          FUNCTION = fkt_always);
SET search_path = public, fkt_ext;
DELETE FROM fkt_pins;
DELETE FROM fkt_categories WHERE path::text = 'shop.games';
SELECT id, deleted_at IS NOT NULL AS deleted FROM fkt_products ORDER BY id;
RESET search_path;

-- Keys whose two sides differ in type: a cross-type operator, a domain,
-- an array.
CREATE DOMAIN fkt_code AS int CHECK (VALUE > 0);
CREATE TABLE fkt_parents (id int PRIMARY KEY, tags int[] UNIQUE);
CREATE TABLE fkt_wide (id int PRIMARY KEY, parent bigint REFERENCES fkt_parents ON DELETE CASCADE);
CREATE TABLE fkt_coded (id int PRIMARY KEY, parent fkt_code REFERENCES fkt_parents ON DELETE CASCADE);
CREATE TABLE fkt_tagged (id int PRIMARY KEY, tags int[] REFERENCES fkt_parents (tags) ON DELETE CASCADE);
CREATE TABLE fkt_held (id int PRIMARY KEY, parent fkt_code REFERENCES fkt_parents ON DELETE RESTRICT);
SELECT audit_softdelete.enable(t, stamps => false)
  FROM unnest(ARRAY['fkt_parents', 'fkt_wide', 'fkt_coded', 'fkt_tagged', 'fkt_held']) t;
INSERT INTO fkt_parents VALUES (1, '{1}'), (2, '{2,3}'), (3, '{4}'), (4, '{5}');
INSERT INTO fkt_wide VALUES (1, 1), (2, 2), (4, 4);
INSERT INTO fkt_coded VALUES (1, 1), (2, 2);
INSERT INTO fkt_tagged VALUES (1, '{1}'), (2, '{2,3}');
INSERT INTO fkt_held VALUES (1, 3);
DELETE FROM fkt_parents WHERE id = 2;
SELECT 'wide' AS t, id, deleted_at IS NOT NULL AS deleted FROM fkt_wide
UNION ALL SELECT 'coded', id, deleted_at IS NOT NULL FROM fkt_coded
UNION ALL SELECT 'tagged', id, deleted_at IS NOT NULL FROM fkt_tagged ORDER BY 1, 2;
DELETE FROM fkt_parents WHERE id = 3;
\echo SQLSTATE :SQLSTATE

-- The keys are read again when the table at the other end changes: moved
-- to another schema, its key column renamed.  (The deletes above loaded
-- the keys of fkt_parents.)
CREATE SCHEMA fkt_other;
ALTER TABLE fkt_coded SET SCHEMA fkt_other;
DELETE FROM fkt_parents WHERE id = 1;
ALTER TABLE fkt_wide RENAME COLUMN parent TO parent_id;
DELETE FROM fkt_parents WHERE id = 4;
SELECT 'wide' AS t, id, deleted_at IS NOT NULL AS deleted FROM fkt_wide
UNION ALL SELECT 'coded', id, deleted_at IS NOT NULL FROM fkt_other.fkt_coded ORDER BY 1, 2;

DROP TABLE fkt_products, fkt_pins, fkt_categories, fkt_wide, fkt_other.fkt_coded,
           fkt_tagged, fkt_held, fkt_parents;
DROP OPERATOR public.= (fkt_ext.ltree, fkt_ext.ltree);
DROP FUNCTION fkt_always;
DROP DOMAIN fkt_code;
DROP SCHEMA fkt_other;
DROP EXTENSION ltree;
DROP SCHEMA fkt_ext;
RESET audit_softdelete.actor;
