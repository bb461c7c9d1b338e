-- enable_schema(..., include_future => true): the tables created later in
-- the schema are enabled with the same options, as the role that created
-- them; disable_schema() stops that and, with disable_tables, disables the
-- schema's tables.  Refusals, and all or nothing.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE ROLE esf_creator;
CREATE ROLE esf_other;
CREATE SCHEMA esf_shop;
GRANT CREATE, USAGE ON SCHEMA esf_shop TO esf_creator;
CREATE TABLE esf_shop.existing (id int PRIMARY KEY);
SELECT audit_softdelete.enable_schema('esf_shop', soft_delete => 'off',
                                      columns => '{"created_by": "author"}',
                                      include_future => true);
SELECT nspid, stamps, soft_delete, audit, columns, exclude_columns, redact_columns, enabled_by
  FROM audit_softdelete.tracked_schemas;

-- every way of creating a table, by a role that owns only what it creates
SET ROLE esf_creator;
CREATE TABLE esf_shop.orders (id int PRIMARY KEY, total int);
CREATE TABLE esf_shop.copied AS SELECT 1 AS id;
SELECT 1 AS id INTO esf_shop.selected;
CREATE TABLE esf_shop.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
-- a partition goes with its partitioned table, silently
CREATE TABLE esf_shop.events_2026 PARTITION OF esf_shop.events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE IF NOT EXISTS esf_shop.orders (id int);
-- not tables of the schema: left alone
CREATE TEMP TABLE esf_temp (id int);
CREATE VIEW esf_shop.a_view AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW esf_shop.a_matview AS SELECT 1 AS x;
RESET ROLE;
SELECT t.relid, t.stamps, t.soft_delete, t.audit, t.columns ->> 'created_by' AS created_by,
       t.enabled_by
  FROM audit_softdelete.tracked_tables t
 WHERE t.relid::text LIKE 'esf\_%' ORDER BY t.relid::text;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'esf_shop.events_2026'::regclass ORDER BY 1;
-- the new tables are stamped and audited
SET ROLE esf_creator;
INSERT INTO esf_shop.orders VALUES (1, 10);
INSERT INTO esf_shop.events VALUES (1, '2026-05-01');
RESET ROLE;
SELECT author FROM esf_shop.orders;
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE schema_name = 'esf_shop' ORDER BY id;

-- a table made LIKE the partitioned table, then attached (how partition
-- managers make partitions): it was enabled when created, so the ATTACH is
-- refused with the reason and what to do, rather than with PostgreSQL's
-- "trigger already exists"; disabled first, it attaches, and its rows are
-- then recorded through the partitioned table
SET ROLE esf_creator;
CREATE TABLE esf_shop.events_2027 (LIKE esf_shop.events INCLUDING ALL);
ALTER TABLE esf_shop.events ATTACH PARTITION esf_shop.events_2027
    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('esf_shop.events_2027');
ALTER TABLE esf_shop.events ATTACH PARTITION esf_shop.events_2027
    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
INSERT INTO esf_shop.events VALUES (2, '2027-05-01');
RESET ROLE;
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE schema_name = 'esf_shop' AND table_name LIKE 'events%' ORDER BY id;
SELECT problems FROM audit_softdelete.table_status('esf_shop.events');

