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
