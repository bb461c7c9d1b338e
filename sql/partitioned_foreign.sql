-- Foreign tables among the partitions of an enabled table.  Their rows are
-- audited through the row triggers PostgreSQL clones to them, and those
-- triggers are guarded like any partition's (ALTER FOREIGN TABLE too).
-- Soft delete cannot cover them: a DELETE of a row a foreign server stores
-- cannot become the UPDATE that marks it, and PostgreSQL allows no TRUNCATE
-- trigger on a foreign table to refuse TRUNCATE.  So soft delete is refused
-- on a table with a foreign partition, and a foreign partition on a table
-- with soft delete.
\set SHOW_CONTEXT never
CREATE FOREIGN DATA WRAPPER pf_fdw;
CREATE SERVER pf_server FOREIGN DATA WRAPPER pf_fdw;
CREATE VIEW pf_triggers AS
SELECT tgrelid::regclass AS rel, tgname, tgenabled
  FROM pg_trigger
 WHERE tgrelid::regclass::text LIKE 'pf\_%' AND NOT tgisinternal
 ORDER BY 1, 2;

CREATE TABLE pf_audited (id int, region text) PARTITION BY LIST (region);
CREATE TABLE pf_audited_eu PARTITION OF pf_audited FOR VALUES IN ('eu');
CREATE FOREIGN TABLE pf_audited_us PARTITION OF pf_audited FOR VALUES IN ('us') SERVER pf_server;
SELECT audit_softdelete.enable('pf_audited', stamps => false, soft_delete => 'off');
SELECT * FROM pf_triggers WHERE rel = 'pf_audited_us'::regclass;

-- The guard covers ALTER FOREIGN TABLE, before the command and after it.
ALTER FOREIGN TABLE pf_audited_us DISABLE TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER FOREIGN TABLE pf_audited_us DISABLE TRIGGER ALL;
\echo SQLSTATE :SQLSTATE
ALTER FOREIGN TABLE pf_audited_us ENABLE REPLICA TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER EVENT TRIGGER audit_softdelete_guard_triggers DISABLE;
ALTER FOREIGN TABLE pf_audited_us DISABLE TRIGGER audit_softdelete_audit;
\echo SQLSTATE :SQLSTATE
ALTER EVENT TRIGGER audit_softdelete_guard_triggers ENABLE ALWAYS;
SELECT * FROM pf_triggers WHERE rel = 'pf_audited_us'::regclass;

-- Soft delete is refused on it, in either mode.
\set VERBOSITY default
SELECT audit_softdelete.enable('pf_audited', stamps => false);
\set VERBOSITY terse
SELECT audit_softdelete.enable('pf_audited', stamps => false, soft_delete => 'view');
SELECT soft_delete FROM audit_softdelete.tracked_tables WHERE relid = 'pf_audited'::regclass;

-- A table with soft delete takes no foreign partition later: created as
-- one, attached, or under one of its partitions.
CREATE TABLE pf_soft (id int, region text) PARTITION BY LIST (region);
CREATE TABLE pf_soft_eu PARTITION OF pf_soft FOR VALUES IN ('eu');
CREATE TABLE pf_soft_ap PARTITION OF pf_soft FOR VALUES IN ('ap') PARTITION BY LIST (id);
SELECT audit_softdelete.enable('pf_soft', stamps => false);
\set VERBOSITY default
CREATE FOREIGN TABLE pf_soft_us PARTITION OF pf_soft FOR VALUES IN ('us') SERVER pf_server;
\set VERBOSITY terse
CREATE FOREIGN TABLE pf_loose (id int, region text, deleted_at timestamptz, deleted_by text)
    SERVER pf_server;
ALTER TABLE pf_soft ATTACH PARTITION pf_loose FOR VALUES IN ('ca');
CREATE FOREIGN TABLE pf_soft_ap_1 PARTITION OF pf_soft_ap FOR VALUES IN (1) SERVER pf_server;
SELECT p.relid, c.relkind FROM pg_partition_tree('pf_soft') p JOIN pg_class c ON c.oid = p.relid
 ORDER BY p.relid::text;
-- with soft delete off, it may
SELECT audit_softdelete.enable('pf_soft', stamps => false, soft_delete => 'off');
ALTER TABLE pf_soft ATTACH PARTITION pf_loose FOR VALUES IN ('ca');
SELECT * FROM pf_triggers WHERE rel = 'pf_loose'::regclass;

-- Should one get there all the same (here with that event trigger switched
-- off), deleting its rows fails clearly.  A foreign table of this database
-- through postgres_fdw, for the DELETE to reach the trigger.
\getenv pf_host PGHOST
\getenv pf_port PGPORT
CREATE EXTENSION postgres_fdw;
CREATE SERVER pf_loop FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'pf_host', port :'pf_port', dbname :'DBNAME');
CREATE USER MAPPING FOR CURRENT_USER SERVER pf_loop;
CREATE TABLE pf_remote (id int, region text, deleted_at timestamptz, deleted_by text);
CREATE TABLE pf_hidden (id int, region text) PARTITION BY LIST (region);
SELECT audit_softdelete.enable('pf_hidden', stamps => false, audit => false);
ALTER EVENT TRIGGER audit_softdelete_table_ddl_end DISABLE;
CREATE FOREIGN TABLE pf_hidden_us PARTITION OF pf_hidden FOR VALUES IN ('us')
    SERVER pf_loop OPTIONS (table_name 'pf_remote');
ALTER EVENT TRIGGER audit_softdelete_table_ddl_end ENABLE;
INSERT INTO pf_hidden (id, region) VALUES (1, 'us');
\set VERBOSITY default
DELETE FROM pf_hidden WHERE id = 1;
\set VERBOSITY terse
SELECT id, deleted_at IS NULL AS live FROM pf_remote;

DROP TABLE pf_audited, pf_soft, pf_hidden, pf_remote;
DROP VIEW pf_triggers;
DROP SERVER pf_server;
DROP FOREIGN DATA WRAPPER pf_fdw;
DROP EXTENSION postgres_fdw CASCADE;
