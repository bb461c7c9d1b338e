\echo Use "ALTER EXTENSION audit_softdelete UPDATE TO '1.1'" to load this file. \quit

----------------------------------------------------------------------------
-- Migration bookkeeping: the fingerprint of the user's schema
----------------------------------------------------------------------------

-- The user's schema as facts, one line each, and their hash (what is in
-- and what is left out: src/fingerprint.c).  Any role may call both: every
-- fact comes from catalogs every role can read (function sources are
-- public in pg_proc, tracked_tables is granted to PUBLIC), and nothing
-- depends on the caller's privileges.  PARALLEL UNSAFE: they fix the
-- settings that deparsed text depends on while they read.
CREATE FUNCTION audit_softdelete.migration_schema_facts()
RETURNS SETOF text
LANGUAGE C STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_schema_facts';

COMMENT ON FUNCTION audit_softdelete.migration_schema_facts() IS
    'The facts of the user''s schema that migration_schema_fingerprint() hashes, one line each, in the order hashed: diff them to see how two schemas differ.';

CREATE FUNCTION audit_softdelete.migration_schema_fingerprint()
RETURNS text
LANGUAGE C STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_schema_fingerprint';

COMMENT ON FUNCTION audit_softdelete.migration_schema_fingerprint() IS
    'v1:sha256:<hex> of the user''s schema: equal for equal schemas, whatever the order they were made in, and across pg_dump and restore.';
