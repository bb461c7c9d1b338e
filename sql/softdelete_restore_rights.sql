-- restore() runs as the caller.  It forgets the cascade bookkeeping of the
-- children it restored, and only of those: a child it could not restore
-- (hidden by row-level security, skipped by a trigger) stays remembered.
-- On a partitioned table, the caller's privileges on that table suffice.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';
CREATE ROLE srr_bob;

CREATE TABLE srr_parent (id int PRIMARY KEY, v text);
CREATE TABLE srr_child (id int PRIMARY KEY,
                        parent_id int REFERENCES srr_parent ON DELETE CASCADE,
                        secret boolean NOT NULL);
SELECT audit_softdelete.enable('srr_parent'), audit_softdelete.enable('srr_child');
INSERT INTO srr_parent VALUES (1, 'p');
INSERT INTO srr_child VALUES (10, 1, false), (11, 1, true), (12, 1, false);
ALTER TABLE srr_child ENABLE ROW LEVEL SECURITY;
CREATE POLICY srr_public ON srr_child USING (NOT secret);
GRANT SELECT, UPDATE, DELETE ON srr_parent, srr_child TO srr_bob;
-- a trigger of the owner's that keeps child 12 deleted
CREATE FUNCTION srr_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER srr_keep BEFORE UPDATE ON srr_child FOR EACH ROW
    WHEN (OLD.id = 12 AND NEW.deleted_at IS NULL) EXECUTE FUNCTION srr_keep();

DELETE FROM srr_parent WHERE id = 1;
SELECT child_pk FROM audit_softdelete.soft_delete_cascades ORDER BY child_pk::text;

-- srr_bob restores the parent and the child he sees; child 11 is hidden
-- from him, the trigger skips child 12: both stay deleted, and remembered.
SET ROLE srr_bob;
SELECT audit_softdelete.restore('srr_parent', '{"id": 1}');
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted FROM srr_child ORDER BY id;
SELECT child_pk FROM audit_softdelete.soft_delete_cascades ORDER BY child_pk::text;

-- Partitioned: privileges on the partitioned table, none on its partition.
CREATE TABLE srr_parts (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
CREATE TABLE srr_parts_1 PARTITION OF srr_parts FOR VALUES FROM (0) TO (100);
CREATE TABLE srr_parts_2 PARTITION OF srr_parts FOR VALUES FROM (100) TO (200);
SELECT audit_softdelete.enable('srr_parts');
INSERT INTO srr_parts VALUES (1, 'a'), (101, 'b');
GRANT SELECT, UPDATE, DELETE ON srr_parts TO srr_bob;
SET ROLE srr_bob;
DELETE FROM srr_parts;
SELECT audit_softdelete.restore('srr_parts', '{"id": 101}');
SELECT audit_softdelete.restore('srr_parts', '{"id": "1"}');
SELECT tableoid::regclass AS partition, id, deleted_at IS NOT NULL AS deleted
  FROM srr_parts ORDER BY id;
RESET ROLE;

DROP TABLE srr_child, srr_parent, srr_parts;
DROP FUNCTION srr_keep();
DROP ROLE srr_bob;
RESET audit_softdelete.actor;
