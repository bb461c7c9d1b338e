\echo Use "ALTER EXTENSION audit_softdelete UPDATE TO '1.1'" to load this file. \quit

----------------------------------------------------------------------------
-- Migration bookkeeping
----------------------------------------------------------------------------

CREATE FUNCTION audit_softdelete.migration_checksum(script text)
RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_checksum';

COMMENT ON FUNCTION audit_softdelete.migration_checksum(text) IS
    'v1:sha256:<hex> of a migration script, normalised for line ends, trailing whitespace, trailing blank lines and a BOM.';
