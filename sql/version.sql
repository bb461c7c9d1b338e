-- version(): the loaded library's version and the installed SQL's.
-- The library's is compiled from the control file's default_version.
SELECT v.library = a.default_version AS library_is_default_version,
       v.installed = e.extversion AS installed_is_extversion,
       v.library = v.installed AS up_to_date
  FROM audit_softdelete.version() v,
       pg_available_extensions a, pg_extension e
 WHERE a.name = 'audit_softdelete' AND e.extname = 'audit_softdelete';

-- callable by any role, as it reveals nothing a role cannot read in
-- pg_extension
CREATE ROLE version_reader;
SET ROLE version_reader;
SELECT count(*) FROM audit_softdelete.version() WHERE library IS NOT NULL;
RESET ROLE;
DROP ROLE version_reader;
