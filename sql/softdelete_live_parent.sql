-- A live row may not come to reference a soft-deleted row: the DELETE that
-- soft delete replaces would have refused it (23503), and so does the
-- trigger every table referencing a soft-delete table gets.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE TABLE lp_parent (id int PRIMARY KEY, name text);
CREATE TABLE lp_child (id int PRIMARY KEY,
                       parent_id int REFERENCES lp_parent ON DELETE CASCADE,
                       note text);
CREATE TABLE lp_plain (id int PRIMARY KEY,
                       parent_id int REFERENCES lp_parent ON DELETE SET NULL);
INSERT INTO lp_parent VALUES (1, 'one'), (2, 'two'), (3, 'three');

-- no soft delete yet: no trigger
SELECT audit_softdelete.enable('lp_parent', soft_delete => 'off');
SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_softdelete_live_parent';

-- soft delete on: each referencing table gets it, enabled or not
SELECT audit_softdelete.enable('lp_parent');
SELECT audit_softdelete.enable('lp_child');
SELECT tgrelid::regclass AS tbl, tgenabled, pg_get_triggerdef(oid) AS definition
  FROM pg_trigger WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;

INSERT INTO lp_child VALUES (10, 1, 'before');
INSERT INTO lp_plain VALUES (20, 1), (21, 2);
DELETE FROM lp_parent WHERE id = 1;
SELECT id, parent_id, deleted_at IS NOT NULL AS deleted FROM lp_child ORDER BY id;

-- a new row naming the deleted parent: refused, in any referencing table
INSERT INTO lp_child VALUES (11, 1, 'after');
INSERT INTO lp_plain VALUES (22, 1);
-- a key naming no row at all meets PostgreSQL's own error first
INSERT INTO lp_plain VALUES (23, 99);
-- a NULL key references nothing; a live parent is fine
INSERT INTO lp_plain VALUES (24, NULL), (25, 2);

-- SET NULL left lp_plain's row as it was: its other columns may change,
-- its key may not move onto the deleted parent
UPDATE lp_plain SET id = 26 WHERE id = 20;
UPDATE lp_plain SET parent_id = 1 WHERE id = 21;
UPDATE lp_plain SET parent_id = 2 WHERE id = 26;
SELECT * FROM lp_plain ORDER BY id;

-- a row soft-deleted itself may reference deleted rows (its delete cascaded)
INSERT INTO lp_child VALUES (12, 1, 'born deleted');
INSERT INTO lp_child (id, parent_id, note, deleted_at) VALUES (12, 1, 'born deleted', now());
SELECT id, deleted_at IS NOT NULL AS deleted FROM lp_child WHERE id = 12;

-- restore() of the child alone brings back a row referencing a deleted
-- parent: refused; the parent's restore brings the child back with it
SELECT audit_softdelete.restore('lp_child', '{"id": 10}');
SELECT audit_softdelete.restore('lp_parent', '{"id": 1}');
SELECT id, parent_id, deleted_at IS NOT NULL AS deleted FROM lp_child ORDER BY id;
INSERT INTO lp_child VALUES (11, 1, 'after restore');

-- refused statements left no audit row
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name = 'lp_child' ORDER BY id;

-- the error names the values only to a role that may read them
CREATE ROLE lp_writer;
GRANT USAGE ON SCHEMA audit_softdelete TO lp_writer;
GRANT INSERT ON lp_plain TO lp_writer;
DELETE FROM lp_parent WHERE id = 3;
SET ROLE lp_writer;
INSERT INTO lp_plain VALUES (30, 3);
RESET ROLE;
GRANT SELECT (parent_id) ON lp_plain TO lp_writer;
SET ROLE lp_writer;
INSERT INTO lp_plain VALUES (30, 3);
RESET ROLE;

-- a table whose owner dropped the check is named in status, with the fix
DROP TRIGGER audit_softdelete_live_parent ON lp_plain;
SELECT unnest(problems) AS problem FROM audit_softdelete.status WHERE table_name = 'lp_parent'::regclass;
INSERT INTO lp_plain VALUES (27, 3);
DELETE FROM lp_plain WHERE id = 27;
-- the next enable() gives it back
SELECT audit_softdelete.enable('lp_parent');
SELECT unnest(problems) AS problem FROM audit_softdelete.status WHERE table_name = 'lp_parent'::regclass;

-- a table of another role's, created after the parent's enable(), gets
-- the check all the same: the parent is read as its owner, as
-- PostgreSQL's own check reads it
GRANT CREATE ON SCHEMA public TO lp_writer;
GRANT REFERENCES ON lp_parent TO lp_writer;
SET ROLE lp_writer;
CREATE TABLE lp_writers (id int PRIMARY KEY, parent_id int REFERENCES lp_parent);
INSERT INTO lp_writers VALUES (1, 2);
INSERT INTO lp_writers VALUES (2, 3);
RESET ROLE;
SELECT tgrelid::regclass AS tbl, c.relowner::regrole AS table_owner
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE tgname = 'audit_softdelete_live_parent' AND tgrelid = 'lp_writers'::regclass;

-- a deferrable key (Django makes every key INITIALLY DEFERRED): refused at
-- the end of the statement all the same
CREATE TABLE lp_deferred (id int PRIMARY KEY,
                          parent_id int REFERENCES lp_parent DEFERRABLE INITIALLY DEFERRED);
BEGIN;
INSERT INTO lp_deferred VALUES (1, 3);
ROLLBACK;

