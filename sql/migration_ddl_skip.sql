-- The DDL log skips a restore's DDL, and nothing else: it records nothing
-- while check_function_bodies is off (as pg_dump's output and pg_restore
-- set it) only for a superuser, the only role that can restore a dump of
-- the extension.  An ordinary role turning it off is logged as ever.
\set SHOW_CONTEXT never

CREATE ROLE mds_user;
GRANT CREATE ON SCHEMA public TO mds_user;
-- a function a superuser lets ordinary roles call to run DDL as it
CREATE FUNCTION mds_definer_ddl() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    CREATE TABLE mds_by_definer (id int);
END
$$;

SET SESSION AUTHORIZATION mds_user;
SET check_function_bodies = off;
CREATE TABLE mds_hidden (id int PRIMARY KEY);
CREATE FUNCTION mds_unchecked() RETURNS int LANGUAGE sql AS 'SELECT nonsense';
-- enable(), which runs its DDL as the caller
SELECT audit_softdelete.enable('mds_hidden', audit => false);
-- a superuser's SECURITY DEFINER function: the role running it is still
-- this one
SELECT mds_definer_ddl();
SELECT audit_softdelete.disable('mds_hidden');
DROP TABLE mds_hidden;
DROP FUNCTION mds_unchecked();
RESET check_function_bodies;
RESET SESSION AUTHORIZATION;
DROP TABLE mds_by_definer;

SELECT event, command_tag, object_identity, by_extension
  FROM audit_softdelete.migration_ddl
 WHERE object_identity ~ '^public\.mds_(hidden|by_definer|unchecked)'
   AND object_type IN ('table', 'function') AND db_user = 'mds_user'
 GROUP BY event, command_tag, object_identity, by_extension
 ORDER BY min(id);

-- A superuser with check_function_bodies off is not logged: what a restore
-- needs.  The schema fingerprint still sees the change.
SELECT audit_softdelete.migration_schema_fingerprint() AS fp_before \gset
SET check_function_bodies = off;
CREATE TABLE mds_superuser (id int);
RESET check_function_bodies;
SELECT count(*) AS superuser_logged FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.mds_superuser';
SELECT audit_softdelete.migration_schema_fingerprint() <> :'fp_before' AS fingerprint_changed;
-- with it on again, logged
DROP TABLE mds_superuser;
SELECT event, command_tag, object_identity FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.mds_superuser';

DROP FUNCTION mds_definer_ddl();
REVOKE CREATE ON SCHEMA public FROM mds_user;
DROP ROLE mds_user;
