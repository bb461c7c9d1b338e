-- restore() finds what a soft delete cascaded to by the row's key as the
-- bookkeeping wrote it, with the one function that writes it
-- (asd_bookkeeping_key, src/cascade.c), for the relation the row's
-- triggers fired on: here a partition whose columns are numbered otherwise
-- than its partitioned table's, and a key the caller spells otherwise.
\set SHOW_CONTEXT never

CREATE TABLE rb_parent (note text, region text, id int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE rb_parent_eu (gone int, id int NOT NULL, region text NOT NULL, note text);
ALTER TABLE rb_parent_eu DROP COLUMN gone;
ALTER TABLE rb_parent ATTACH PARTITION rb_parent_eu FOR VALUES IN ('eu');
CREATE TABLE rb_child (n int PRIMARY KEY, parent_id int, region text,
                       FOREIGN KEY (parent_id, region) REFERENCES rb_parent ON DELETE CASCADE);
SELECT audit_softdelete.enable('rb_parent', stamps => false);
SELECT audit_softdelete.enable('rb_child', stamps => false);
INSERT INTO rb_parent (id, region, note) VALUES (1, 'eu', 'one'), (2, 'eu', 'two');
INSERT INTO rb_child VALUES (10, 1, 'eu'), (11, 1, 'eu'), (20, 2, 'eu');
DELETE FROM rb_parent;
SELECT c.parent_pk, c.child_pk
  FROM audit_softdelete.soft_delete_cascades c ORDER BY c.child_pk::text;

-- "1" for 1: the row is found by the key's equality, its bookkeeping by
-- the row's own values
SELECT audit_softdelete.restore('rb_parent', '{"id": "1", "region": "eu"}');
SELECT 'parent' AS t, id AS n, deleted_at IS NOT NULL AS deleted FROM rb_parent
UNION ALL SELECT 'child', n, deleted_at IS NOT NULL FROM rb_child ORDER BY 1 DESC, 2;
SELECT c.parent_pk, c.child_pk
  FROM audit_softdelete.soft_delete_cascades c ORDER BY c.child_pk::text;

DROP TABLE rb_child, rb_parent;
