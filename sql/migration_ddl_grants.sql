-- GRANT, REVOKE, COMMENT and ALTER DEFAULT PRIVILEGES in the DDL log: each
-- is logged (who granted what is worth knowing), a GRANT or REVOKE one row
-- per object it names, with that object's identity; none of them is drift,
-- as none changes the schema fingerprint (which leaves out grants and
-- comments).  In a database of its own: the drift seen here is this test's
-- alone.
\set test_db asd_migration_ddl_grants
\getenv abs_srcdir PG_ABS_SRCDIR
\set own_database :abs_srcdir '/sql/include/own_database.sql'
\i :own_database

CREATE ROLE mdgr_reader;
CREATE SCHEMA mdgr;
CREATE TABLE mdgr.a (id int, secret text);
CREATE TABLE mdgr.b (id int);
CREATE SEQUENCE mdgr.s;
CREATE FUNCTION mdgr.f(i int) RETURNS int LANGUAGE sql AS 'SELECT i';
CREATE PROCEDURE mdgr.p() LANGUAGE sql AS 'SELECT 1';
CREATE DOMAIN mdgr.d AS int;
CREATE TYPE mdgr.e AS ENUM ('x');
CREATE FOREIGN DATA WRAPPER mdgr_fdw;
CREATE SERVER mdgr_server FOREIGN DATA WRAPPER mdgr_fdw;
CREATE SCHEMA mdgr_empty;
SELECT lo_create(424242) AS large_object;
CREATE TEMP TABLE mdgr_tmp (id int);

-- mdgr_new() shows the rows written since it was last called
CREATE FUNCTION mdgr_new()
RETURNS TABLE (command_tag text, object_type text, object_identity text,
               schema_name text)
LANGUAGE plpgsql AS $$
DECLARE
    seen bigint := coalesce(current_setting('mdgr.seen', true), '0')::bigint;
BEGIN
    PERFORM set_config('mdgr.seen', coalesce(max(d.id), seen)::text, false)
       FROM audit_softdelete.migration_ddl d;
    RETURN QUERY
        SELECT d.command_tag, d.object_type, d.object_identity, d.schema_name
          FROM audit_softdelete.migration_ddl d
         WHERE d.id > seen
         ORDER BY d.id;
END
$$;
SELECT count(*) > 0 AS made FROM mdgr_new();

-- one row per object named, of every kind GRANT takes in a database
GRANT SELECT ON mdgr.a, mdgr.b TO mdgr_reader;
GRANT SELECT (id), UPDATE (secret) ON mdgr.a TO mdgr_reader;
GRANT USAGE ON SEQUENCE mdgr.s TO mdgr_reader;
GRANT EXECUTE ON FUNCTION mdgr.f(int) TO mdgr_reader;
GRANT EXECUTE ON PROCEDURE mdgr.p() TO mdgr_reader;
GRANT USAGE ON DOMAIN mdgr.d TO mdgr_reader;
GRANT USAGE ON TYPE mdgr.e TO mdgr_reader;
GRANT USAGE ON SCHEMA mdgr TO mdgr_reader;
GRANT USAGE ON LANGUAGE plpgsql TO mdgr_reader;
GRANT USAGE ON FOREIGN DATA WRAPPER mdgr_fdw TO mdgr_reader;
GRANT USAGE ON FOREIGN SERVER mdgr_server TO mdgr_reader;
GRANT SELECT ON LARGE OBJECT 424242 TO mdgr_reader;
SELECT * FROM mdgr_new();
-- every table, function, sequence of a schema: each one
GRANT SELECT ON ALL TABLES IN SCHEMA mdgr TO mdgr_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA mdgr FROM mdgr_reader;
REVOKE USAGE ON ALL SEQUENCES IN SCHEMA mdgr FROM mdgr_reader;
SELECT * FROM mdgr_new();
-- no object at all: one row, of the kind PostgreSQL names
GRANT SELECT ON ALL TABLES IN SCHEMA mdgr_empty TO mdgr_reader;
SELECT * FROM mdgr_new();
-- a temporary table's grant is not logged, as the table is not
GRANT SELECT ON mdgr_tmp TO mdgr_reader;
SELECT count(*) AS temporary_rows FROM mdgr_new();
-- ALTER DEFAULT PRIVILEGES: PostgreSQL reports the kind of objects only
ALTER DEFAULT PRIVILEGES IN SCHEMA mdgr GRANT SELECT ON TABLES TO mdgr_reader;
-- COMMENT names its object
COMMENT ON TABLE mdgr.a IS 'the a table';
COMMENT ON SCHEMA mdgr IS 'grants';
SELECT * FROM mdgr_new();

----------------------------------------------------------------------------
-- None of them is drift: they leave the schema's fingerprint as it was.
----------------------------------------------------------------------------
SELECT audit_softdelete.migration_baseline('g-0') IS NOT NULL AS baseline;
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
GRANT SELECT ON mdgr.b TO mdgr_reader;
REVOKE SELECT ON mdgr.b FROM mdgr_reader;
GRANT USAGE ON SCHEMA mdgr_empty TO mdgr_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA mdgr REVOKE SELECT ON TABLES FROM mdgr_reader;
COMMENT ON TABLE mdgr.b IS 'the b table';
COMMENT ON COLUMN mdgr.a.secret IS 'hush';
SELECT count(*) AS logged FROM mdgr_new();
SELECT count(*) AS no_drift FROM audit_softdelete.migration_drift();
-- a change of the schema is
ALTER TABLE mdgr.b ADD COLUMN note text;
SELECT kind, command_tag, object_identity FROM audit_softdelete.migration_drift();

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE mdgr_reader;