-- keys added later, by CREATE TABLE or ALTER TABLE, get the check; a table
-- whose last key onto a soft-delete table goes loses it
CREATE TABLE lp_later (id int PRIMARY KEY, parent_id int);
ALTER TABLE lp_later ADD CONSTRAINT lp_later_parent FOREIGN KEY (parent_id) REFERENCES lp_parent;
ALTER TABLE lp_later ADD COLUMN other_parent int REFERENCES lp_parent;
INSERT INTO lp_later VALUES (1, 2, 3);
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
ALTER TABLE lp_later DROP CONSTRAINT lp_later_parent;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'lp_later'::regclass AND tgname = 'audit_softdelete_live_parent';
ALTER TABLE lp_later DROP COLUMN other_parent;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'lp_later'::regclass AND tgname = 'audit_softdelete_live_parent';
INSERT INTO lp_later VALUES (2, 3);

-- a key of another type than the parent's, composite, over a table that
-- references itself
CREATE TABLE lp_tree (region text, id int, parent_region text, parent_id bigint,
                      PRIMARY KEY (region, id),
                      FOREIGN KEY (parent_region, parent_id) REFERENCES lp_tree (region, id));
SELECT audit_softdelete.enable('lp_tree');
INSERT INTO lp_tree VALUES ('eu', 1, NULL, NULL), ('eu', 2, 'eu', 1);
DELETE FROM lp_tree WHERE region = 'eu' AND id = 2;
INSERT INTO lp_tree VALUES ('eu', 3, 'eu', 2);
INSERT INTO lp_tree VALUES ('eu', 3, 'eu', 1);

-- partitioned tables, on either side: the trigger on the partitioned
-- referencing table fires in its partitions, present and future
CREATE TABLE lp_orders (id int, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE lp_orders_eu PARTITION OF lp_orders FOR VALUES IN ('eu');
CREATE TABLE lp_orders_us PARTITION OF lp_orders FOR VALUES IN ('us');
SELECT audit_softdelete.enable('lp_orders');
CREATE TABLE lp_lines (id int, order_id int, region text, parent_id int REFERENCES lp_parent,
                       FOREIGN KEY (order_id, region) REFERENCES lp_orders)
    PARTITION BY LIST (region);
CREATE TABLE lp_lines_eu PARTITION OF lp_lines FOR VALUES IN ('eu');
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' AND tgrelid::regclass::text LIKE 'lp_lines%' ORDER BY 1;
INSERT INTO lp_orders VALUES (1, 'eu'), (2, 'eu');
DELETE FROM lp_orders WHERE id = 2;
INSERT INTO lp_lines VALUES (1, 1, 'eu', 2);
INSERT INTO lp_lines VALUES (2, 2, 'eu', 2);
CREATE TABLE lp_lines_us PARTITION OF lp_lines FOR VALUES IN ('us');
INSERT INTO lp_orders VALUES (3, 'us');
DELETE FROM lp_orders WHERE id = 3;
INSERT INTO lp_lines VALUES (3, 3, 'us', 2);

-- view mode: the key references the table behind the view
CREATE TABLE lp_vparent (id int PRIMARY KEY);
CREATE TABLE lp_vchild (id int PRIMARY KEY, parent_id int REFERENCES lp_vparent);
INSERT INTO lp_vparent VALUES (1);
SELECT audit_softdelete.enable('lp_vparent', soft_delete => 'view');
DELETE FROM lp_vparent WHERE id = 1;
INSERT INTO lp_vchild VALUES (1, 1);

-- without soft delete on the parent, no check and no trigger
SELECT audit_softdelete.disable('lp_vparent');
INSERT INTO lp_vchild VALUES (1, 1);
SELECT audit_softdelete.enable('lp_parent', soft_delete => 'off');
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' AND tgparentid = 0 ORDER BY 1;
INSERT INTO lp_plain VALUES (31, 3);

-- undo_transaction() of a soft delete that cascaded two levels down: the
-- children's own SOFT_DELETE rows are newer than the parent's, and each
-- child is refused until the parent's restore() has brought it back
CREATE TABLE lpu_parent (id int PRIMARY KEY);
CREATE TABLE lpu_child (id int PRIMARY KEY, parent_id int REFERENCES lpu_parent ON DELETE CASCADE);
CREATE TABLE lpu_grandchild (id int PRIMARY KEY, child_id int REFERENCES lpu_child ON DELETE CASCADE);
SELECT audit_softdelete.enable('lpu_parent');
SELECT audit_softdelete.enable('lpu_child');
SELECT audit_softdelete.enable('lpu_grandchild');
INSERT INTO lpu_parent VALUES (1);
INSERT INTO lpu_child VALUES (10, 1), (11, 1);
INSERT INTO lpu_grandchild VALUES (100, 10);
BEGIN;
DELETE FROM lpu_parent WHERE id = 1;
SELECT audit_softdelete.current_txid() AS delete_txid \gset
COMMIT;
SELECT audit_softdelete.undo_transaction(:'delete_txid');
SELECT 'parent' AS tbl, id, deleted_at IS NULL AS live FROM lpu_parent
UNION ALL SELECT 'child', id, deleted_at IS NULL FROM lpu_child
UNION ALL SELECT 'grandchild', id, deleted_at IS NULL FROM lpu_grandchild ORDER BY 1, 2;
DROP TABLE lpu_grandchild, lpu_child, lpu_parent;

-- misuse
CREATE TABLE lp_misuse (id int);
CREATE TRIGGER lp_before BEFORE INSERT ON lp_misuse
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
INSERT INTO lp_misuse VALUES (1);

DROP TABLE lp_misuse, lp_lines, lp_orders, lp_tree, lp_later, lp_deferred,
           lp_writers, lp_plain, lp_child, lp_parent, lp_vchild, lp_vparent;
REVOKE CREATE ON SCHEMA public FROM lp_writer;
DROP OWNED BY lp_writer;
DROP ROLE lp_writer;
