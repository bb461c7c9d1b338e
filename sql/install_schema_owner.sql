-- The extension's schema must belong to the role that installs the
-- extension, or to a superuser.  CREATE EXTENSION uses a schema
-- audit_softdelete that already exists, whoever owns it, and its owner may
-- create objects there: a function or table the extension finds by name
-- and uses with the extension owner's rights (a superuser's).  The 1.1
-- script refuses to install or update into such a schema; the library
-- refuses to act as the extension owner while the schema is someone
-- else's (a 1.0 install, which the library keeps serving until the
-- update).  In a database of its own.
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
CREATE ROLE iso_installer SUPERUSER;
CREATE ROLE iso_dbowner;
CREATE DATABASE asd_install_schema_owner OWNER iso_dbowner;
\c asd_install_schema_owner
-- the database's owner makes the schema before the extension is installed
SET ROLE iso_dbowner;
CREATE SCHEMA audit_softdelete;
RESET ROLE;

SET ROLE iso_installer;
\set VERBOSITY default
CREATE EXTENSION audit_softdelete;
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'audit_softdelete';
SELECT count(*) AS objects FROM pg_class WHERE relnamespace = 'audit_softdelete'::regnamespace;

-- 1.0 has no such check: installed, the library refuses to act for it
CREATE EXTENSION audit_softdelete VERSION '1.0';
CREATE TABLE public.iso_t (id int PRIMARY KEY);
\set VERBOSITY default
SELECT audit_softdelete.enable('public.iso_t');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
RESET ROLE;

-- The schema's owner plants what the 1.1 library looks for by name in a
-- 1.0 install: tracked_schemas and the function that enables the tables
-- created in them, which the event trigger runs as the extension owner.
SET ROLE iso_dbowner;
CREATE FUNCTION audit_softdelete._enable_created_tables() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE iso_dbowner SUPERUSER';
    END IF;
END $$;
CREATE TABLE audit_softdelete.tracked_schemas (nspid oid);
\echo SQLSTATE :SQLSTATE
CREATE TABLE public.iso_other (id int);
RESET ROLE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'iso_dbowner';
SELECT count(*) AS planted_table FROM pg_class
 WHERE relnamespace = 'audit_softdelete'::regnamespace AND relname = 'tracked_schemas';

-- the update is refused too, until the schema is given back
SET ROLE iso_installer;
ALTER EXTENSION audit_softdelete UPDATE;
\echo SQLSTATE :SQLSTATE
ALTER SCHEMA audit_softdelete OWNER TO CURRENT_USER;
DROP FUNCTION audit_softdelete._enable_created_tables();
ALTER EXTENSION audit_softdelete UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'audit_softdelete';
SELECT audit_softdelete.enable('public.iso_t');
INSERT INTO public.iso_t VALUES (1);
SELECT action, row_pk FROM audit_softdelete.audit_logs ORDER BY id;

-- A schema that lets another role create objects in it is refused the
-- same way, whether the grant names a role or PUBLIC.  The extension's own
-- event triggers refuse the GRANT itself: they act as the extension owner
-- after it.
\set VERBOSITY default
GRANT CREATE ON SCHEMA audit_softdelete TO iso_dbowner;
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
-- USAGE alone, and CREATE for a superuser, are no hole
GRANT USAGE ON SCHEMA audit_softdelete TO iso_dbowner;
CREATE ROLE iso_other_super SUPERUSER;
GRANT CREATE ON SCHEMA audit_softdelete TO iso_other_super;
INSERT INTO public.iso_t VALUES (2);
SELECT action, row_pk FROM audit_softdelete.audit_logs ORDER BY id;
REVOKE ALL ON SCHEMA audit_softdelete FROM iso_dbowner, iso_other_super;
-- A schema that granted it before the extension came: the install is
-- refused; under 1.0, which has no such check and which the library
-- serves until the update, every act as the extension owner is refused
-- (an audited write too) until the grant is revoked.
SET client_min_messages = warning;
DROP EXTENSION audit_softdelete CASCADE;
RESET client_min_messages;
GRANT CREATE ON SCHEMA audit_softdelete TO PUBLIC;
\set VERBOSITY default
CREATE EXTENSION audit_softdelete;
\echo SQLSTATE :SQLSTATE
CREATE EXTENSION audit_softdelete VERSION '1.0';
SELECT audit_softdelete.enable('public.iso_t');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
REVOKE CREATE ON SCHEMA audit_softdelete FROM PUBLIC;
SELECT audit_softdelete.enable('public.iso_t');
GRANT CREATE ON SCHEMA audit_softdelete TO PUBLIC;
INSERT INTO public.iso_t VALUES (3);
\echo SQLSTATE :SQLSTATE
REVOKE CREATE ON SCHEMA audit_softdelete FROM PUBLIC;
INSERT INTO public.iso_t VALUES (4);
ALTER EXTENSION audit_softdelete UPDATE;
SELECT action, row_pk FROM audit_softdelete.audit_logs ORDER BY id;
RESET ROLE;

\c :regress_db
DROP DATABASE asd_install_schema_owner;
DROP ROLE iso_installer, iso_dbowner, iso_other_super;
