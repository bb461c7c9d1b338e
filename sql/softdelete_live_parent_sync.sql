-- Keeping the audit_softdelete_live_parent triggers in step reads the
-- catalog rows of the tables concerned only: enable() and disable() look at
-- the tables referencing the table, and DDL at the tables it changes only
-- when it may add or drop a foreign key (enable()'s own ADD COLUMNs do not).
-- enable_schema() of hundreds of tables calls enable() for each: a look at
-- every table each time made it quadratic.
\set VERBOSITY default

CREATE TABLE lps_parent (id int PRIMARY KEY);
CREATE TABLE lps_child (id int PRIMARY KEY, parent_id int REFERENCES lps_parent);
CREATE TABLE lps_other (id int PRIMARY KEY);
CREATE TABLE lps_other_child (id int PRIMARY KEY, other_id int REFERENCES lps_other);
SELECT audit_softdelete.enable('lps_other', stamps => false);
-- its owner dropped the check: enable() of a table it does not reference
-- leaves that alone
DROP TRIGGER audit_softdelete_live_parent ON lps_other_child;

-- the calls in this transaction so far (a backend's counts wait to be
-- sent, with earlier transactions' too: the difference is what counts)
CREATE VIEW lps_calls AS
SELECT coalesce(pg_stat_get_xact_function_calls('audit_softdelete._sync_live_parent_triggers(oid[], boolean)'::regprocedure), 0) AS syncs,
       coalesce(pg_stat_get_xact_function_calls('audit_softdelete._live_parent_triggers_after_ddl(boolean, boolean)'::regprocedure), 0) AS after_ddl;

BEGIN;
SET LOCAL track_functions = 'all';
SELECT syncs AS syncs0, after_ddl AS after_ddl0 FROM lps_calls \gset
SELECT audit_softdelete.enable('lps_parent');
SELECT syncs - :syncs0 AS syncs, after_ddl - :after_ddl0 AS after_ddl FROM lps_calls;
COMMIT;
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;

-- a column with REFERENCES is a foreign key: that DDL looks
BEGIN;
SET LOCAL track_functions = 'all';
SELECT syncs AS syncs0, after_ddl AS after_ddl0 FROM lps_calls \gset
ALTER TABLE lps_other_child ADD COLUMN note text;
ALTER TABLE lps_other_child ADD COLUMN parent_id int REFERENCES lps_parent;
SELECT syncs - :syncs0 AS syncs, after_ddl - :after_ddl0 AS after_ddl FROM lps_calls;
COMMIT;
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;

BEGIN;
SET LOCAL track_functions = 'all';
SELECT syncs AS syncs0, after_ddl AS after_ddl0 FROM lps_calls \gset
SELECT audit_softdelete.disable('lps_parent');
SELECT syncs - :syncs0 AS syncs, after_ddl - :after_ddl0 AS after_ddl FROM lps_calls;
COMMIT;
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;

DROP VIEW lps_calls;
DROP TABLE lps_other_child, lps_other, lps_child, lps_parent;

-- A foreign key dropped with the table it referenced (DROP TABLE ...
-- CASCADE, DROP SCHEMA ... CASCADE) takes the check from a table left
-- without a key onto a soft-delete table; a table that still has one
-- keeps it.
CREATE TABLE lpd_parent (id int PRIMARY KEY);
CREATE TABLE lpd_other (id int PRIMARY KEY);
SELECT audit_softdelete.enable('lpd_parent');
SELECT audit_softdelete.enable('lpd_other');
CREATE TABLE lpd_child (id int PRIMARY KEY, parent_id int REFERENCES lpd_parent);
CREATE TABLE lpd_both (id int PRIMARY KEY, parent_id int REFERENCES lpd_parent,
                       other_id int REFERENCES lpd_other);
CREATE TABLE lpd_parts (id int, parent_id int REFERENCES lpd_parent) PARTITION BY RANGE (id);
CREATE TABLE lpd_parts_1 PARTITION OF lpd_parts FOR VALUES FROM (0) TO (100);
CREATE SCHEMA lpd_s;
CREATE TABLE lpd_s.parent (id int PRIMARY KEY);
SELECT audit_softdelete.enable('lpd_s.parent');
CREATE TABLE lpd_schema_child (id int PRIMARY KEY, parent_id int REFERENCES lpd_s.parent);
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
DROP TABLE lpd_parent CASCADE;
DROP SCHEMA lpd_s CASCADE;
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
-- the check goes on where a key is left
INSERT INTO lpd_other VALUES (2);
DELETE FROM lpd_other WHERE id = 2;
INSERT INTO lpd_both VALUES (1, NULL, 2);
DROP TABLE lpd_both, lpd_child, lpd_parts, lpd_schema_child, lpd_other;

-- A table whose owner dropped the check does not get it back from such a
-- drop, though it keeps a key onto a soft-delete table (the next enable()
-- of a table it references, or DDL adding a key to it, gives it back); the
-- other tables of the drop lose theirs.
CREATE TABLE lpd_a (id int PRIMARY KEY);
CREATE TABLE lpd_b (id int PRIMARY KEY);
SELECT audit_softdelete.enable('lpd_a');
SELECT audit_softdelete.enable('lpd_b');
CREATE TABLE lpd_ab (id int PRIMARY KEY, a_id int REFERENCES lpd_a, b_id int REFERENCES lpd_b);
CREATE TABLE lpd_a_only (id int PRIMARY KEY, a_id int REFERENCES lpd_a);
DROP TRIGGER audit_softdelete_live_parent ON lpd_ab;
DROP TABLE lpd_a CASCADE;
SELECT tgrelid::regclass AS tbl FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
DROP TABLE lpd_ab, lpd_a_only, lpd_b;
