-- Row triggers fire on the table a row is in: an inheritance child (not a
-- partition) of an enabled table gets none of its features, even through
-- the parent's statements, until it is enabled itself.  enable() warns of
-- each such child, and status lists it as a problem with its fix.
CREATE TABLE inh_p (id int PRIMARY KEY, v text);
CREATE TABLE inh_c (extra int) INHERITS (inh_p);
ALTER TABLE inh_c ADD PRIMARY KEY (id);
\set VERBOSITY default
SELECT audit_softdelete.enable('inh_p');
\set VERBOSITY terse
SELECT unnest(problems) AS problem FROM audit_softdelete.status
 WHERE table_name = 'inh_p'::regclass;
-- enabled too (the columns it inherited are used): the warning and the
-- problem are gone, and the child's rows are stamped, soft-deleted and
-- audited through the parent's statements
SELECT audit_softdelete.enable('inh_c', stamps => true, soft_delete => 'trigger', audit => true);
SELECT audit_softdelete.enable('inh_p');
SELECT cardinality(problems) AS problems FROM audit_softdelete.status
 WHERE table_name = 'inh_p'::regclass;
INSERT INTO inh_c (id, v) VALUES (1, 'child');
INSERT INTO inh_p (id, v) VALUES (2, 'parent');
UPDATE inh_p SET v = v || '!';
DELETE FROM inh_p;
SELECT tableoid::regclass AS tbl, id, v, created_at IS NOT NULL AS stamped,
       deleted_at IS NOT NULL AS deleted
  FROM inh_p ORDER BY id;
SELECT action, table_name, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name IN ('inh_p', 'inh_c') ORDER BY id;
-- a partition is no such child: enabled with its partitioned table
CREATE TABLE inh_parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE inh_part PARTITION OF inh_parted FOR VALUES FROM (0) TO (10);
SELECT audit_softdelete.enable('inh_parted');
SELECT audit_softdelete.disable('inh_parted');
SELECT audit_softdelete.disable('inh_c');
SELECT audit_softdelete.disable('inh_p');
DROP TABLE inh_p, inh_c, inh_parted;
