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
-- enable_schema() enables children before their parents (whatever their
-- names), so that it does not warn of children it enables itself
CREATE SCHEMA inh_s;
CREATE TABLE inh_s.a_parent (id int PRIMARY KEY);
CREATE TABLE inh_s.b_child (PRIMARY KEY (id)) INHERITS (inh_s.a_parent);
CREATE TABLE inh_s.c_grandchild (PRIMARY KEY (id)) INHERITS (inh_s.b_child);
-- (warnings only: PostgreSQL's notices of the columns the parent's
-- enable() merges into the children are not the point)
SET client_min_messages = warning;
SELECT audit_softdelete.enable_schema('inh_s');
RESET client_min_messages;
SELECT relid, enabled FROM audit_softdelete.tracked_tables
 WHERE relid::text LIKE 'inh_s.%' ORDER BY relid::text;
SET client_min_messages = warning;
SELECT audit_softdelete.disable_schema('inh_s', disable_tables => true);
DROP SCHEMA inh_s CASCADE;
RESET client_min_messages;
SELECT audit_softdelete.disable('inh_parted');
SELECT audit_softdelete.disable('inh_c');
SELECT audit_softdelete.disable('inh_p');
DROP TABLE inh_p, inh_c, inh_parted;
