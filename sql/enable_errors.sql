-- Every way enable() and disable() refuse bad input; a refused call leaves
-- the table and tracked_tables as they were.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE TABLE err_base (id int PRIMARY KEY, flag boolean, n int, t text,
                       g int GENERATED ALWAYS AS (n * 2) STORED);
CREATE VIEW err_view AS SELECT * FROM err_base;
CREATE MATERIALIZED VIEW err_matview AS SELECT * FROM err_base;
CREATE SEQUENCE err_seq;
CREATE FOREIGN DATA WRAPPER err_fdw;
CREATE SERVER err_server FOREIGN DATA WRAPPER err_fdw;
CREATE FOREIGN TABLE err_foreign (id int) SERVER err_server;
CREATE TEMP TABLE err_temp (id int);

-- What is not an ordinary or partitioned table.
SELECT audit_softdelete.enable('err_view');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_matview');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_foreign');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_seq');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base_pkey');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('no_such_table');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable(NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable(12345::oid::regclass);
\echo SQLSTATE :SQLSTATE
-- system catalogs, and the extension's own tables
SELECT audit_softdelete.enable('pg_class');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('information_schema.sql_features');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('audit_softdelete.audit_logs');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('audit_softdelete.tracked_tables');
\echo SQLSTATE :SQLSTATE
-- temporary tables are refused
SELECT audit_softdelete.enable('err_temp');
\echo SQLSTATE :SQLSTATE

-- A role that does not own the table.
CREATE ROLE err_other;
SET ROLE err_other;
SELECT audit_softdelete.enable('err_base');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.disable('err_base');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP ROLE err_other;

-- Existing columns of a type that cannot hold the stamp.
CREATE TABLE err_types (id int, created_by boolean, updated_at date);
SELECT audit_softdelete.enable('err_types');
\echo SQLSTATE :SQLSTATE
ALTER TABLE err_types DROP COLUMN created_by;
SELECT audit_softdelete.enable('err_types');
\echo SQLSTATE :SQLSTATE
DROP TABLE err_types;

-- The columns option.
SELECT audit_softdelete.enable('err_base', columns => '["created_by"]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', stamps => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"creator": "t"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": 42}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": ""}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": "flag"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"updated_at": "n"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": "g"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": "xmin"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_by": "who", "updated_by": "who"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('err_base', columns => '{"created_at": "updated_at"}');
\echo SQLSTATE :SQLSTATE

-- None of that changed the table or recorded anything.
SELECT string_agg(attname, ', ' ORDER BY attnum) AS err_base_columns
  FROM pg_attribute WHERE attrelid = 'err_base'::regclass AND attnum > 0;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'err_base'::regclass;
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables;

-- Every role is checked before anything is added: the last role fails,
-- and the three missing columns before it are not added either.
SELECT audit_softdelete.enable('err_base', columns => '{"updated_by": "flag"}');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS err_base_columns FROM pg_attribute
 WHERE attrelid = 'err_base'::regclass AND attnum > 0;

-- The internal writer refuses NULLs like the public functions.
SELECT audit_softdelete._save_table_options('err_base', NULL, true, '{}', true, '{}', '{}', 'off', NULL);
\echo SQLSTATE :SQLSTATE

-- disable() of a table that is not enabled says so and changes nothing.
SELECT audit_softdelete.disable('err_base');
SELECT audit_softdelete.disable('err_view');
\echo SQLSTATE :SQLSTATE

DROP TABLE err_base CASCADE;
DROP TABLE err_temp;
DROP FOREIGN TABLE err_foreign;
DROP SERVER err_server;
DROP FOREIGN DATA WRAPPER err_fdw;
DROP SEQUENCE err_seq;
