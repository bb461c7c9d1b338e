-- enable_schema(): every table of a schema enabled with the same options,
-- as the caller, all or nothing; partitions, extension members and (in
-- view mode) tables without a primary key skipped with a NOTICE.
\set SHOW_CONTEXT never
CREATE SCHEMA "Shop Data";
CREATE TABLE "Shop Data".orders (id int PRIMARY KEY, total int);
CREATE TABLE "Shop Data"."Order Lines" (id int PRIMARY KEY, order_id int);
CREATE TABLE "Shop Data".notes (body text);                       -- no primary key
CREATE TABLE "Shop Data".events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE "Shop Data".events_2026 PARTITION OF "Shop Data".events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE VIEW "Shop Data".a_view AS SELECT 1 AS x;
-- a table that belongs to an extension
CREATE EXTENSION citext;
CREATE TABLE "Shop Data".ext_owned (id int PRIMARY KEY);
ALTER EXTENSION citext ADD TABLE "Shop Data".ext_owned;

SELECT audit_softdelete.enable_schema('Shop Data', soft_delete => 'off');
SELECT t.relid, t.stamps, t.soft_delete, t.audit
  FROM audit_softdelete.tracked_tables t
 WHERE t.relid::oid IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = '"Shop Data"'::regnamespace)
 ORDER BY t.relid::text;
-- the tables are audited and stamped
INSERT INTO "Shop Data"."Order Lines" VALUES (1, 1);
INSERT INTO "Shop Data".events VALUES (1, '2026-05-01');
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE schema_name = 'Shop Data' ORDER BY id;

-- view mode: the table without a primary key is skipped
SELECT audit_softdelete.enable_schema('Shop Data', soft_delete => 'view');
SELECT relname, relkind FROM pg_class
 WHERE relnamespace = '"Shop Data"'::regnamespace AND relkind IN ('r', 'v', 'p')
 ORDER BY relname;

-- all or nothing: a table the caller may not enable stops everything
CREATE SCHEMA es_mixed;
CREATE TABLE es_mixed.a_mine (id int PRIMARY KEY);
CREATE TABLE es_mixed.b_theirs (id int PRIMARY KEY);
CREATE ROLE es_owner;
GRANT CREATE, USAGE ON SCHEMA es_mixed TO es_owner;
ALTER TABLE es_mixed.a_mine OWNER TO es_owner;
SET ROLE es_owner;
SELECT audit_softdelete.enable_schema('es_mixed');
RESET ROLE;
SELECT count(*) AS enabled_in_es_mixed FROM audit_softdelete.tracked_tables
 WHERE relid::text LIKE 'es_mixed.%';

-- a table whose triggers a migration attached by hand is skipped, with
-- a hint; its triggers stay the only ones
CREATE SCHEMA es_hand;
CREATE TABLE es_hand.a_plain (id int PRIMARY KEY);
CREATE TABLE es_hand.b_hand (id int PRIMARY KEY, created_at timestamptz, created_by text,
                             updated_at timestamptz, updated_by text);
CREATE TRIGGER b_hand_stamp BEFORE INSERT OR UPDATE ON es_hand.b_hand
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
SELECT audit_softdelete.enable('es_hand.b_hand', soft_delete => 'off', audit => false,
                               create_triggers => false);
SELECT audit_softdelete.enable_schema('es_hand', soft_delete => 'off');
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgrelid IN ('es_hand.a_plain'::regclass, 'es_hand.b_hand'::regclass)
 ORDER BY 1, 2;

-- refused
\set VERBOSITY terse
SELECT audit_softdelete.enable_schema('no_such_schema');
SELECT audit_softdelete.enable_schema('audit_softdelete');
SELECT audit_softdelete.enable_schema('pg_catalog');
SELECT audit_softdelete.enable_schema(NULL);
\set VERBOSITY default

SELECT audit_softdelete.disable(t.relid) FROM audit_softdelete.tracked_tables t
 WHERE t.relid::text LIKE '"Shop Data".%' OR t.relid::text LIKE 'es_mixed.%';
ALTER EXTENSION citext DROP TABLE "Shop Data".ext_owned;
DROP EXTENSION citext;
DROP SCHEMA "Shop Data" CASCADE;
DROP SCHEMA es_mixed CASCADE;
SELECT audit_softdelete.disable_schema('es_hand', disable_tables => true);
DROP SCHEMA es_hand CASCADE;
DROP ROLE es_owner;