-- skipped with a NOTICE: a foreign table, a partition whose partitioned
-- table (in another schema) is not enabled
CREATE FOREIGN DATA WRAPPER esf_fdw;
CREATE SERVER esf_server FOREIGN DATA WRAPPER esf_fdw;
CREATE FOREIGN TABLE esf_shop.remote (id int) SERVER esf_server;
CREATE TABLE public.esf_log (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE esf_shop.esf_log_2026 PARTITION OF public.esf_log
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
SELECT count(*) AS not_enabled FROM audit_softdelete.tracked_tables
 WHERE relid IN ('esf_shop.remote'::regclass, 'esf_shop.esf_log_2026'::regclass);

-- a table enable() refuses fails its CREATE TABLE, with the reason, never
-- silently unaudited
SELECT audit_softdelete.enable_schema('esf_shop', soft_delete => 'view', include_future => true);
CREATE TABLE esf_shop.notes (body text);
\echo SQLSTATE :SQLSTATE
SELECT to_regclass('esf_shop.notes') AS notes;
-- the options are the same for every table: a new table without a column
-- exclude_columns names is refused
CREATE SCHEMA esf_secret;
SELECT audit_softdelete.enable_schema('esf_secret', exclude_columns => '{secret}', include_future => true);
CREATE TABLE esf_secret.accounts (id int PRIMARY KEY, secret text);
SELECT relid, exclude_columns FROM audit_softdelete.tracked_tables
 WHERE relid = 'esf_secret.accounts'::regclass;
CREATE TABLE esf_secret.lines (id int PRIMARY KEY);
\echo SQLSTATE :SQLSTATE
SELECT to_regclass('esf_secret.lines') AS lines;
DROP SCHEMA esf_secret CASCADE;

-- the schema is followed through a rename
ALTER SCHEMA esf_shop RENAME TO "esf Shop";
SELECT nspid FROM audit_softdelete.tracked_schemas;
CREATE TABLE "esf Shop".renamed (id int PRIMARY KEY);
SELECT relid, soft_delete FROM audit_softdelete.tracked_tables WHERE relid::text LIKE '"esf Shop".renamed%';
ALTER SCHEMA "esf Shop" RENAME TO esf_shop;

-- enable_schema() without include_future leaves the registration as it is
SELECT audit_softdelete.enable_schema('esf_shop', soft_delete => 'off');
SELECT nspid, soft_delete FROM audit_softdelete.tracked_schemas;

-- refused: who may decide for the schema's future tables, and bad input;
-- each refusal leaves tracked_schemas and tracked_tables as they were
CREATE SCHEMA esf_theirs;
GRANT CREATE, USAGE ON SCHEMA esf_theirs TO esf_other;
SET ROLE esf_other;
CREATE TABLE esf_theirs.mine (id int PRIMARY KEY);
SELECT audit_softdelete.enable_schema('esf_theirs', include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable_schema('esf_shop');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
\set VERBOSITY terse
SELECT audit_softdelete.enable_schema('esf_theirs', include_future => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable_schema('esf_theirs', stamps => NULL, include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable_schema('esf_theirs', columns => NULL, include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable_schema('esf_theirs', redact_columns => '{NULL}', include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable_schema('esf_theirs', soft_delete => 'sometimes', include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable_schema(NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable_schema('no_such_schema');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable_schema('esf_shop', disable_tables => NULL);
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
-- all or nothing: a table enable() refuses leaves no registration either
SELECT audit_softdelete.enable_schema('esf_theirs', exclude_columns => '{secret}', include_future => true);
\echo SQLSTATE :SQLSTATE
SELECT nspid FROM audit_softdelete.tracked_schemas ORDER BY 1;
SELECT count(*) AS enabled_in_esf_theirs FROM audit_softdelete.tracked_tables
 WHERE relid::text LIKE 'esf_theirs.%';

-- disable_schema(): new tables are no longer enabled
SELECT audit_softdelete.disable_schema('esf_shop');
CREATE TABLE esf_shop.later (id int PRIMARY KEY);
SELECT count(*) AS later_enabled FROM audit_softdelete.tracked_tables
 WHERE relid = 'esf_shop.later'::regclass;
SELECT audit_softdelete.disable_schema('esf_shop');

-- disable_tables: every enabled table of the schema, all or nothing: the
-- schema's owner, who does not own every table, disables none
CREATE SCHEMA esf_mixed AUTHORIZATION esf_creator;
GRANT CREATE, USAGE ON SCHEMA esf_mixed TO esf_other;
CREATE TABLE esf_mixed.a_mine (id int PRIMARY KEY);
ALTER TABLE esf_mixed.a_mine OWNER TO esf_creator;
CREATE TABLE esf_mixed.b_theirs (id int PRIMARY KEY);
ALTER TABLE esf_mixed.b_theirs OWNER TO esf_other;
SELECT audit_softdelete.enable_schema('esf_mixed', soft_delete => 'off', include_future => true);
SET ROLE esf_creator;
SELECT audit_softdelete.disable_schema('esf_mixed', disable_tables => true);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT relid, enabled FROM audit_softdelete.tracked_tables
 WHERE relid::text LIKE 'esf\_mixed.%' ORDER BY 1::text;
SELECT nspid FROM audit_softdelete.tracked_schemas;
SELECT audit_softdelete.disable_schema('esf_mixed', disable_tables => true);
SELECT relid, enabled FROM audit_softdelete.tracked_tables
 WHERE relid::text LIKE 'esf\_mixed.%' ORDER BY 1::text;
SELECT count(*) AS tracked_schemas FROM audit_softdelete.tracked_schemas;
DROP SCHEMA esf_mixed CASCADE;

-- a dropped schema leaves tracked_schemas
SELECT audit_softdelete.enable_schema('esf_theirs', soft_delete => 'off', include_future => true);
DROP SCHEMA esf_theirs CASCADE;
SELECT count(*) AS tracked_schemas FROM audit_softdelete.tracked_schemas;

DROP SCHEMA esf_shop CASCADE;
DROP TABLE esf_temp;
DROP TABLE public.esf_log;
DROP SERVER esf_server;
DROP FOREIGN DATA WRAPPER esf_fdw;
DROP ROLE esf_creator;
DROP ROLE esf_other;
