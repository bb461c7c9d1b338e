\echo Use "ALTER EXTENSION audit_softdelete UPDATE TO '1.1'" to load this file. \quit

----------------------------------------------------------------------------
-- The extension's schema is its installer's
--
-- CREATE EXTENSION puts the extension into a schema audit_softdelete that
-- already exists, whoever owns it.  Its owner may create functions and
-- tables there, next to the extension's: an overload the extension's own
-- calls would pick, running as the extension owner, or a table that code
-- looking for the extension's tables by name would find.  So the schema
-- must belong to the role installing or updating the extension, or to a
-- superuser.  First, before anything here runs in that schema.
----------------------------------------------------------------------------

DO $$
DECLARE
    owner_ oid;
BEGIN
    SELECT n.nspowner INTO owner_
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) 'audit_softdelete';
    IF owner_ OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r
                                        WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
       AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
                 WHERE r.oid OPERATOR(pg_catalog.=) owner_) THEN
        RAISE EXCEPTION 'schema "audit_softdelete" is owned by role "%"',
                (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) owner_)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The extension''s schema must belong to the role installing or updating it, or to a superuser: its owner could add objects the extension would use.',
                  HINT = 'Drop the schema first if it holds nothing else, or give it to the installing role: ALTER SCHEMA audit_softdelete OWNER TO CURRENT_USER;';
    END IF;
END
$$;

----------------------------------------------------------------------------
-- The audit trail's indexes (1.1)
--
-- Each index costs every audited write an insertion, so each question gets
-- the cheapest index that answers it, and no index answers nothing:
--   * the primary key on id is gone: ids come from audit_logs_id_seq, unique
--     by construction, and the key's index cost every audited write about
--     8k instructions and 67 bytes of WAL while serving only lookups by id,
--     which the BRIN below answers;
--   * a row's history: (table_id, row_pk_hash, id), so that the index gives
--     the row's audit rows in id order (no sort for a hot row);
--   * a transaction, a time, an id: one BRIN over (logged_at, txid, id), all
--     three arriving in nearly insertion order;
--   * what one actor did since a time: the same BRIN, with a bloom filter of
--     the actors of each block range, which skips the ranges an actor wrote
--     nothing in (a batch, a user's session write rows close together).  A
--     b-tree on (actor, logged_at) cost every audited write 12k-15k
--     instructions, more than the primary key it would replace; the bloom
--     filter costs a write nothing until its range is summarised.  Its size
--     is fixed: 931 distinct actors a range at 1% false positives (1.1 kB),
--     what the default (-0.1 of the rows a range can hold) gives at 32
--     pages.  Sized by the pages_per_range option instead, from 234 it was
--     larger than a page, and every audited write that summarised a range
--     failed.
-- The writer (src/audit_write.c) summarises each BRIN range once the table
-- has grown past it, so that the newest rows are found without waiting for
-- VACUUM.
----------------------------------------------------------------------------

-- A foreign key of the user's onto audit_logs(id) needs the key: say so,
-- rather than fail in the DROP below with a hint to CASCADE it away.
DO $$
DECLARE
    refs text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%I on %s', c.conname, c.conrelid::regclass),
                                 ', ' ORDER BY c.conname)
      INTO refs
      FROM pg_catalog.pg_constraint c
     WHERE c.contype OPERATOR(pg_catalog.=) 'f'
       AND c.confrelid OPERATOR(pg_catalog.=) 'audit_softdelete.audit_logs'::pg_catalog.regclass;
    IF refs IS NOT NULL THEN
        RAISE EXCEPTION 'cannot update extension audit_softdelete to 1.1: foreign keys reference audit_softdelete.audit_logs'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = pg_catalog.format('Version 1.1 drops the primary key of audit_logs, which these constraints need: %s.', refs),
                  HINT = 'Drop these foreign key constraints (audit ids stay unique, from audit_logs_id_seq), then update again.';
    END IF;
END
$$;

-- Without a key, DELETE from a table in a FOR ALL TABLES publication needs
-- a replica identity: FULL (the whole old row, written to WAL only under
-- wal_level = logical).  soft_delete_cascades never had a key; the drops
-- below make the extension's sql_drop trigger delete from it.
ALTER TABLE audit_softdelete.soft_delete_cascades REPLICA IDENTITY FULL;
ALTER TABLE audit_softdelete.audit_logs REPLICA IDENTITY FULL;

ALTER TABLE audit_softdelete.audit_logs DROP CONSTRAINT audit_logs_pkey;

DROP INDEX audit_softdelete.audit_logs_row_idx;
CREATE INDEX audit_logs_row_idx ON audit_softdelete.audit_logs
    (table_id, row_pk_hash, id);

DROP INDEX audit_softdelete.audit_logs_time_idx;
CREATE INDEX audit_logs_time_idx ON audit_softdelete.audit_logs
    USING brin (logged_at, txid audit_softdelete.xid8_minmax_ops, id,
                actor pg_catalog.text_bloom_ops (n_distinct_per_range = 931))
    WITH (pages_per_range = 32);

-- As in 1.0: the range the next rows go to is left unsummarised, so that
-- inserting there costs nothing; the writer summarises it once it is full.
SELECT pg_catalog.brin_desummarize_range('audit_softdelete.audit_logs_time_idx',
    GREATEST(pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
              / pg_catalog.current_setting('block_size')::bigint - 1, 0));


-- When each row's transaction began: now() in it, the time the stamp
-- columns carry.  With it (and actor) an audit row implies the new stamps,
-- and leaves them out of new_values and changed_columns (a one-column
-- UPDATE's row: 378 to 303 bytes; src/implied_stamps.c).  NULL in rows
-- written before 1.1, which keep their stamps.  Added without a default
-- first, so that those rows are not given the upgrade's time.
ALTER TABLE audit_softdelete.audit_logs ADD COLUMN xact_start timestamptz;
ALTER TABLE audit_softdelete.audit_logs
    ALTER COLUMN xact_start SET DEFAULT pg_catalog.transaction_timestamp();
COMMENT ON COLUMN audit_softdelete.audit_logs.xact_start IS
    'When the transaction began (now()): the new created_at/updated_at that new_values leaves out; NULL before 1.1.';

-- A search of a span of time is planned from logged_at's histogram.  With
-- the default 100 buckets, one bucket of a 10M-row log spans a whole burst
-- of writes, so a quiet minute after one was estimated at 88,000 rows
-- instead of 1,700: the planner chose a parallel plan, whose workers took
-- 160 ms to start where the scan took 3 ms.  1,000 buckets estimated it at
-- 8,800 and chose the plain scan (9 ms).  ANALYZE then samples 300,000
-- rows instead of 30,000: 10.5 s instead of 1.0 s for 10M rows
-- (docs/BENCHMARKS.md, "Reads at 10M rows").
ALTER TABLE audit_softdelete.audit_logs ALTER COLUMN logged_at SET STATISTICS 1000;

----------------------------------------------------------------------------
-- Reading the trail (1.1)
----------------------------------------------------------------------------

-- The audit rows of a table (by its table_id: through renames, for its
-- partitions and its live view too), a span of time [since, until) and an
-- actor; any of them NULL: not filtered on.  As the caller: reading needs
-- SELECT on audit_logs (src/history.c).  Without JIT: a span of the
-- newest rows is costed by what the whole busy period holds, and compiling
-- the plan took longer than reading the span (docs/BENCHMARKS.md).
CREATE FUNCTION audit_softdelete.changes(tbl regclass DEFAULT NULL,
                                         since timestamptz DEFAULT NULL,
                                         until timestamptz DEFAULT NULL,
                                         actor text DEFAULT NULL)
RETURNS SETOF audit_softdelete.audit_logs
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_changes';

COMMENT ON FUNCTION audit_softdelete.changes(regclass, timestamptz, timestamptz, text) IS
    'The audit rows of a table, a span of time and an actor (each optional), oldest first.';

-- Every table of a schema at once (issue 15)
-- ------------------------------------------

-- The schemas whose tables created later are enabled too, and with which
-- options (enable_schema(..., include_future => true)); written only by
-- enable_schema() and disable_schema(), as the extension owner.  The schema
-- is a regnamespace, like tracked_tables.relid a regclass: it follows a
-- RENAME of the schema (a name would silently stop matching, and a new
-- schema of the old name would start to), and pg_dump writes it as the
-- schema's name, which the restore turns into the new schema's OID.  A
-- dropped schema's row goes with it (_forget_dropped_tables).
CREATE TABLE audit_softdelete.tracked_schemas (
    nspid           regnamespace PRIMARY KEY,
    stamps          boolean NOT NULL,
    soft_delete     text NOT NULL CHECK (soft_delete IN ('trigger', 'view', 'off')),
    audit           boolean NOT NULL,
    columns         jsonb NOT NULL,
    exclude_columns text[] NOT NULL,
    redact_columns  text[] NOT NULL,
    enabled_by      text NOT NULL,
    enabled_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE audit_softdelete.tracked_schemas IS
    'Schemas whose new tables are enabled when created, with these options; written only by enable_schema() and disable_schema().';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.tracked_schemas', '');
REVOKE ALL ON audit_softdelete.tracked_schemas FROM PUBLIC;
GRANT SELECT ON audit_softdelete.tracked_schemas TO PUBLIC;

-- Each runs its body, _enable_schema() or _disable_schema(), as the
-- extension owner on behalf of the calling role, as enable() does
-- (src/internal.c); the bodies call _enable() and _disable(), which check
-- that role's rights on each table.
CREATE FUNCTION audit_softdelete.enable_schema(
    schema_name     name,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}',
    include_future  boolean DEFAULT false)
RETURNS integer
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.enable_schema(name, boolean, text, boolean, jsonb, text[], text[], boolean) IS
    'Enable every ordinary and partitioned table of a schema with the same options, all or nothing; with include_future, the tables created in it later too.';

CREATE FUNCTION audit_softdelete.disable_schema(schema_name name,
                                                disable_tables boolean DEFAULT false)
RETURNS integer
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.disable_schema(name, boolean) IS
    'Stop enabling the tables created later in a schema; with disable_tables, disable its enabled tables too, all or nothing.';

-- The schema's OID, refused when it is missing.
-- internal: called by _enable_schema() and _disable_schema()
CREATE FUNCTION audit_softdelete._schema_oid(schema_name name)
RETURNS oid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nsp oid;
BEGIN
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'schema_name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    nsp := (SELECT n.oid FROM pg_namespace n WHERE n.nspname = schema_name);
    IF nsp IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = 'invalid_schema_name';
    END IF;
    RETURN nsp;
END
$$;

-- Whether the calling role may change which of the schema's future tables
-- are enabled: it owns the schema (a member of its owner).  Enabling the
-- tables others create in it is the schema owner's decision.
-- internal: called by _enable_schema() and _disable_schema()
CREATE FUNCTION audit_softdelete._check_schema_owner(nsp oid)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(audit_softdelete._caller(),
                       (SELECT n.nspowner FROM pg_namespace n WHERE n.oid = nsp), 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of schema %', nsp::regnamespace
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only the schema''s owner decides whether the tables created in it are enabled.';
    END IF;
END
$$;

-- The body of enable_schema(), run like _enable().  All or nothing: an
-- error in any _enable() leaves every table as it was.  Skipped, each with
-- a NOTICE: partitions (their partitioned table is enabled, and they with
-- it), foreign tables, tables that belong to an extension, tables with
-- triggers of their own calling the extension's trigger functions (attached
-- by hand: enable() would add its own), and, in view mode, tables without
-- a primary key (the live view finds rows by it).  Over more than 100 tables, a NOTICE after every 100th says how far it
-- got.  Returns how many tables it enabled.
-- internal: called by asd_call_internal() in src/internal.c, as enable_schema()
CREATE FUNCTION audit_softdelete._enable_schema(
    schema_name     name,
    stamps          boolean,
    soft_delete     text,
    audit           boolean,
    columns         jsonb,
    exclude_columns text[],
    redact_columns  text[],
    include_future  boolean)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nsp     oid := audit_softdelete._schema_oid(schema_name);
    t       record;
    total   integer;
    done    integer := 0;
    enabled integer := 0;
    skipped integer := 0;
BEGIN
    IF schema_name = 'audit_softdelete' OR schema_name LIKE 'pg\_%' OR schema_name = 'information_schema' THEN
        RAISE EXCEPTION 'cannot enable the tables of schema "%"', schema_name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'It belongs to the extension or to the system.';
    END IF;
    IF include_future IS NULL THEN
        RAISE EXCEPTION 'include_future must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF include_future THEN
        PERFORM audit_softdelete._check_schema_owner(nsp);
        -- the options are stored now and used later: checked now as
        -- _enable() checks them (the columns each table must have, later)
        IF stamps IS NULL OR audit IS NULL OR soft_delete IS NULL OR columns IS NULL
           OR exclude_columns IS NULL OR redact_columns IS NULL THEN
            RAISE EXCEPTION '% must not be null',
                    CASE WHEN stamps IS NULL THEN 'stamps'
                         WHEN soft_delete IS NULL THEN 'soft_delete'
                         WHEN audit IS NULL THEN 'audit'
                         WHEN columns IS NULL THEN 'columns'
                         WHEN exclude_columns IS NULL THEN 'exclude_columns'
                         ELSE 'redact_columns' END
                USING ERRCODE = 'null_value_not_allowed';
        END IF;
        IF array_position(exclude_columns, NULL) IS NOT NULL
           OR array_position(redact_columns, NULL) IS NOT NULL THEN
            RAISE EXCEPTION '% must not contain nulls',
                    CASE WHEN array_position(exclude_columns, NULL) IS NOT NULL
                         THEN 'exclude_columns' ELSE 'redact_columns' END
                USING ERRCODE = 'null_value_not_allowed';
        END IF;
        PERFORM audit_softdelete._check_options(soft_delete, columns);
    END IF;

    total := (SELECT count(*) FROM pg_class c WHERE c.relnamespace = nsp AND c.relkind IN ('r', 'p', 'f'));
    FOR t IN
        SELECT c.oid::regclass AS tbl, c.relispartition AS is_partition, c.relkind,
               (SELECT e.extname FROM pg_depend d
                  JOIN pg_extension e ON e.oid = d.refobjid
                 WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'e') AS extension,
               EXISTS (SELECT FROM pg_constraint k
                        WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk,
               -- triggers a migration attached by hand (enable() with
               -- create_triggers => false): enable() would add its own too
               (SELECT min(g.tgname) FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
                 WHERE g.tgrelid = c.oid AND NOT g.tgisinternal
                   AND p.pronamespace = 'audit_softdelete'::regnamespace
                   AND p.proname IN ('stamp_trigger', 'soft_delete_trigger', 'truncate_guard_trigger',
                                     'audit_trigger', 'audit_truncate_trigger')
                   AND g.tgname NOT IN ('audit_softdelete_stamp', 'audit_softdelete_soft_delete',
                                        'audit_softdelete_soft_delete_truncate', 'audit_softdelete_audit',
                                        'audit_softdelete_audit_truncate')) AS own_trigger
          FROM pg_class c
         WHERE c.relnamespace = nsp AND c.relkind IN ('r', 'p', 'f')
         -- inheritance children before their parents, so that enabling a
         -- parent finds its children enabled and does not warn of them
         ORDER BY (WITH RECURSIVE up(oid, depth) AS (
                       SELECT c.oid, 0
                       UNION ALL
                       SELECT i.inhparent, up.depth + 1
                         FROM up JOIN pg_inherits i ON i.inhrelid = up.oid
                         JOIN pg_class ic ON ic.oid = i.inhrelid AND NOT ic.relispartition)
                   SELECT max(up.depth) FROM up) DESC,
                  c.relname
    LOOP
        IF t.is_partition THEN
            RAISE NOTICE 'skipping %: a partition, enabled with its partitioned table', t.tbl;
            skipped := skipped + 1;
        ELSIF t.relkind = 'f' THEN
            RAISE NOTICE 'skipping %: a foreign table', t.tbl;
            skipped := skipped + 1;
        ELSIF t.extension IS NOT NULL THEN
            RAISE NOTICE 'skipping %: it belongs to extension %', t.tbl, t.extension;
            skipped := skipped + 1;
        ELSIF soft_delete = 'view' AND NOT t.has_pk THEN
            RAISE NOTICE 'skipping %: view mode needs a primary key', t.tbl;
            skipped := skipped + 1;
        ELSIF t.own_trigger IS NOT NULL THEN
            RAISE NOTICE 'skipping %: its own trigger % calls the extension''s trigger functions', t.tbl, t.own_trigger
                USING HINT = 'Register it with audit_softdelete.enable(..., create_triggers => false).';
            skipped := skipped + 1;
        ELSE
            PERFORM audit_softdelete._enable(t.tbl, stamps, soft_delete, audit, columns,
                                             exclude_columns, redact_columns);
            enabled := enabled + 1;
        END IF;
        done := done + 1;
        IF total > 100 AND done % 100 = 0 AND done < total THEN
            RAISE NOTICE 'schema "%": % of % tables done', schema_name, done, total;
        END IF;
    END LOOP;

    IF include_future THEN
        INSERT INTO audit_softdelete.tracked_schemas AS s
               (nspid, stamps, soft_delete, audit, columns, exclude_columns, redact_columns, enabled_by)
        VALUES (nsp, stamps, soft_delete, audit, columns, exclude_columns, redact_columns,
                audit_softdelete._caller()::regrole::text)
        ON CONFLICT (nspid) DO UPDATE
           SET stamps = excluded.stamps, soft_delete = excluded.soft_delete,
               audit = excluded.audit, columns = excluded.columns,
               exclude_columns = excluded.exclude_columns,
               redact_columns = excluded.redact_columns,
               enabled_by = excluded.enabled_by, enabled_at = excluded.enabled_at;
        RAISE NOTICE 'schema "%": % % enabled, % skipped; tables created in it later will be enabled too',
                schema_name, enabled, CASE enabled WHEN 1 THEN 'table' ELSE 'tables' END, skipped;
    ELSE
        RAISE NOTICE 'schema "%": % % enabled, % skipped', schema_name, enabled,
                CASE enabled WHEN 1 THEN 'table' ELSE 'tables' END, skipped;
        IF EXISTS (SELECT FROM audit_softdelete.tracked_schemas s WHERE s.nspid = nsp) THEN
            RAISE NOTICE 'tables created later in schema "%" are still enabled with the options given before', schema_name
                USING HINT = 'Pass include_future => true to give them these options, or call audit_softdelete.disable_schema() to stop it.';
        END IF;
    END IF;
    RETURN enabled;
END
$$;

-- The body of disable_schema(), run like _disable().  Returns how many
-- tables it disabled.
-- internal: called by asd_call_internal() in src/internal.c, as disable_schema()
CREATE FUNCTION audit_softdelete._disable_schema(schema_name name, disable_tables boolean)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nsp      oid := audit_softdelete._schema_oid(schema_name);
    t        record;
    total    integer;
    done     integer := 0;
BEGIN
    IF disable_tables IS NULL THEN
        RAISE EXCEPTION 'disable_tables must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT FROM audit_softdelete.tracked_schemas s WHERE s.nspid = nsp) THEN
        PERFORM audit_softdelete._check_schema_owner(nsp);
        DELETE FROM audit_softdelete.tracked_schemas s WHERE s.nspid = nsp;
    ELSIF NOT disable_tables THEN
        RAISE NOTICE 'schema "%" does not enable the tables created in it, skipping', schema_name;
    END IF;
    IF NOT disable_tables THEN
        RETURN 0;
    END IF;

    total := (SELECT count(*) FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
               WHERE tt.enabled AND c.relnamespace = nsp);
    FOR t IN SELECT tt.relid
               FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
              WHERE tt.enabled AND c.relnamespace = nsp
              ORDER BY c.relname
    LOOP
        PERFORM audit_softdelete._disable(t.relid);
        done := done + 1;
        IF total > 100 AND done % 100 = 0 AND done < total THEN
            RAISE NOTICE 'schema "%": % of % tables disabled', schema_name, done, total;
        END IF;
    END LOOP;
    RAISE NOTICE 'schema "%": % % disabled', schema_name, done,
        CASE done WHEN 1 THEN 'table' ELSE 'tables' END;
    RETURN done;
END
$$;

-- After CREATE TABLE, CREATE TABLE AS, SELECT INTO and CREATE FOREIGN
-- TABLE (the C event trigger _table_ddl_end calls it): each new table of a
-- schema in tracked_schemas is enabled with the schema's options, as
-- enable() would be by the role that created it (which owns it).  The
-- role expects the table audited, so a table enable() refuses fails its
-- CREATE, with the reason and how to get past it; never silently skipped.
-- Skipped with a NOTICE, as by enable_schema(): foreign tables and tables
-- of an extension; a partition goes with its partitioned table (given its
-- triggers by _after_table_ddl()), with a NOTICE only when no table above
-- it is enabled.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._enable_created_tables()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t      record;
    state  text;
    msg    text;
    detail text;
    hint   text;
BEGIN
    FOR t IN
        SELECT DISTINCT c.oid::regclass AS tbl, c.relname, c.relkind,
               c.relispartition AS is_partition, n.nspname AS schema, s.stamps, s.soft_delete, s.audit, s.columns,
               s.exclude_columns, s.redact_columns,
               (SELECT e.extname FROM pg_depend dep
                  JOIN pg_extension e ON e.oid = dep.refobjid
                 WHERE dep.classid = 'pg_class'::regclass
                   AND dep.objid = c.oid AND dep.deptype = 'e') AS extension
          FROM pg_event_trigger_ddl_commands() d
          JOIN pg_class c ON c.oid = d.objid
          JOIN audit_softdelete.tracked_schemas s ON s.nspid = c.relnamespace
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
           AND d.command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE FOREIGN TABLE')
           AND c.relkind IN ('r', 'p', 'f') AND c.relpersistence <> 't'
         ORDER BY 1
    LOOP
        IF t.is_partition THEN
            IF NOT EXISTS (SELECT FROM pg_partition_ancestors(t.tbl) a
                             JOIN audit_softdelete.tracked_tables tt ON tt.relid = a.relid
                            WHERE tt.enabled) THEN
                RAISE NOTICE 'new table "%" in schema "%" not enabled: a partition, enabled with its partitioned table',
                        t.relname, t.schema;
            END IF;
        ELSIF t.relkind = 'f' THEN
            RAISE NOTICE 'new table "%" in schema "%" not enabled: a foreign table', t.relname, t.schema;
        ELSIF t.extension IS NOT NULL THEN
            RAISE NOTICE 'new table "%" in schema "%" not enabled: it belongs to extension "%"',
                    t.relname, t.schema, t.extension;
        ELSE
            BEGIN
                PERFORM audit_softdelete._enable(t.tbl, t.stamps, t.soft_delete, t.audit, t.columns,
                                                 t.exclude_columns, t.redact_columns);
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                        detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
                RAISE EXCEPTION 'cannot enable new table "%" in schema "%": %', t.relname, t.schema, msg
                    USING ERRCODE = state,
                          DETAIL = concat_ws(' ', nullif(detail, ''),
                                             format('Schema "%s" enables the tables created in it (enable_schema() with include_future).',
                                                    t.schema)),
                          HINT = concat_ws(' ', nullif(hint, ''),
                                           format('Or stop enabling new tables there with audit_softdelete.disable_schema(%L).',
                                                  t.schema));
            END;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION
    audit_softdelete._schema_oid(name),
    audit_softdelete._check_schema_owner(oid),
    audit_softdelete._enable_schema(name, boolean, text, boolean, jsonb, text[], text[], boolean),
    audit_softdelete._disable_schema(name, boolean),
    audit_softdelete._enable_created_tables()
FROM PUBLIC;

-- The event trigger that calls _table_ddl_end() now also fires for the
-- other commands that create a table, for _enable_created_tables().  Same
-- name: it keeps its place in the name order (after
-- audit_softdelete_follow_column_rename, before
-- audit_softdelete_verify_triggers).
DROP EVENT TRIGGER audit_softdelete_table_ddl_end;
CREATE EVENT TRIGGER audit_softdelete_table_ddl_end
    ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE FOREIGN TABLE',
                 'ALTER TABLE', 'ALTER VIEW')
    EXECUTE FUNCTION audit_softdelete._table_ddl_end();

-- After ALTER TABLE ... OWNER TO (the C event trigger _table_ddl_end
-- decides): the live view of a table in view mode is owned like the table,
-- as _create_live_view() made it, so that the new owner may use it and its
-- ALTER TABLE can make it again.  Only for tables the role may own now (it
-- is the role that just gave them away, or a superuser).
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._follow_table_owner()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT v.oid::regclass AS view_, c.relowner
               FROM audit_softdelete.tracked_tables tt
               JOIN pg_class c ON c.oid = tt.relid
               JOIN pg_class v ON v.oid = audit_softdelete._live_view(tt.relid)
              WHERE tt.enabled AND tt.soft_delete = 'view' AND v.relowner <> c.relowner
                AND pg_has_role(audit_softdelete._caller(), c.relowner, 'USAGE')
                AND tt.relid IN (SELECT d.objid FROM pg_event_trigger_ddl_commands() d
                                  WHERE d.classid = 'pg_class'::regclass)
    LOOP
        PERFORM audit_softdelete._as_caller(format('ALTER VIEW %s OWNER TO %s', t.view_, t.relowner::regrole));
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION audit_softdelete._follow_table_owner() FROM PUBLIC;

-- After ALTER VIEW ... RENAME TO of a live view, or ALTER TABLE ... RENAME
-- TO naming it (Rails' rename_table and Django's AlterModelTable send that
-- for the table's name, which in view mode is the view's): the table's
-- options name the view by its new name, so that DELETE through it finds
-- its table, and the view made again after the table's next ALTER TABLE
-- keeps the name.  Only a view that is still the live view (its rule reads
-- the table, it has the extension's DELETE trigger) and no longer found
-- under the old name.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._follow_view_rename()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE audit_softdelete.tracked_tables tt
       SET view_name = v.relname
      FROM pg_event_trigger_ddl_commands() d
      JOIN pg_class v ON v.oid = d.objid
     WHERE d.classid = 'pg_class'::regclass AND v.relkind = 'v'
       AND tt.soft_delete = 'view' AND tt.view_name IS DISTINCT FROM v.relname
       AND audit_softdelete._live_view(tt.relid) IS NULL
       AND v.relnamespace = (SELECT c.relnamespace FROM pg_class c WHERE c.oid = tt.relid)
       AND EXISTS (SELECT 1 FROM pg_trigger g
                    WHERE g.tgrelid = v.oid AND g.tgname = 'audit_softdelete_view_delete')
       AND EXISTS (SELECT 1 FROM pg_rewrite r
                     JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass
                                       AND dep.objid = r.oid
                    WHERE r.ev_class = v.oid AND dep.refclassid = 'pg_class'::regclass
                      AND dep.refobjid = tt.relid);
END
$$;

REVOKE ALL ON FUNCTION audit_softdelete._follow_view_rename() FROM PUBLIC;

-- After an ALTER TABLE that added a primary key (the C event trigger
-- _table_ddl_end decides): besides 1.0's check (no excluded or redacted
-- column in an audited table's key), no column the extension writes: a
-- stamp of a table with stamps, deleted_at or deleted_by of one with soft
-- delete.  enable() refuses such a key; added afterwards, each write
-- changed the row's key.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE OR REPLACE FUNCTION audit_softdelete._check_primary_key()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    SELECT tt.relid, a.attname, a.attname = ANY (tt.exclude_columns) AS excluded
      INTO t
      FROM audit_softdelete.tracked_tables tt
      JOIN pg_index i ON i.indrelid = tt.relid AND i.indisprimary
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE tt.enabled AND tt.audit
       AND a.attname = ANY (tt.exclude_columns || tt.redact_columns)
       AND tt.relid IN (SELECT coalesce(pg_partition_root(d.objid), d.objid)
                          FROM pg_event_trigger_ddl_commands() d
                         WHERE d.classid = 'pg_class'::regclass)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'primary key of audited table "%" cannot include % column "%"',
                t.relid, CASE WHEN t.excluded THEN 'excluded' ELSE 'redacted' END, t.attname
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = 'Audit rows name their row by its primary key (row_pk).',
                  HINT = format('Call audit_softdelete.enable(%L, ...) without %I in %s first.',
                                t.relid::text, t.attname,
                                CASE WHEN t.excluded THEN 'exclude_columns' ELSE 'redact_columns' END);
    END IF;

    SELECT tt.relid, a.attname, r.role_
      INTO t
      FROM audit_softdelete.tracked_tables tt
      JOIN pg_index i ON i.indrelid = tt.relid AND i.indisprimary
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      JOIN LATERAL jsonb_each_text(tt.columns) r(role_, colname) ON r.colname = a.attname
     WHERE tt.enabled
       AND ((tt.stamps AND r.role_ IN ('created_at', 'created_by', 'updated_at', 'updated_by'))
            OR (tt.soft_delete <> 'off' AND r.role_ IN ('deleted_at', 'deleted_by')))
       AND tt.relid IN (SELECT coalesce(pg_partition_root(d.objid), d.objid)
                          FROM pg_event_trigger_ddl_commands() d
                         WHERE d.classid = 'pg_class'::regclass)
     ORDER BY a.attnum
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'primary key of table "%" cannot include column "%"', t.relid, t.attname
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = format('audit_softdelete writes %s into that column, which would change the row''s key.',
                                  t.role_),
                  HINT = 'Make the key of other columns, or map that role to another column with enable()''s columns option.';
    END IF;
END
$$;

-- Dropped tables leave tracked_tables (as in 1.0), dropped schemas
-- tracked_schemas: a row naming no schema would be dumped as a bare OID.
-- A foreign key dropped with the table it referenced (DROP TABLE ...
-- CASCADE) may leave its table with no key onto a soft-delete table: that
-- table gives up the live-parent check (live_parent_trigger() is created
-- further down: this function may run before, while the script drops).
-- Only the tables that have the check are looked at: one whose owner
-- dropped it does not get it back from the drop of another table.
CREATE OR REPLACE FUNCTION audit_softdelete._forget_dropped_tables()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    keys_left oid[];
BEGIN
    keys_left := ARRAY(
        SELECT DISTINCT c.oid
          FROM pg_event_trigger_dropped_objects() d
          JOIN pg_namespace n ON n.nspname = d.address_names[1]
          JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = d.address_names[2]
         WHERE d.object_type = 'table constraint' AND NOT d.original
           AND cardinality(d.address_names) = 3
           AND EXISTS (
                   SELECT FROM pg_trigger tg
                    WHERE tg.tgrelid = c.oid
                      AND tg.tgfoid = to_regprocedure('audit_softdelete.live_parent_trigger()')));
    IF keys_left <> '{}' THEN
        PERFORM audit_softdelete._sync_live_parent_triggers(keys_left);
    END IF;
    WITH gone AS (
        DELETE FROM audit_softdelete.tracked_tables t
         USING pg_event_trigger_dropped_objects() d
         WHERE d.classid = 'pg_class'::regclass
           AND d.objsubid = 0
           AND d.objid = t.relid::oid
        RETURNING t.table_id)
    DELETE FROM audit_softdelete.soft_delete_cascades c
     USING gone g
     WHERE c.parent_table_id = g.table_id OR c.child_table_id = g.table_id;
    DELETE FROM audit_softdelete.tracked_schemas s
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_namespace'::regclass
       AND d.objid = s.nspid::oid;
END
$$;

----------------------------------------------------------------------------
-- Triggers attached by a migration tool (1.1, issue 15)
--
-- A team whose migration tool owns every trigger creates the triggers
-- itself, under its own names, exactly as enable() defines them (docs/guide.md,
-- "Attaching the triggers yourself"); enable(..., create_triggers =>
-- false) records the table's options, which the trigger functions read,
-- without changing the table: no column added, no trigger created, and
-- enable()'s own triggers removed where the table had them.  The options
-- stay in tracked_tables, not in trigger arguments: the audit trail
-- records their changes (CONFIGURE), renames follow them, restore(),
-- purge() and the history read them, and pg_dump keeps them; arguments
-- would have to be rewritten in the tool's own triggers on every column
-- rename.  The trigger functions take no arguments and refuse any, and a
-- trigger calling them otherwise than enable() would is refused when it is
-- created (src/call_check.c).
----------------------------------------------------------------------------

DROP FUNCTION audit_softdelete.enable(regclass, boolean, text, boolean, jsonb, text[], text[]);
DROP FUNCTION audit_softdelete._enable(regclass, boolean, text, boolean, jsonb, text[], text[]);

CREATE FUNCTION audit_softdelete.enable(
    tbl             regclass,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}',
    create_triggers boolean DEFAULT true)
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.enable(regclass, boolean, text, boolean, jsonb, text[], text[], boolean) IS
    'Enable audit_softdelete on a table (or reconfigure it): adds missing columns and creates the triggers; with create_triggers => false, only records the options, for triggers of your own.';

-- The body of enable(), as in 1.0, and create_triggers: false records the
-- options for the table's own triggers (see above).
-- internal: called by asd_call_internal() in src/internal.c, as enable()
CREATE FUNCTION audit_softdelete._enable(
    tbl             regclass,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}',
    create_triggers boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relname    text;
    roles      text[] := audit_softdelete._role_names();
    role       text;
    wanted     boolean;
    colname    text;
    mapping    jsonb;
    to_add     text[] := '{}';
    old_mode   text;
    view_name  text;
    idx        record;
    own        record;
BEGIN
    -- a table in view mode may be named by its live view
    tbl := coalesce(audit_softdelete._tracked_table(tbl), tbl);
    relname := audit_softdelete._check_table(tbl, 'enable');

    IF stamps IS NULL OR audit IS NULL OR soft_delete IS NULL OR create_triggers IS NULL THEN
        RAISE EXCEPTION '% must not be null',
                CASE WHEN stamps IS NULL THEN 'stamps'
                     WHEN soft_delete IS NULL THEN 'soft_delete'
                     WHEN audit IS NULL THEN 'audit' ELSE 'create_triggers' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- soft_delete and columns as _save_table_options() will take them:
    -- every role mapped to a column, the role's own name by default
    mapping := audit_softdelete._check_options(soft_delete, columns);

    -- Partitions follow their partitioned table: enabled once, at the top.
    IF EXISTS (SELECT 1
                 FROM pg_partition_ancestors(tbl) a
                 JOIN audit_softdelete.tracked_tables t ON t.relid = a.relid
                WHERE a.relid <> tbl AND t.enabled) THEN
        RAISE EXCEPTION 'cannot enable "%": a table it is a partition of is enabled', relname
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Triggers of an enabled partitioned table already fire for each of its partitions.';
    END IF;
    IF EXISTS (SELECT 1
                 FROM pg_partition_tree(tbl) d
                 JOIN audit_softdelete.tracked_tables t ON t.relid = d.relid
                WHERE d.relid <> tbl AND t.enabled) THEN
        RAISE EXCEPTION 'cannot enable "%": one of its partitions is enabled', relname
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Disable the partitions first; enabling the partitioned table covers all of them.';
    END IF;
    IF soft_delete <> 'off' THEN
        PERFORM audit_softdelete._no_foreign_partitions(tbl);
    END IF;

    -- exclude_columns and redact_columns: existing columns, not the key.
    IF exclude_columns IS NULL OR redact_columns IS NULL THEN
        RAISE EXCEPTION '% must not be null',
                CASE WHEN exclude_columns IS NULL THEN 'exclude_columns' ELSE 'redact_columns' END
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass an empty array for no columns.';
    END IF;
    IF array_position(exclude_columns, NULL) IS NOT NULL
       OR array_position(redact_columns, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '% must not contain nulls',
                CASE WHEN array_position(exclude_columns, NULL) IS NOT NULL
                     THEN 'exclude_columns' ELSE 'redact_columns' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOREACH colname IN ARRAY exclude_columns || redact_columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = colname
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of relation "%" does not exist', colname, relname
                USING ERRCODE = 'undefined_column',
                      DETAIL = CASE WHEN colname = ANY (exclude_columns)
                                    THEN 'It is named in exclude_columns.'
                                    ELSE 'It is named in redact_columns.' END;
        END IF;
        IF colname = ANY (exclude_columns) AND colname = ANY (redact_columns) THEN
            RAISE EXCEPTION 'column "%" is both excluded and redacted', colname
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'An excluded column never appears in the log; a redacted one appears with a marker instead of its value. Choose one.';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                       ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                    WHERE i.indrelid = tbl AND i.indisprimary AND a.attname = colname) THEN
            RAISE EXCEPTION 'cannot % primary key column "%"',
                    CASE WHEN colname = ANY (exclude_columns) THEN 'exclude' ELSE 'redact' END, colname
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Audit rows name their row by its primary key (row_pk).';
        END IF;
    END LOOP;

    -- The columns of the features asked for: an existing one is only
    -- checked when used, a missing one added.
    FOREACH role IN ARRAY roles LOOP
        colname := mapping ->> role;
        wanted := CASE WHEN role LIKE 'deleted\_%' THEN soft_delete <> 'off' ELSE stamps END;
        IF wanted AND NOT audit_softdelete._check_role_column(tbl, role, colname) THEN
            to_add := to_add || colname;
        END IF;
    END LOOP;

    -- View mode renames the table <name>_all and gives its name to a view,
    -- whose DELETE must find the row again: by its primary key.
    SELECT t.soft_delete, t.view_name INTO old_mode, view_name
      FROM audit_softdelete.tracked_tables t WHERE t.relid = tbl AND t.enabled;

    IF NOT create_triggers THEN
        -- The table's own triggers (a migration tool's): enable() changes
        -- nothing in the table but removing its own triggers.  View mode
        -- is the extension's view and trigger, renaming the table.
        IF soft_delete = 'view' OR old_mode = 'view' THEN
            RAISE EXCEPTION 'cannot use view mode with create_triggers => false'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'View mode renames the table and puts a view of the extension''s, with a trigger of its own, in its place.',
                      HINT = CASE WHEN soft_delete = 'view'
                                  THEN 'Use soft_delete => ''trigger'' with your own triggers, or let enable() create them.'
                                  ELSE 'Call enable() with soft_delete => ''trigger'' first, which gives the table its name back.' END;
        END IF;
        IF to_add <> '{}' THEN
            RAISE EXCEPTION 'column "%" of relation "%" does not exist', to_add[1], relname
                USING ERRCODE = 'undefined_column',
                      DETAIL = 'With create_triggers => false, enable() adds no columns.',
                      HINT = 'Add them with your migration: ALTER TABLE ' || tbl::text || ' '
                             || (SELECT string_agg(format('ADD COLUMN %I %s', mapping ->> r.role,
                                            CASE r.role
                                                WHEN 'created_at' THEN 'timestamptz NOT NULL DEFAULT now()'
                                                WHEN 'updated_at' THEN 'timestamptz'
                                                WHEN 'deleted_at' THEN 'timestamptz'
                                                ELSE 'text'
                                            END), ', ' ORDER BY r.i)
                                   FROM unnest(roles) WITH ORDINALITY AS r(role, i)
                                  WHERE mapping ->> r.role = ANY (to_add))
                             || ';';
        END IF;
    ELSE
        -- Triggers of the table's own calling the extension's functions: with
        -- enable()'s as well, every change would be stamped, soft-deleted or
        -- logged twice.
        SELECT tg.tgname, c.relname AS rel, p.proname INTO own
          FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
          JOIN pg_class c ON c.oid = tg.tgrelid
         WHERE (tg.tgrelid = tbl OR tg.tgrelid IN (SELECT d.relid FROM pg_partition_tree(tbl) d))
           AND NOT tg.tgisinternal AND tg.tgparentid = 0
           AND p.pronamespace = 'audit_softdelete'::regnamespace
           AND p.proname IN ('stamp_trigger', 'soft_delete_trigger', 'truncate_guard_trigger',
                             'audit_trigger', 'audit_truncate_trigger')
           AND tg.tgname NOT IN ('audit_softdelete_stamp', 'audit_softdelete_soft_delete',
                                 'audit_softdelete_soft_delete_truncate', 'audit_softdelete_audit',
                                 'audit_softdelete_audit_truncate')
         ORDER BY tg.tgrelid = tbl DESC, tg.tgname
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'table "%" has its own trigger "%" calling audit_softdelete.%()',
                    own.rel, own.tgname, own.proname
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'enable() would create its own triggers next to it, and both would fire.',
                      HINT = 'Keep your triggers with enable(..., create_triggers => false), or drop them first.';
        END IF;
    END IF;
    IF soft_delete = 'view' AND old_mode IS DISTINCT FROM 'view' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = tbl AND indisprimary) THEN
            RAISE EXCEPTION 'table "%" has no primary key', relname
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'In view mode, DELETE through the view finds the row by its primary key.',
                      HINT = 'Add a primary key, or use soft_delete => ''trigger''.';
        END IF;
        view_name := relname;
        -- a longer name would be cut short: <name>_al, or <name> itself
        IF octet_length(relname || '_all') > current_setting('max_identifier_length')::int THEN
            RAISE EXCEPTION 'table name "%" is too long for view mode', relname
                USING ERRCODE = 'name_too_long',
                      DETAIL = format('View mode renames table "%s" to "%s_all", which is longer than %s bytes.',
                                      relname, relname, current_setting('max_identifier_length')),
                      HINT = 'Rename the table to a shorter name first, or use soft_delete => ''trigger''.';
        END IF;
        IF to_regclass(format('%s.%I', (SELECT relnamespace::regnamespace FROM pg_class WHERE oid = tbl),
                              relname || '_all')) IS NOT NULL THEN
            RAISE EXCEPTION 'relation "%" already exists', relname || '_all'
                USING ERRCODE = 'duplicate_table',
                      DETAIL = format('View mode renames table "%s" to "%s_all".', relname, relname);
        END IF;
    END IF;

    -- Everything is checked: now change the table.
    FOREACH role IN ARRAY roles LOOP
        colname := mapping ->> role;
        IF colname = ANY (to_add) THEN
            PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s ADD COLUMN %I %s', tbl, colname,
                           CASE role
                               WHEN 'created_at' THEN 'timestamptz NOT NULL DEFAULT now()'
                               WHEN 'updated_at' THEN 'timestamptz'
                               WHEN 'deleted_at' THEN 'timestamptz'
                               ELSE 'text'
                           END));
        END IF;
    END LOOP;

    -- Leaving view mode gives the name back to the table.
    IF old_mode = 'view' THEN
        PERFORM audit_softdelete._drop_live_view(tbl);
        IF soft_delete <> 'view' THEN
            -- no view made again: a view made later is made anew
            PERFORM set_config(format('audit_softdelete_live_view.t%s', tbl::oid), '', true);
            PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, view_name));
            view_name := NULL;
        END IF;
    ELSIF soft_delete = 'view' THEN
        PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, relname || '_all'));
    END IF;

    -- with the table's own triggers, enable()'s are removed where it had them
    IF create_triggers THEN
        PERFORM audit_softdelete._set_triggers(tbl, stamps, soft_delete, audit);
    ELSE
        PERFORM audit_softdelete._set_triggers(tbl, false, 'off', false);
    END IF;
    PERFORM audit_softdelete._save_table_options(tbl, true, stamps, mapping, audit,
                                                 exclude_columns, redact_columns,
                                                 soft_delete,
                                                 CASE WHEN soft_delete = 'view' THEN view_name END);
    IF soft_delete = 'view' THEN
        PERFORM audit_softdelete._create_live_view(tbl);
    END IF;

    -- With the table's own triggers: say which feature has none yet (the
    -- migration may create them after this call; status reports it later).
    IF NOT create_triggers THEN
        FOR own IN
            SELECT f.proname, f.definition
              FROM (VALUES (1, 'stamp_trigger', stamps, 'BEFORE INSERT OR UPDATE ... FOR EACH ROW'),
                           (2, 'soft_delete_trigger', soft_delete <> 'off',
                            CASE WHEN (SELECT relkind FROM pg_class WHERE oid = tbl) = 'p'
                                 THEN 'BEFORE UPDATE OR DELETE ... FOR EACH ROW'
                                 ELSE 'BEFORE DELETE ... FOR EACH ROW' END),
                           (3, 'truncate_guard_trigger', soft_delete <> 'off',
                            'BEFORE TRUNCATE ... FOR EACH STATEMENT'),
                           (4, 'audit_trigger', audit, 'AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW'),
                           (5, 'audit_truncate_trigger', audit, 'AFTER TRUNCATE ... FOR EACH STATEMENT'))
                   AS f(i, proname, wanted, definition)
             WHERE f.wanted
               AND NOT EXISTS (SELECT 1 FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
                                WHERE tg.tgrelid = tbl AND p.proname = f.proname
                                  AND p.pronamespace = 'audit_softdelete'::regnamespace)
             ORDER BY f.i
        LOOP
            RAISE WARNING 'table "%" has no trigger calling audit_softdelete.%()', relname, own.proname
                USING DETAIL = 'Its options ask for it, and enable() with create_triggers => false creates none.',
                      HINT = format('Create it: CREATE TRIGGER <name> %s EXECUTE FUNCTION audit_softdelete.%s();',
                                    replace(own.definition, '...', 'ON ' || tbl::text), own.proname);
        END LOOP;
    END IF;

    -- the tables referencing it check for soft-deleted rows while it has soft delete
    IF soft_delete <> 'off' OR coalesce(old_mode, 'off') <> 'off' THEN
        PERFORM audit_softdelete._sync_live_parent_triggers(
            ARRAY(SELECT c.conrelid FROM pg_constraint c
                   WHERE c.contype = 'f' AND c.confrelid = tbl));
    END IF;

    -- A deleted row keeps its unique keys: say which indexes would refuse
    -- to re-create "the same" row, and the index to create instead: the
    -- same (columns, expressions, operator classes, INCLUDE, predicate)
    -- with deleted_at IS NULL added to its predicate.
    IF soft_delete <> 'off' THEN
        FOR idx IN
            SELECT i.indexrelid::regclass AS name, i.indpred IS NOT NULL AS partial,
                   -- "<table> [USING method] (...) [INCLUDE (...)] [WHERE (...)]"
                   regexp_replace(substr(pg_get_indexdef(i.indexrelid),
                                         length(format('CREATE UNIQUE INDEX %I ON ', c.relname)) + 1),
                                  ' USING btree \(', ' (') AS definition
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = tbl AND i.indisunique AND NOT i.indisprimary
               AND NOT coalesce(audit_softdelete._excludes_deleted(i.indexrelid, mapping ->> 'deleted_at'),
                                false)
             ORDER BY 1
        LOOP
            RAISE WARNING 'unique index "%" also counts soft-deleted rows', idx.name
                USING DETAIL = 'A deleted row keeps its values, so a new row with the same values is refused.',
                      HINT = format('Replace it with CREATE UNIQUE INDEX ON %s %s %I IS NULL;',
                                    idx.definition, CASE WHEN idx.partial THEN 'AND' ELSE 'WHERE' END,
                                    mapping ->> 'deleted_at');
        END LOOP;
    END IF;

    -- Row triggers fire on the table a row is in: the rows of an
    -- inheritance child (not a partition) get none of the table's features,
    -- even through its statements (a DELETE of the table removes them).
    FOR idx IN
        SELECT i.inhrelid::regclass AS name
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = tbl AND NOT c.relispartition
           AND NOT EXISTS (SELECT FROM audit_softdelete.tracked_tables tt
                            WHERE tt.relid = i.inhrelid AND tt.enabled)
         ORDER BY 1
    LOOP
        RAISE WARNING 'rows of inheritance child "%" of table "%" are not stamped, soft-deleted or audited',
                idx.name, tbl
            USING DETAIL = 'Row triggers fire on the table a row is in: a DELETE of the parent table removes the child''s rows physically, and no audit row says so.',
                  HINT = format('Enable it too: SELECT audit_softdelete.enable(%L, stamps => %s, soft_delete => %L, audit => %s);',
                                idx.name::text, stamps::text,
                                CASE soft_delete WHEN 'view' THEN 'trigger' ELSE soft_delete END, audit::text);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION
    audit_softdelete._enable(regclass, boolean, text, boolean, jsonb, text[], text[], boolean)
FROM PUBLIC;

-- As in 1.0, but a partition gets enable()'s TRUNCATE triggers only where
-- its partitioned table has enable()'s row trigger of the feature: a table
-- with triggers of its own gets none from new partitions either.
-- internal: called by _set_triggers() and _after_table_ddl()
CREATE OR REPLACE FUNCTION audit_softdelete._set_partition_triggers(tbl regclass, soft_delete text,
                                                                    audit boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part regclass;
    trig record;
BEGIN
    soft_delete := CASE WHEN EXISTS (SELECT 1 FROM pg_trigger
                                      WHERE tgrelid = tbl AND tgname = 'audit_softdelete_soft_delete')
                        THEN soft_delete ELSE 'off' END;
    audit := audit AND EXISTS (SELECT 1 FROM pg_trigger
                                WHERE tgrelid = tbl AND tgname = 'audit_softdelete_audit');
    -- foreign tables take no TRUNCATE triggers (nor do their servers' rows
    -- pass through ours): they are left out
    FOR part IN SELECT p.relid FROM pg_partition_tree(tbl) p JOIN pg_class c ON c.oid = p.relid
                 WHERE p.relid <> tbl AND c.relkind IN ('r', 'p') LOOP
        FOR trig IN
            SELECT * FROM (VALUES
                ('audit_softdelete_soft_delete_truncate', soft_delete <> 'off',
                 'BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger()'),
                ('audit_softdelete_audit_truncate', audit,
                 'AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger()')
            ) AS t(name, wanted, definition)
        LOOP
            IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = part AND tgname = trig.name) THEN
                IF NOT trig.wanted THEN
                    PERFORM audit_softdelete._as_caller(format('DROP TRIGGER %I ON %s', trig.name, part));
                END IF;
            ELSIF trig.wanted THEN
                PERFORM audit_softdelete._as_caller(format('CREATE TRIGGER %I ', trig.name) || format(trig.definition, part));
            END IF;
        END LOOP;
    END LOOP;
END
$$;

COMMENT ON FUNCTION audit_softdelete.stamp_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger, created by enable() or by hand: fills created_*/updated_*.';
COMMENT ON FUNCTION audit_softdelete.audit_trigger() IS
    'AFTER INSERT OR UPDATE OR DELETE row trigger, created by enable() or by hand: writes audit_logs.';
COMMENT ON FUNCTION audit_softdelete.audit_truncate_trigger() IS
    'AFTER TRUNCATE statement trigger, created by enable() or by hand (on every partition too): writes one TRUNCATE row.';
COMMENT ON FUNCTION audit_softdelete.soft_delete_trigger() IS
    'BEFORE DELETE row trigger (BEFORE UPDATE OR DELETE on a partitioned table), created by enable() or by hand: turns DELETE into a soft delete.';
COMMENT ON FUNCTION audit_softdelete.truncate_guard_trigger() IS
    'BEFORE TRUNCATE statement trigger, created by enable() or by hand (on every partition too): refuses TRUNCATE of a soft-delete table unless hard_delete is on.';

-- Transaction identity across dump and restore (src/txid_era.c): each
-- cluster the trail was written in has an era, and audit_logs.txid is
-- pg_current_xact_id() + (era << 48), so that a restored database's new
-- transactions never get the txid of a restored one.  Recorded at a
-- cluster's first audited write; system_identifier 0 stands for a cluster
-- that wrote rows before eras were recorded.  Rows have no key: a session
-- never waits for another to record the era both find.
CREATE TABLE audit_softdelete.txid_eras (
    system_identifier bigint NOT NULL,
    era               integer NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE audit_softdelete.txid_eras IS
    'The clusters the audit trail was written in; txid = pg_current_xact_id() + (era << 48).';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.txid_eras', '');
REVOKE ALL ON audit_softdelete.txid_eras FROM PUBLIC;
GRANT SELECT ON audit_softdelete.txid_eras TO PUBLIC;

-- the rows 1.0 wrote here are this cluster's: era 0, their txids unchanged
INSERT INTO audit_softdelete.txid_eras (system_identifier, era)
SELECT c.system_identifier, 0
  FROM pg_catalog.pg_control_system() c
 WHERE EXISTS (SELECT FROM audit_softdelete.audit_logs);

-- The txid of the current transaction's audit rows.
CREATE FUNCTION audit_softdelete.current_txid()
RETURNS xid8
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_current_txid';

COMMENT ON FUNCTION audit_softdelete.current_txid() IS
    'The txid the audit rows of the current transaction carry (pg_current_xact_id() in this cluster''s era).';

-- Which name each column of a tracked table had when (src/column_history.c):
-- audit rows name columns as they were then; reading them against today's
-- table follows renames through this.  column_id is stable through
-- renames; a name holds for the audit ids in [from_id, until_id), NULL
-- meaning since before the table's history and still today.  Columns are
-- matched by name (numbers change across dump and restore).  Tables
-- enabled before 1.1 start here with their columns as they are now.
CREATE TABLE audit_softdelete.column_history (
    table_id   integer NOT NULL,
    column_id  integer NOT NULL,
    name       text NOT NULL,
    from_id    bigint,
    from_at    timestamptz,
    until_id   bigint,
    until_at   timestamptz
);
CREATE INDEX column_history_table_idx ON audit_softdelete.column_history (table_id);
-- a FOR ALL TABLES publication must not stop its UPDATEs
ALTER TABLE audit_softdelete.column_history REPLICA IDENTITY FULL;

COMMENT ON TABLE audit_softdelete.column_history IS
    'The names each column of a tracked table had, by audit id: renames are followed when old audit rows are read.';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.column_history', '');
REVOKE ALL ON audit_softdelete.column_history FROM PUBLIC;
GRANT SELECT ON audit_softdelete.column_history TO PUBLIC;

INSERT INTO audit_softdelete.column_history (table_id, column_id, name)
SELECT t.table_id, a.attnum, a.attname
  FROM audit_softdelete.tracked_tables t
  JOIN pg_catalog.pg_attribute a ON a.attrelid = t.relid
 WHERE a.attnum > 0 AND NOT a.attisdropped;

-- internal: fired by the event trigger audit_softdelete_column_history
CREATE FUNCTION audit_softdelete._record_column_history()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_record_column_history';

REVOKE ALL ON FUNCTION audit_softdelete._record_column_history() FROM PUBLIC;

-- In every session: a rename missed would leave old audit rows unreadable.
CREATE EVENT TRIGGER audit_softdelete_column_history
    ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION audit_softdelete._record_column_history();
ALTER EVENT TRIGGER audit_softdelete_column_history ENABLE ALWAYS;

-- jsonb objects merged into one, a later key winning (as || does): what
-- the rebuilding of past rows folds old values with (src/as_of.c).
CREATE AGGREGATE audit_softdelete.jsonb_merge_agg(jsonb) (
    SFUNC = pg_catalog.jsonb_concat,
    STYPE = jsonb
);

COMMENT ON AGGREGATE audit_softdelete.jsonb_merge_agg(jsonb) IS
    'The jsonb objects merged with ||, in the aggregate''s order: a later key wins.';

-- A row, and a whole table, as they were at a time: today's rows with every
-- later change taken back (src/as_of.c).  As the caller: SELECT on the
-- table and on audit_logs.  Without JIT, as changes(): their queries are
-- costed for branches that seldom run, and compiling took longer than
-- running them (docs/BENCHMARKS.md).
CREATE FUNCTION audit_softdelete.row_as_of(tbl regclass, pk jsonb, at timestamptz)
RETURNS jsonb
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_row_as_of';

COMMENT ON FUNCTION audit_softdelete.row_as_of(regclass, jsonb, timestamptz) IS
    'The row with this primary key as it was at a time, as to_jsonb() of the row; NULL if it did not exist then.';

CREATE FUNCTION audit_softdelete.table_as_of(rowtype anyelement, at timestamptz)
RETURNS SETOF anyelement
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_table_as_of';

COMMENT ON FUNCTION audit_softdelete.table_as_of(anyelement, timestamptz) IS
    'Every row of the table whose row type is given (NULL::my_table) as the table stood at a time.';

-- Undo: take logged changes back as new, audited writes (src/undo.c).  As
-- the caller: SELECT on audit_logs, and the privileges each write needs.
CREATE FUNCTION audit_softdelete.undo(audit_id bigint, force boolean DEFAULT false)
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_undo';

COMMENT ON FUNCTION audit_softdelete.undo(bigint, boolean) IS
    'Take back the change one audit row logged; refused over a later change of the same columns unless force.';

CREATE FUNCTION audit_softdelete.undo_transaction(txid xid8, force boolean DEFAULT false)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_undo_transaction';

COMMENT ON FUNCTION audit_softdelete.undo_transaction(xid8, boolean) IS
    'Take back every change a transaction logged, newest first; returns how many.';

CREATE FUNCTION audit_softdelete.revert_table_to(tbl regclass, at timestamptz,
                                                 force boolean DEFAULT false)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS 'MODULE_PATHNAME', 'asd_revert_table_to';

COMMENT ON FUNCTION audit_softdelete.revert_table_to(regclass, timestamptz, boolean) IS
    'Put a whole table back as it was at a time, as audited writes; returns how many rows it wrote.';

----------------------------------------------------------------------------
-- Migration bookkeeping
----------------------------------------------------------------------------

CREATE FUNCTION audit_softdelete.migration_checksum(script text)
RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_checksum';

COMMENT ON FUNCTION audit_softdelete.migration_checksum(text) IS
    'v1:sha256:<hex> of a migration script in UTF-8, normalised for line ends, trailing whitespace, trailing blank lines and a BOM.';

----------------------------------------------------------------------------
-- The ledger
--
-- One row per migration run in migrations, one row per repair decision in
-- migration_events.  Written only by the functions below (as the extension
-- owner, src/migration*.c); nothing is ever deleted or changed afterwards,
-- except a run's own row going once from "running" to its outcome.  Like
-- audit_logs: no privilege for PUBLIC, readable by the roles a DBA grants
-- SELECT, kept by pg_dump.
----------------------------------------------------------------------------

CREATE SEQUENCE audit_softdelete.migrations_id_seq AS bigint;

CREATE TABLE audit_softdelete.migrations (
    id                 bigint NOT NULL
                       DEFAULT pg_catalog.nextval('audit_softdelete.migrations_id_seq')
                       PRIMARY KEY,
    version            text NOT NULL,
    description        text,
    direction          text NOT NULL CHECK (direction IN ('up', 'down')),
    -- 'v1:sha256:<hex>' of the script (migration_checksum()), or NULL
    checksum           text,
    -- "running" until migration_finish() or migration_fail(); a running
    -- row whose backend no longer holds the migration lock was interrupted
    -- (the views say so; migration_resolve() records it)
    status             text NOT NULL
                       CHECK (status IN ('running', 'succeeded', 'failed',
                                         'interrupted', 'baseline')),
    started_at         timestamptz NOT NULL,
    finished_at        timestamptz,
    duration           interval,
    transactional      boolean NOT NULL,
    -- who: session_user, which the session cannot change, and the actor
    -- (audit_softdelete.current_actor()) the application named
    db_user            text NOT NULL,
    actor              text,
    client_addr        inet,
    application_name   text,
    -- the backend that ran it: pid and start time tell it from a later
    -- backend with the same pid
    pid                integer NOT NULL,
    backend_start      timestamptz NOT NULL,
    -- what the tool says of the run: {"tool": ..., "git_sha": ..., ...}
    context            jsonb NOT NULL DEFAULT '{}',
    error              text,
    -- audit_softdelete.migration_schema_fingerprint() as the run left the
    -- schema (succeeded) or as it was at the baseline; NULL otherwise
    schema_fingerprint text
);

ALTER SEQUENCE audit_softdelete.migrations_id_seq
    OWNED BY audit_softdelete.migrations.id;

CREATE INDEX migrations_version_idx ON audit_softdelete.migrations (version, id);

COMMENT ON TABLE audit_softdelete.migrations IS
    'One row per migration run; written only by the migration_* functions.';

CREATE SEQUENCE audit_softdelete.migration_events_id_seq AS bigint;

CREATE TABLE audit_softdelete.migration_events (
    id               bigint NOT NULL
                     DEFAULT pg_catalog.nextval('audit_softdelete.migration_events_id_seq')
                     PRIMARY KEY,
    recorded_at      timestamptz NOT NULL,
    action           text NOT NULL
                     CHECK (action IN ('resolve', 'accept_checksum', 'baseline')),
    -- the run it concerns (migrations.id)
    migration_id     bigint NOT NULL,
    version          text NOT NULL,
    -- resolve: what became of the run
    status           text CHECK (status IN ('succeeded', 'failed')),
    -- accept_checksum: the checksum the version is held to from now on
    checksum         text,
    reason           text,
    db_user          text NOT NULL,
    actor            text,
    client_addr      inet,
    application_name text,
    pid              integer NOT NULL,
    -- resolve as succeeded: migration_schema_fingerprint() at the decision,
    -- when the run counts as finished (migration_drift() compares with it)
    schema_fingerprint text,
    CHECK ((action = 'resolve') = (status IS NOT NULL)),
    CHECK ((action = 'accept_checksum') = (checksum IS NOT NULL)),
    CHECK (schema_fingerprint IS NULL OR (action = 'resolve' AND status = 'succeeded'))
);

ALTER SEQUENCE audit_softdelete.migration_events_id_seq
    OWNED BY audit_softdelete.migration_events.id;

CREATE INDEX migration_events_migration_idx
    ON audit_softdelete.migration_events (migration_id, id);

COMMENT ON TABLE audit_softdelete.migration_events IS
    'The repair decisions of the migration ledger (resolve, accept a checksum, baseline); appended only.';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migrations', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migrations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migration_events', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migration_events_id_seq', '');

-- No grant to PUBLIC: a DBA grants SELECT on both tables to the roles that
-- may read the ledger (the views below then work for them too).
REVOKE ALL ON audit_softdelete.migrations, audit_softdelete.migration_events,
              audit_softdelete.migrations_id_seq, audit_softdelete.migration_events_id_seq
    FROM PUBLIC;

-- Append-only, for the extension owner too: no UPDATE but a run's own end,
-- no DELETE, no TRUNCATE (src/migration_ledger.c).  INSERT stays, for
-- pg_dump's restore.
CREATE FUNCTION audit_softdelete.migration_ledger_guard()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_migration_ledger_guard';

CREATE TRIGGER migration_ledger_guard
    BEFORE UPDATE OR DELETE ON audit_softdelete.migrations
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
CREATE TRIGGER migration_ledger_guard_truncate
    BEFORE TRUNCATE ON audit_softdelete.migrations
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
CREATE TRIGGER migration_ledger_guard
    BEFORE UPDATE OR DELETE ON audit_softdelete.migration_events
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
CREATE TRIGGER migration_ledger_guard_truncate
    BEFORE TRUNCATE ON audit_softdelete.migration_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();

----------------------------------------------------------------------------
-- Reading the ledger
--
-- The views run as the caller (security_invoker): SELECT on them is
-- granted to PUBLIC, and what a role reads is what its grants on the two
-- tables allow.
----------------------------------------------------------------------------

-- The backend holding the migration lock and the run it is making, read
-- even before that run commits (src/migration_lock.c).  Requires SELECT on
-- migrations.
CREATE FUNCTION audit_softdelete.migration_lock_holder(
    OUT pid integer, OUT run_id bigint, OUT version text, OUT description text,
    OUT direction text, OUT transactional boolean, OUT started_at timestamptz,
    OUT db_user text, OUT actor text, OUT application_name text)
RETURNS SETOF record
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_lock_holder';

COMMENT ON FUNCTION audit_softdelete.migration_lock_holder() IS
    'The backend holding the migration lock and the run it is making, committed or not.';

-- Runs and decisions, in order.  A run's status is its own outcome: a
-- running row is "interrupted" unless it is the run of the backend that
-- holds the migration lock (the one rule for it).
CREATE VIEW audit_softdelete.migration_history WITH (security_invoker = true) AS
SELECT h.at, h.kind, h.run_id, h.event_id, h.version, h.direction, h.status,
       h.checksum, h.note, h.transactional, h.finished_at, h.duration, h.error,
       h.db_user, h.actor, h.client_addr, h.application_name, h.pid,
       h.context, h.schema_fingerprint
  FROM (SELECT m.started_at AS at, 'run'::text AS kind, m.id AS run_id,
               NULL::bigint AS event_id, m.version, m.direction,
               CASE WHEN m.status = 'running'
                     AND m.id IS DISTINCT FROM
                         (SELECT l.run_id FROM audit_softdelete.migration_lock_holder() l)
                    THEN 'interrupted' ELSE m.status END AS status,
               m.checksum, m.description AS note, m.transactional, m.finished_at,
               m.duration, m.error, m.db_user, m.actor, m.client_addr,
               m.application_name, m.pid, m.context, m.schema_fingerprint
          FROM audit_softdelete.migrations m
        UNION ALL
        SELECT e.recorded_at, e.action, e.migration_id, e.id, e.version, NULL,
               e.status, e.checksum, e.reason, NULL, NULL, NULL, NULL, e.db_user,
               e.actor, e.client_addr, e.application_name, e.pid, NULL,
               e.schema_fingerprint
          FROM audit_softdelete.migration_events e) h
 ORDER BY h.at, h.event_id NULLS FIRST, h.run_id;

COMMENT ON VIEW audit_softdelete.migration_history IS
    'Every migration run and every repair decision, in order.';

-- One row per version: its latest run, as the resolve events after it
-- amend it, says what state it is in; its latest succeeded run (or the
-- baseline) whether it is applied, and with which checksum (the accepted
-- one, when a decision accepted another).  The one place that says so:
-- the ledger functions read it too.
CREATE VIEW audit_softdelete.migration_versions WITH (security_invoker = true) AS
WITH runs AS (
    SELECT h.run_id, h.version, h.direction, h.checksum, h.at AS started_at,
           coalesce(res.status, h.status) AS status
      FROM audit_softdelete.migration_history h
      LEFT JOIN LATERAL (
          SELECT e.status FROM audit_softdelete.migration_events e
           WHERE e.migration_id = h.run_id AND e.action = 'resolve'
           ORDER BY e.id DESC LIMIT 1) res ON true
     WHERE h.kind = 'run'
), latest AS (
    SELECT DISTINCT ON (r.version) r.* FROM runs r ORDER BY r.version, r.run_id DESC
), succeeded AS (
    SELECT DISTINCT ON (r.version) r.* FROM runs r
     WHERE r.status IN ('succeeded', 'baseline')
     ORDER BY r.version, r.run_id DESC
)
SELECT l.version,
       CASE WHEN l.status IN ('running', 'interrupted', 'failed') THEN l.status
            WHEN s.status = 'baseline' THEN 'baseline'
            WHEN s.direction = 'up' THEN 'applied'
            ELSE 'reverted' END AS state,
       coalesce(s.direction = 'up', false) AS applied,
       CASE WHEN s.direction = 'up' THEN coalesce(acc.checksum, s.checksum) END AS checksum,
       CASE WHEN s.direction = 'up' THEN coalesce(acc.recorded_at, s.started_at) END
           AS checksum_recorded_at,
       s.run_id AS succeeded_run,
       l.run_id AS last_run,
       l.status AS last_run_status
  FROM latest l
  LEFT JOIN succeeded s ON s.version = l.version
  LEFT JOIN LATERAL (
      SELECT e.checksum, e.recorded_at FROM audit_softdelete.migration_events e
       WHERE e.migration_id = s.run_id AND e.action = 'accept_checksum'
       ORDER BY e.id DESC LIMIT 1) acc ON true
 ORDER BY l.run_id;

COMMENT ON VIEW audit_softdelete.migration_versions IS
    'One row per migration version: its state (applied, reverted, baseline, running, failed, interrupted) and checksum.';

-- The migration running now: the backend holding the migration lock, its
-- run (even uncommitted), how long it has run and what it waits for.  The
-- activity columns are NULL for a role that may not see that backend's
-- activity (pg_read_all_stats).
CREATE VIEW audit_softdelete.migration_running WITH (security_invoker = true) AS
SELECT h.run_id, h.version, h.description, h.direction, h.transactional,
       h.pid, h.db_user, h.actor, h.application_name, h.started_at,
       pg_catalog.clock_timestamp() - h.started_at AS elapsed,
       a.state, a.wait_event_type, a.wait_event,
       pg_catalog.pg_blocking_pids(h.pid) AS blocked_by,
       (SELECT pg_catalog.string_agg(
                   l.mode || ' on ' || l.locktype
                   || coalesce(' ' || l.relation::pg_catalog.regclass::text,
                               ' ' || l.transactionid::text,
                               ' ' || l.virtualxid, ''), ', ')
          FROM pg_catalog.pg_locks l
         WHERE l.pid = h.pid AND NOT l.granted) AS waiting_for,
       a.query
  FROM audit_softdelete.migration_lock_holder() h
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = h.pid;

COMMENT ON VIEW audit_softdelete.migration_running IS
    'The migration running now in this database, how long it has run and what it waits for.';

GRANT SELECT ON audit_softdelete.migration_history, audit_softdelete.migration_versions,
                audit_softdelete.migration_running
    TO PUBLIC;

----------------------------------------------------------------------------
-- Recording migrations
--
-- For migration runners: no EXECUTE for PUBLIC.  The extension owner and
-- superusers may call them; a DBA grants EXECUTE to the roles that run
-- migrations (begin, finish, fail) and to those that decide repairs
-- (baseline, resolve, accept_checksum).  They write as the extension
-- owner and record session_user, which no caller can choose.
----------------------------------------------------------------------------

CREATE FUNCTION audit_softdelete.migration_begin(version text,
                                                 description text DEFAULT NULL,
                                                 checksum text DEFAULT NULL,
                                                 context jsonb DEFAULT '{}',
                                                 direction text DEFAULT 'up',
                                                 transactional boolean DEFAULT true)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_begin';

COMMENT ON FUNCTION audit_softdelete.migration_begin(text, text, text, jsonb, text, boolean) IS
    'Record that a migration starts; returns its run id, or NULL when it is already applied with this checksum.';

CREATE FUNCTION audit_softdelete.migration_finish(id bigint DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_finish';

COMMENT ON FUNCTION audit_softdelete.migration_finish(bigint) IS
    'Mark the migration running in this session succeeded.';

CREATE FUNCTION audit_softdelete.migration_fail(version text, error text)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_fail';

COMMENT ON FUNCTION audit_softdelete.migration_fail(text, text) IS
    'Record that a migration failed: the non-transactional run in progress, or, after a ROLLBACK, a run of its own.';

CREATE FUNCTION audit_softdelete.migration_baseline(version text,
                                                    description text DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_baseline';

COMMENT ON FUNCTION audit_softdelete.migration_baseline(text, text) IS
    'Record that a database whose migrations were never recorded is at a version.';

CREATE FUNCTION audit_softdelete.migration_resolve(version text, status text, reason text)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_resolve';

COMMENT ON FUNCTION audit_softdelete.migration_resolve(text, text, text) IS
    'Record what became of a version''s interrupted or failed run: succeeded or failed.';

CREATE FUNCTION audit_softdelete.migration_accept_checksum(version text, checksum text,
                                                           reason text)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_accept_checksum';

COMMENT ON FUNCTION audit_softdelete.migration_accept_checksum(text, text, text) IS
    'Accept that an applied migration''s script changed: hold the version to this checksum from now on.';

REVOKE ALL ON FUNCTION
    audit_softdelete.migration_begin(text, text, text, jsonb, text, boolean),
    audit_softdelete.migration_finish(bigint),
    audit_softdelete.migration_fail(text, text),
    audit_softdelete.migration_baseline(text, text),
    audit_softdelete.migration_resolve(text, text, text),
    audit_softdelete.migration_accept_checksum(text, text, text)
FROM PUBLIC;

-- Read the ledger as the caller.
CREATE FUNCTION audit_softdelete.migration_status(expected jsonb)
RETURNS TABLE (ordinal integer, version text, status text, checksum text,
               recorded_checksum text, last_run bigint)
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_status';

COMMENT ON FUNCTION audit_softdelete.migration_status(jsonb) IS
    'A migration tool''s list of versions, in order, compared with the ledger: one row per version.';

-- The version the database is at: the applied version applied last.
CREATE FUNCTION audit_softdelete.migration_current()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT v.version FROM audit_softdelete.migration_versions v
     WHERE v.applied ORDER BY v.succeeded_run DESC LIMIT 1
$$;

COMMENT ON FUNCTION audit_softdelete.migration_current() IS
    'The version the database is at: the applied version applied last, downgrades included.';

-- In C: the version is checked as every ledger function checks it.
CREATE FUNCTION audit_softdelete.migration_is_applied(version text)
RETURNS boolean
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_migration_is_applied';

COMMENT ON FUNCTION audit_softdelete.migration_is_applied(text) IS
    'Whether a migration version is applied (baseline included).';

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

----------------------------------------------------------------------------
-- The DDL log: every schema change, by event triggers (src/ddl_log.c)
----------------------------------------------------------------------------

-- An explicit sequence, as for audit_logs: pg_dump keeps its value with
-- the rows (pg_extension_config_dump).
CREATE SEQUENCE audit_softdelete.migration_ddl_id_seq AS bigint;

CREATE TABLE audit_softdelete.migration_ddl (
    id               bigint NOT NULL
                     DEFAULT pg_catalog.nextval('audit_softdelete.migration_ddl_id_seq')
                     PRIMARY KEY,
    -- the migration that ran the command (migrations.id); NULL outside
    -- any migration: drift.  No foreign key: a log row never makes the
    -- command it records fail.
    migration_id     bigint,
    event            text NOT NULL
                     CHECK (event IN ('ddl_command_end', 'sql_drop', 'table_rewrite')),
    command_tag      text NOT NULL,
    -- as pg_event_trigger_ddl_commands() and pg_event_trigger_dropped_objects()
    -- name them
    object_type      text,
    object_identity  text,
    schema_name      text,
    -- run by the extension on a role's behalf: enable(), disable() and the
    -- event triggers that change tables for the role running the DDL
    by_extension     boolean NOT NULL,
    logged_at        timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    txid             xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    db_user          text NOT NULL,
    actor            text,
    application_name text
);

ALTER SEQUENCE audit_softdelete.migration_ddl_id_seq
    OWNED BY audit_softdelete.migration_ddl.id;

-- A migration's DDL (migration_id = ...), and the drift since a time
-- (migration_id IS NULL AND logged_at > ...).
CREATE INDEX migration_ddl_migration_idx
    ON audit_softdelete.migration_ddl (migration_id, logged_at);

COMMENT ON TABLE audit_softdelete.migration_ddl IS
    'Every DDL command, one row per object, recorded by the extension''s event triggers; written only by them.';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migration_ddl', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.migration_ddl_id_seq', '');

-- No grant to PUBLIC: a DBA grants SELECT to the roles that may read it.
REVOKE ALL ON audit_softdelete.migration_ddl FROM PUBLIC;

-- Append-only, for the extension owner and superusers too: no UPDATE, no
-- DELETE, no TRUNCATE (src/ddl_log.c).  INSERT stays, for the event
-- triggers and pg_dump's restore.
CREATE FUNCTION audit_softdelete.migration_ddl_guard()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_migration_ddl_guard';

CREATE TRIGGER migration_ddl_guard
    BEFORE UPDATE OR DELETE ON audit_softdelete.migration_ddl
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();
CREATE TRIGGER migration_ddl_guard_truncate
    BEFORE TRUNCATE ON audit_softdelete.migration_ddl
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();

-- One function for the three events; it writes as the extension owner.
CREATE FUNCTION audit_softdelete.ddl_log_trigger()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_ddl_log_trigger';

COMMENT ON FUNCTION audit_softdelete.ddl_log_trigger() IS
    'Event trigger function: records each DDL command, dropped object and table rewrite in migration_ddl.';

REVOKE ALL ON FUNCTION audit_softdelete.ddl_log_trigger() FROM PUBLIC;

----------------------------------------------------------------------------
-- Drift: schema changes made outside the migrations
----------------------------------------------------------------------------

-- No rows: no drift.  Otherwise, oldest first, one 'ddl' row per command
-- recorded outside any migration after the last finished migration
-- (succeeded or baseline, or resolved as succeeded: finished at the
-- decision, with the fingerprint it recorded; with none, every one
-- recorded), the extension's
-- own enable() and disable() included (by_extension): they change the
-- table too.  REFRESH MATERIALIZED VIEW is logged (PostgreSQL counts it
-- as DDL) but changes no schema: it is no drift.  Nor are GRANT, REVOKE,
-- ALTER DEFAULT PRIVILEGES, COMMENT and SECURITY LABEL, logged too: the
-- fingerprint leaves out privileges and comments.  Then one 'fingerprint'
-- row when the schema's fingerprint differs from the one the last
-- finished migration recorded, which also catches what the log missed
-- (event triggers disabled, a restore).  No finished migration, or none
-- with a fingerprint: no comparison.  Reads as the caller, who needs
-- SELECT on migration_ddl, migrations and migration_events.
CREATE FUNCTION audit_softdelete.migration_drift()
RETURNS TABLE (
    kind                 text,
    ddl_id               bigint,
    logged_at            timestamptz,
    event                text,
    command_tag          text,
    object_type          text,
    object_identity      text,
    by_extension         boolean,
    db_user              text,
    actor                text,
    last_migration_id    bigint,
    recorded_fingerprint text,
    current_fingerprint  text)
LANGUAGE plpgsql STABLE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    last_id       bigint;
    last_finished timestamptz;
    recorded      text;
    current_      text;
BEGIN
    SELECT f.run_id, f.finished_at, f.fingerprint
      INTO last_id, last_finished, recorded
      FROM (SELECT m.id AS run_id, m.finished_at, m.schema_fingerprint AS fingerprint
              FROM audit_softdelete.migrations m
             WHERE m.status IN ('succeeded', 'baseline') AND m.finished_at IS NOT NULL
            UNION ALL
            SELECT e.migration_id, e.recorded_at, e.schema_fingerprint
              FROM audit_softdelete.migration_events e
             WHERE e.action = 'resolve' AND e.status = 'succeeded') f
     ORDER BY f.finished_at DESC, f.run_id DESC
     LIMIT 1;

    RETURN QUERY
        SELECT 'ddl'::text, d.id, d.logged_at, d.event, d.command_tag, d.object_type,
               d.object_identity, d.by_extension, d.db_user, d.actor, last_id,
               NULL::text, NULL::text
          FROM audit_softdelete.migration_ddl d
         WHERE d.migration_id IS NULL
           AND (last_finished IS NULL OR d.logged_at > last_finished)
           AND d.command_tag <> ALL ('{REFRESH MATERIALIZED VIEW, GRANT, REVOKE, ALTER DEFAULT PRIVILEGES, COMMENT, SECURITY LABEL}')
         ORDER BY d.id;

    IF recorded IS NOT NULL THEN
        current_ := audit_softdelete.migration_schema_fingerprint();
        IF current_ IS DISTINCT FROM recorded THEN
            RETURN QUERY
                SELECT 'fingerprint'::text, NULL::bigint, NULL::timestamptz, NULL::text,
                       NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text,
                       NULL::text, last_id, recorded, current_;
        END IF;
    END IF;
END
$$;

COMMENT ON FUNCTION audit_softdelete.migration_drift() IS
    'Schema changes since the last finished migration made outside any migration; no rows: no drift.';

-- Named to fire before the extension's other event triggers (they fire in
-- name order): a command's rows come before those of the DDL the others
-- run in response.  ALWAYS: in replica sessions too.
CREATE EVENT TRIGGER audit_softdelete_ddl_log
    ON ddl_command_end
    EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
ALTER EVENT TRIGGER audit_softdelete_ddl_log ENABLE ALWAYS;

CREATE EVENT TRIGGER audit_softdelete_ddl_log_drop
    ON sql_drop
    EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
ALTER EVENT TRIGGER audit_softdelete_ddl_log_drop ENABLE ALWAYS;

CREATE EVENT TRIGGER audit_softdelete_ddl_log_rewrite
    ON table_rewrite
    EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
ALTER EVENT TRIGGER audit_softdelete_ddl_log_rewrite ENABLE ALWAYS;


----------------------------------------------------------------------------
-- The state of each tracked table (1.1, issue 15)
----------------------------------------------------------------------------

-- Does tbl's column colname fit role, for table_status()?  NULL when it
-- does or when it is missing; otherwise why not, in sentences.  The rule
-- is _check_role_column()'s (src/roles.c).
-- internal: called by _table_status()
CREATE FUNCTION audit_softdelete._role_column_problem(tbl regclass, role text, colname text)
RETURNS text
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_role_column_problem';

-- The first column (jsonb) of the first row of a read-only query, run as
-- the role that called the public function now running (src/owner.c).
-- internal: called by _table_status()
CREATE FUNCTION audit_softdelete._read_as_caller(query text)
RETURNS jsonb
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_read_as_caller';

-- The same for a query that reads a table the caller may read, run as the
-- table's owner in a restricted security context: planning it runs the
-- owner's code (the immutable functions of its index expressions,
-- predicates and statistics), never to run with a reader's rights.
-- internal: called by _table_status(), inside table_status()
CREATE FUNCTION audit_softdelete._read_as_table_owner(tbl regclass, query text)
RETURNS jsonb
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_read_as_table_owner';

-- The body of table_status(), which runs it as the extension owner on
-- behalf of the caller (src/internal.c), so that it may use the internal
-- functions.  What it reads from the catalogs anyone may read; the row
-- counts and the audit figures only when the caller may read the table or
-- audit_logs (NULL otherwise): the audit figures as the caller, through
-- _read_as_caller(), the row counts as the table's owner, through
-- _read_as_table_owner(), whose code planning them runs.
--
-- Costs, so that it stays fast on a big database:
--   * rows: counted when the table (all its partitions) takes at most
--     1 MB; estimated above that, as the planner does, from reltuples
--     scaled to the table's size now and the share of NULL deleted_at in
--     pg_stats (NULL before the first ANALYZE);
--   * audit rows: counted, with the row-history index, up to 10,000; above
--     that estimated from the statistics of audit_logs.table_id, as the
--     planner estimates table_id = ...;
--   * the last audit row: among those counted; for a table with more, the
--     newest of the newest 100,000 audit rows (all tables), read once
--     through the BRIN index; NULL when none of them is the table's
--     (finding it would read every audit row of the table).
-- internal: called by asd_call_internal() in src/internal.c, as table_status()
CREATE FUNCTION audit_softdelete._table_status(tbl regclass DEFAULT NULL)
RETURNS TABLE (
    table_name           regclass,
    table_id             integer,
    enabled              boolean,
    stamps               boolean,
    soft_delete          text,
    audit                boolean,
    live_view            regclass,
    triggers             jsonb,
    missing_columns      text[],
    wrong_columns        text[],
    unique_with_deleted  regclass[],
    live_rows            bigint,
    deleted_rows         bigint,
    rows_estimated       boolean,
    audit_rows           bigint,
    audit_rows_estimated boolean,
    last_audit_at        timestamptz,
    problems             text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    caller       oid := audit_softdelete._caller();
    exact_bytes  constant bigint := 1048576;     -- rows counted up to 1 MB
    exact_audit  constant bigint := 10000;       -- audit rows counted up to this
    newest_audit constant bigint := 100000;      -- where a last audit row is looked for
    reads_log    boolean := has_table_privilege(caller, 'audit_softdelete.audit_logs', 'SELECT');
    shared       text[];                         -- problems of every enabled table
    newest       jsonb;                          -- table_id -> last audit time, read once
    t            record;
    trig         record;
    role_        text;
    colname      text;
    why          text;
    fix_enable   text;
    deleted_col  text;
    counts       jsonb;
    hand         boolean;                        -- triggers attached by hand
    trigger_fns  constant oid[] := ARRAY['audit_softdelete.stamp_trigger()'::regprocedure,
                                         'audit_softdelete.soft_delete_trigger()'::regprocedure,
                                         'audit_softdelete.truncate_guard_trigger()'::regprocedure,
                                         'audit_softdelete.audit_trigger()'::regprocedure,
                                         'audit_softdelete.audit_truncate_trigger()'::regprocedure];
    enable_names constant name[] := ARRAY['audit_softdelete_stamp', 'audit_softdelete_soft_delete',
                                          'audit_softdelete_soft_delete_truncate', 'audit_softdelete_audit',
                                          'audit_softdelete_audit_truncate'];
BEGIN
    -- The extension's event triggers guard every enabled table; those
    -- created ENABLE ALWAYS must fire in replica sessions too (the
    -- install and upgrade scripts set them so).
    shared := ARRAY(
        SELECT format('Event trigger "%s" of the extension %s.', e.evtname,
                      CASE e.evtenabled WHEN 'D' THEN 'is disabled'
                           WHEN 'R' THEN 'fires only in replica sessions'
                           ELSE 'does not fire in replica sessions' END)
               || format(' Fix: ALTER EVENT TRIGGER %I ENABLE%s;', e.evtname,
                         CASE WHEN x.always THEN ' ALWAYS' ELSE '' END)
          FROM pg_event_trigger e
          JOIN pg_depend d ON d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid
                          AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
          JOIN pg_extension x0 ON x0.oid = d.refobjid AND x0.extname = 'audit_softdelete'
          CROSS JOIN LATERAL (SELECT e.evtname IN ('audit_softdelete_guard_triggers',
                                                   'audit_softdelete_verify_triggers',
                                                   'audit_softdelete_verify_trigger_drops',
                                                   'audit_softdelete_column_history',
                                                   'audit_softdelete_ddl_log',
                                                   'audit_softdelete_ddl_log_drop',
                                                   'audit_softdelete_ddl_log_rewrite') AS always) x
         WHERE e.evtenabled NOT IN ('O', 'A') OR (x.always AND e.evtenabled <> 'A')
         ORDER BY e.evtname);
    -- Sessions that start as replicas skip the extension's triggers
    -- (those not made ENABLE ALWAYS): ALTER ROLE / DATABASE ... SET.
    -- A SET in one session is that session's business, and the server's
    -- configuration files are not readable here.
    shared := shared || ARRAY(
        SELECT format('Sessions %s start with session_replication_role = replica, in which the extension''s triggers do not fire.',
                      CASE WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 'of every role in every database'
                           WHEN s.setrole = 0 THEN format('in database "%s"', db.datname)
                           WHEN s.setdatabase = 0 THEN format('of role "%s"', (SELECT r.rolname FROM pg_roles r WHERE r.oid = s.setrole))
                           ELSE format('of role "%s" in database "%s"', (SELECT r.rolname FROM pg_roles r WHERE r.oid = s.setrole), db.datname) END)
               || format(' Fix: ALTER %s RESET session_replication_role;',
                         CASE WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 'ROLE ALL'
                              WHEN s.setrole = 0 THEN format('DATABASE %I', db.datname)
                              WHEN s.setdatabase = 0 THEN format('ROLE %s', s.setrole::regrole)
                              ELSE format('ROLE %s IN DATABASE %I', s.setrole::regrole, db.datname) END)
          FROM pg_db_role_setting s
          LEFT JOIN pg_database db ON db.oid = s.setdatabase
         WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND EXISTS (SELECT FROM unnest(s.setconfig) c
                        WHERE lower(c) IN ('session_replication_role=replica',
                                           'session_replication_role="replica"'))
         ORDER BY s.setdatabase, s.setrole::regrole::text);

    FOR t IN
        SELECT tt.*, c.relkind, c.relname, c.relispartition, c.relnamespace, c.relrowsecurity,
               audit_softdelete._live_view(tt.relid) AS view_
          FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
         WHERE tbl IS NULL OR tt.relid = coalesce(audit_softdelete._tracked_table(tbl), tbl)
         ORDER BY tt.relid::text
    LOOP
        table_name := t.relid;
        table_id := t.table_id;
        enabled := t.enabled;
        -- the features on: none while disabled
        stamps := t.stamps AND t.enabled;
        soft_delete := CASE WHEN t.enabled THEN t.soft_delete ELSE 'off' END;
        audit := t.audit AND t.enabled;
        live_view := t.view_;
        triggers := '{}';
        missing_columns := '{}';
        wrong_columns := '{}';
        unique_with_deleted := '{}';
        problems := '{}';
        deleted_col := NULL;
        -- Triggers a migration attached by hand (enable() with
        -- create_triggers => false): any name, calling the same functions.
        -- Their fixes are the migration's own DDL, not enable(), which
        -- refuses to add its triggers next to them.
        hand := EXISTS (SELECT FROM pg_trigger g
                         WHERE g.tgrelid = t.relid AND NOT g.tgisinternal
                           AND g.tgfoid = ANY (trigger_fns) AND g.tgname <> ALL (enable_names));
        -- enable() again with the table's options: what makes every
        -- trigger, column and live view of them as enable() makes them
        fix_enable := format('SELECT audit_softdelete.enable(%L, stamps => %s, soft_delete => %L, audit => %s',
                             t.relid::text, t.stamps::text, t.soft_delete, t.audit::text)
            || coalesce(', columns => ' || quote_literal((SELECT jsonb_object_agg(m.key, m.value)
                                                          FROM jsonb_each_text(t.columns) m
                                                         WHERE m.key <> m.value)), '')
            || CASE WHEN t.exclude_columns <> '{}' THEN format(', exclude_columns => %L', t.exclude_columns) ELSE '' END
            || CASE WHEN t.redact_columns <> '{}' THEN format(', redact_columns => %L', t.redact_columns) ELSE '' END
            || ');';

        IF t.enabled THEN
            problems := shared;

            -- The triggers of the features on (as _set_triggers() and
            -- _create_live_view() create them, or attached by hand), on the
            -- table, on its partitions (the row triggers' clones, the
            -- TRUNCATE triggers), and on the live view.  tgtype: 1 row,
            -- 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64
            -- instead of.  A trigger calling one of the functions where its
            -- feature is off makes writes fail; two calling the same one do
            -- the work twice.
            FOR trig IN
                WITH expected(name, suffix, wanted, fn, tgtype, what, on_parts, definition) AS (VALUES
                    ('audit_softdelete_stamp', 'stamp', t.stamps,
                     'audit_softdelete.stamp_trigger()'::regprocedure, 23, 'stamps rows', false,
                     'BEFORE INSERT OR UPDATE ON %s FOR EACH ROW'),
                    ('audit_softdelete_soft_delete', 'soft_delete', t.soft_delete <> 'off',
                     'audit_softdelete.soft_delete_trigger()'::regprocedure,
                     CASE WHEN t.relkind = 'p' OR t.relispartition THEN 27 ELSE 11 END, 'turns DELETE into a soft delete', false,
                     CASE WHEN t.relkind = 'p' OR t.relispartition THEN 'BEFORE UPDATE OR DELETE' ELSE 'BEFORE DELETE' END
                     || ' ON %s FOR EACH ROW'),
                    ('audit_softdelete_soft_delete_truncate', 'truncate_guard', t.soft_delete <> 'off',
                     'audit_softdelete.truncate_guard_trigger()'::regprocedure, 34, 'refuses TRUNCATE', true,
                     'BEFORE TRUNCATE ON %s FOR EACH STATEMENT'),
                    ('audit_softdelete_audit', 'audit', t.audit,
                     'audit_softdelete.audit_trigger()'::regprocedure, 29, 'writes the audit trail', false,
                     'AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW'),
                    ('audit_softdelete_audit_truncate', 'audit_truncate', t.audit,
                     'audit_softdelete.audit_truncate_trigger()'::regprocedure, 32, 'audits TRUNCATE', true,
                     'AFTER TRUNCATE ON %s FOR EACH STATEMENT')),
                rels(rel, part, sort) AS (
                    SELECT t.relid, NULL::regclass, ''
                    UNION ALL
                    -- partitions (foreign ones take no TRUNCATE trigger)
                    SELECT p.relid, p.relid, p.relid::text
                      FROM pg_partition_tree(t.relid) p
                      JOIN pg_class pc ON pc.oid = p.relid AND pc.relkind IN ('r', 'p')
                     WHERE p.relid <> t.relid)
                -- each wanted trigger: enable()'s by name, else one attached
                -- by hand calling its function
                SELECT e.name AS expected, coalesce(g.tgname, CASE WHEN hand THEN format('%s_%s', t.relname, e.suffix)
                                                                   ELSE e.name END) AS name,
                       e.what, r.part, r.sort, g.tgenabled, e.definition, e.fn,
                       g.oid IS NOT NULL AND (g.tgfoid <> e.fn OR g.tgtype <> e.tgtype OR g.tgqual IS NOT NULL
                                              OR g.tgnargs <> 0 OR g.tgattr <> '') AS changed,
                       r.rel, NULL::text AS extra
                  FROM expected e
                  CROSS JOIN rels r
                  LEFT JOIN LATERAL (
                        SELECT g.* FROM pg_trigger g
                         WHERE g.tgrelid = r.rel AND NOT g.tgisinternal
                           AND (g.tgname = e.name OR (g.tgfoid = e.fn AND g.tgname <> ALL (enable_names)))
                         ORDER BY g.tgname = e.name DESC, g.tgname
                         LIMIT 1) g ON true
                 -- a row trigger's clone cannot be dropped, only disabled
                 WHERE e.wanted AND (r.part IS NULL OR e.on_parts OR g.oid IS NOT NULL)
                UNION ALL
                -- a second trigger calling a function, or one whose feature
                -- is off (not a partition's clone: its parent's is reported)
                SELECT NULL, g.tgname, e.what, r.part, r.sort, g.tgenabled, e.definition, e.fn, false, r.rel,
                       CASE WHEN NOT e.wanted THEN 'off' ELSE 'twice' END
                  FROM expected e
                  CROSS JOIN rels r
                  JOIN pg_trigger g ON g.tgrelid = r.rel AND NOT g.tgisinternal AND g.tgfoid = e.fn
                                   AND g.tgparentid = 0
                 WHERE NOT e.wanted
                    OR g.tgname <> (SELECT g2.tgname FROM pg_trigger g2
                                     WHERE g2.tgrelid = r.rel AND NOT g2.tgisinternal AND g2.tgfoid = e.fn
                                     ORDER BY g2.tgname = e.name DESC, g2.tgname LIMIT 1)
                UNION ALL
                SELECT 'audit_softdelete_view_delete', 'audit_softdelete_view_delete',
                       'soft-deletes the rows deleted through the live view',
                       NULL, '', g.tgenabled, NULL, NULL,
                       g.oid IS NOT NULL AND (g.tgfoid <> 'audit_softdelete.view_delete_trigger()'::regprocedure
                                              OR g.tgtype <> 73 OR g.tgqual IS NOT NULL
                                              OR g.tgnargs <> 0 OR g.tgattr <> ''),
                       t.view_, NULL
                  FROM (SELECT) AS one
                  LEFT JOIN pg_trigger g ON g.tgrelid = t.view_ AND g.tgname = 'audit_softdelete_view_delete'
                 WHERE t.view_ IS NOT NULL
                 ORDER BY sort, name
            LOOP
                IF trig.extra IS NOT NULL THEN
                    problems := problems || (format('Trigger "%s"%s calls %s, %s.', trig.name,
                                                    CASE WHEN trig.part IS NOT NULL THEN format(' on partition %s', trig.part)
                                                         ELSE '' END,
                                                    trig.fn,
                                                    CASE trig.extra WHEN 'off' THEN 'whose feature is off for the table: writes fail'
                                                         ELSE 'as another trigger does: its work is done twice' END)
                                             || format(' Fix: DROP TRIGGER %I ON %s;', trig.name, trig.rel));
                    CONTINUE;
                END IF;
                IF trig.part IS NULL THEN
                    triggers := triggers || jsonb_build_object(trig.name,
                        CASE WHEN trig.tgenabled IS NULL THEN 'missing'
                             WHEN trig.changed THEN 'changed'
                             ELSE CASE trig.tgenabled WHEN 'O' THEN 'enabled' WHEN 'A' THEN 'always'
                                                      WHEN 'R' THEN 'replica' ELSE 'disabled' END END);
                END IF;
                IF trig.tgenabled IS NULL OR trig.changed THEN
                    problems := problems || (format('Trigger "%s"%s, which %s, is %s.', trig.name,
                                                    CASE WHEN trig.part IS NOT NULL THEN format(' on partition %s', trig.part)
                                                         WHEN trig.rel = t.view_ THEN format(' on the live view %s', t.view_)
                                                         ELSE '' END,
                                                    trig.what,
                                                    CASE WHEN trig.changed THEN 'not as enable() creates it'
                                                         ELSE 'missing' END)
                                             || ' Fix: '
                                             || CASE WHEN hand AND trig.definition IS NOT NULL
                                                     THEN format('CREATE OR REPLACE TRIGGER %I ', trig.name)
                                                          || format(trig.definition, trig.rel)
                                                          || format(' EXECUTE FUNCTION %s;', trig.fn)
                                                     ELSE fix_enable END);
                ELSIF trig.tgenabled IN ('D', 'R') THEN
                    problems := problems || (format('Trigger "%s"%s, which %s, %s.', trig.name,
                                                    CASE WHEN trig.part IS NOT NULL THEN format(' on partition %s', trig.part)
                                                         ELSE '' END,
                                                    trig.what,
                                                    CASE trig.tgenabled WHEN 'D' THEN 'is disabled'
                                                         ELSE 'fires only in sessions with session_replication_role = replica' END)
                                             || format(' Fix: ALTER TABLE %s ENABLE TRIGGER %I;', trig.rel, trig.name));
                END IF;
            END LOOP;
            IF t.soft_delete = 'view' AND t.view_ IS NULL THEN
                problems := problems || (format('The live view "%s" of view mode is missing.', t.view_name)
                                         || ' Fix: ' || fix_enable);
            END IF;

            -- The columns of the features on: missing ones (enable() adds
            -- them), and ones that cannot hold what the triggers write.
            FOREACH role_ IN ARRAY audit_softdelete._role_names() LOOP
                CONTINUE WHEN NOT CASE WHEN role_ LIKE 'deleted\_%' THEN t.soft_delete <> 'off' ELSE t.stamps END;
                colname := t.columns ->> role_;
                IF NOT EXISTS (SELECT FROM pg_attribute a
                                WHERE a.attrelid = t.relid AND a.attname = colname AND NOT a.attisdropped) THEN
                    missing_columns := missing_columns || colname;
                    problems := problems || (format('Column "%s", which %s writes, is missing.', colname,
                                                    CASE WHEN role_ LIKE 'deleted\_%' THEN 'soft delete' ELSE 'stamping' END)
                                             || ' Fix: '
                                             || CASE WHEN hand
                                                     THEN format('ALTER TABLE %s ADD COLUMN %I %s;', t.relid, colname,
                                                                 CASE role_ WHEN 'created_at' THEN 'timestamptz NOT NULL DEFAULT now()'
                                                                            WHEN 'updated_at' THEN 'timestamptz'
                                                                            WHEN 'deleted_at' THEN 'timestamptz'
                                                                            ELSE 'text' END)
                                                     ELSE fix_enable END);
                    CONTINUE;
                END IF;
                why := audit_softdelete._role_column_problem(t.relid, role_, colname);
                IF why IS NOT NULL THEN
                    wrong_columns := wrong_columns || colname;
                    problems := problems || (why || ' Fix: '
                        || CASE WHEN EXISTS (SELECT FROM pg_attribute a
                                              WHERE a.attrelid = t.relid AND a.attname = colname AND a.attgenerated <> '')
                                THEN format('ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION;', t.relid, colname)
                                ELSE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s;', t.relid, colname,
                                            CASE WHEN role_ LIKE '%\_at' THEN 'timestamptz' ELSE 'text' END, colname,
                                            CASE WHEN role_ LIKE '%\_at' THEN 'timestamptz' ELSE 'text' END) END);
                ELSIF role_ = 'deleted_at' THEN
                    deleted_col := colname;
                END IF;
            END LOOP;

            -- Unique indexes that keep a soft-deleted row's key taken: the
            -- rule and the index to create instead are enable()'s.
            IF deleted_col IS NOT NULL THEN
                FOR trig IN
                    SELECT i.indexrelid::regclass AS name, i.indpred IS NOT NULL AS partial,
                           k.conname,
                           regexp_replace(substr(pg_get_indexdef(i.indexrelid),
                                                 length(format('CREATE UNIQUE INDEX %I ON ', c.relname)) + 1),
                                          '^(ONLY )?(.*?) USING btree \(', '\2 (') AS definition
                      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                      LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = t.relid
                     WHERE i.indrelid = t.relid AND i.indisunique AND NOT i.indisprimary
                       AND NOT coalesce(audit_softdelete._excludes_deleted(i.indexrelid, deleted_col), false)
                     ORDER BY i.indexrelid::regclass::text
                LOOP
                    unique_with_deleted := unique_with_deleted || trig.name;
                    problems := problems || (format('Unique index "%s" also counts soft-deleted rows: a deleted row''s values cannot be inserted again.',
                                                    (SELECT c.relname FROM pg_class c WHERE c.oid = trig.name))
                        || format(' Fix: CREATE UNIQUE INDEX ON %s %s %I IS NULL; ', trig.definition,
                                  CASE WHEN trig.partial THEN 'AND' ELSE 'WHERE' END, deleted_col)
                        || CASE WHEN trig.conname IS NOT NULL
                                THEN format('ALTER TABLE %s DROP CONSTRAINT %I;', t.relid, trig.conname)
                                ELSE format('DROP INDEX %s;', trig.name) END);
                END LOOP;
            END IF;

            -- Inheritance children not enabled: row triggers fire on the
            -- table a row is in (enable() warns of them).
            FOR trig IN
                SELECT i.inhrelid::regclass AS name
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = t.relid AND NOT c.relispartition
                   AND NOT EXISTS (SELECT FROM audit_softdelete.tracked_tables x
                                    WHERE x.relid = i.inhrelid AND x.enabled)
                 ORDER BY 1
            LOOP
                problems := problems || (format('Rows of inheritance child "%s" are not stamped, soft-deleted or audited: row triggers fire on the table a row is in.',
                                                trig.name)
                    || format(' Fix: SELECT audit_softdelete.enable(%L, stamps => %s, soft_delete => %L, audit => %s);',
                              trig.name::text, t.stamps::text,
                              CASE t.soft_delete WHEN 'view' THEN 'trigger' ELSE t.soft_delete END, t.audit::text));
            END LOOP;

            -- Tables referencing it without the check of references to
            -- soft-deleted rows (their owner dropped it, or could not be
            -- given it).
            IF t.soft_delete <> 'off' THEN
                FOR trig IN
                    SELECT DISTINCT coalesce(pg_partition_root(c.conrelid), c.conrelid)::regclass AS name
                      FROM pg_constraint c
                     WHERE c.contype = 'f' AND c.confrelid = t.relid
                       AND NOT EXISTS (SELECT FROM pg_trigger tg
                                        WHERE tg.tgrelid = coalesce(pg_partition_root(c.conrelid), c.conrelid)
                                          AND tg.tgfoid = 'audit_softdelete.live_parent_trigger()'::regprocedure)
                     ORDER BY 1
                LOOP
                    problems := problems || (format('Table "%s" references this table, but nothing stops its new rows from referencing soft-deleted rows.',
                                                    trig.name)
                        || format(' Fix: CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();',
                                  trig.name));
                END LOOP;
            END IF;
        END IF;

        -- Rows, as the caller: counted when small, else estimated.
        live_rows := NULL;
        deleted_rows := NULL;
        rows_estimated := NULL;
        -- (without USAGE on its schema the caller cannot name the table,
        -- SELECT or not)
        IF has_table_privilege(caller, t.relid, 'SELECT')
           AND has_schema_privilege(caller, t.relnamespace, 'USAGE') THEN
            -- pg_partition_tree() gives nothing for a table outside any
            -- partition tree: the table itself is added
            -- A table under row-level security is not counted: its
            -- policies, its owner's code, would run as the reader, who
            -- only asked for the status (they may write, as the reader).
            IF (SELECT sum(pg_relation_size(p.relid))
                  FROM (SELECT t.relid UNION SELECT p.relid FROM pg_partition_tree(t.relid) p) p) <= exact_bytes
               AND NOT t.relrowsecurity
               AND NOT EXISTS (SELECT FROM pg_partition_tree(t.relid) p JOIN pg_class c ON c.oid = p.relid
                                WHERE c.relkind = 'f') THEN
                rows_estimated := false;
                -- ONLY: a table's inheritance children are not its rows;
                -- as the table's owner (see _read_as_table_owner)
                counts := audit_softdelete._read_as_table_owner(t.relid,
                    CASE WHEN deleted_col IS NULL
                         THEN format('SELECT pg_catalog.jsonb_build_object(''live'', pg_catalog.count(*)) FROM %s%s',
                                     CASE WHEN t.relkind = 'p' THEN '' ELSE 'ONLY ' END, t.relid)
                         ELSE format('SELECT pg_catalog.jsonb_build_object(''live'', pg_catalog.count(*) FILTER (WHERE %I IS NULL),'
                                     ' ''deleted'', pg_catalog.count(*) FILTER (WHERE %I IS NOT NULL)) FROM %s%s',
                                     deleted_col, deleted_col,
                                     CASE WHEN t.relkind = 'p' THEN '' ELSE 'ONLY ' END, t.relid) END);
            ELSE
                -- each table's reltuples as of its last VACUUM or ANALYZE,
                -- scaled to its size now, split by the share of NULL
                -- deleted_at ANALYZE found (pg_stats, as the caller sees it)
                rows_estimated := true;
                counts := audit_softdelete._read_as_caller(format(
                    'SELECT pg_catalog.jsonb_build_object(''live'', pg_catalog.round(pg_catalog.sum(e.n * e.live)),'
                    ' ''deleted'', pg_catalog.round(pg_catalog.sum(e.n * (1 - e.live))))'
                    '  FROM (SELECT CASE WHEN c.relpages > 0 AND c.reltuples >= 0'
                    '                    THEN c.reltuples / c.relpages * pg_catalog.ceil(pg_catalog.pg_relation_size(c.oid)'
                    '                         / pg_catalog.current_setting(''block_size'')::float8) END AS n,'
                    '               %s AS live'
                    '          FROM (SELECT %L::pg_catalog.regclass AS relid'
                    '                UNION SELECT p.relid FROM pg_catalog.pg_partition_tree(%L) p) p'
                    '          JOIN pg_catalog.pg_class c ON c.oid = p.relid AND c.relkind = ''r'''
                    '          LEFT JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace'
                    '          LEFT JOIN pg_catalog.pg_stats st ON st.schemaname = s.nspname AND st.tablename = c.relname'
                    '                                           AND st.attname = %L AND NOT st.inherited) e',
                    CASE WHEN deleted_col IS NULL THEN '1' ELSE 'st.null_frac' END, t.relid, t.relid,
                    deleted_col));
            END IF;
            live_rows := (counts ->> 'live')::bigint;
            deleted_rows := CASE WHEN deleted_col IS NOT NULL THEN (counts ->> 'deleted')::bigint END;
        END IF;

        -- Audit rows, as the caller: counted up to exact_audit through the
        -- row-history index (its entries only), else estimated.
        audit_rows := NULL;
        audit_rows_estimated := NULL;
        last_audit_at := NULL;
        IF reads_log THEN
            counts := audit_softdelete._read_as_caller(format(
                'WITH s AS (SELECT l.id FROM audit_softdelete.audit_logs l'
                '            WHERE l.table_id OPERATOR(pg_catalog.=) %s LIMIT %s)'
                'SELECT pg_catalog.jsonb_build_object(''n'', (SELECT pg_catalog.count(*) FROM s),'
                '       ''last'', (SELECT l.logged_at FROM audit_softdelete.audit_logs l'
                '                  WHERE l.table_id OPERATOR(pg_catalog.=) %s'
                '                    AND l.id OPERATOR(pg_catalog.=) (SELECT pg_catalog.max(s.id) FROM s)))',
                t.table_id, exact_audit + 1, t.table_id));
            IF (counts ->> 'n')::bigint <= exact_audit THEN
                audit_rows := (counts ->> 'n')::bigint;
                audit_rows_estimated := false;
                last_audit_at := (counts ->> 'last')::timestamptz;
            ELSE
                audit_rows_estimated := true;
                -- as the planner estimates table_id = <this one>
                audit_rows := (audit_softdelete._read_as_caller(format(
                    'SELECT pg_catalog.to_jsonb(pg_catalog.round(greatest(%s,'
                    '         c.reltuples / c.relpages * pg_catalog.ceil(pg_catalog.pg_relation_size(c.oid)'
                    '           / pg_catalog.current_setting(''block_size'')::float8)'
                    '         * CASE WHEN %s = ANY (st.most_common_vals::text::integer[])'
                    '                THEN st.most_common_freqs[pg_catalog.array_position(st.most_common_vals::text::integer[], %s)]'
                    '                ELSE (1 - st.null_frac - coalesce((SELECT pg_catalog.sum(f) FROM pg_catalog.unnest(st.most_common_freqs) f), 0))'
                    '                     / greatest(CASE WHEN st.n_distinct < 0 THEN -st.n_distinct * c.reltuples ELSE st.n_distinct END'
                    '                                           - coalesce(pg_catalog.array_length(st.most_common_freqs, 1), 0), 1) END)))'
                    '  FROM pg_catalog.pg_class c, pg_catalog.pg_stats st'
                    ' WHERE c.oid = ''audit_softdelete.audit_logs''::pg_catalog.regclass AND c.relpages > 0'
                    '   AND st.schemaname = ''audit_softdelete'' AND st.tablename = ''audit_logs'''
                    '   AND st.attname = ''table_id'' AND NOT st.inherited',
                    exact_audit + 1, t.table_id, t.table_id)) #>> '{}')::bigint;
                -- the newest audit rows of all tables, read once
                IF newest IS NULL THEN
                    newest := coalesce(audit_softdelete._read_as_caller(format(
                        'SELECT pg_catalog.jsonb_object_agg(w.table_id, w.logged_at)'
                        '  FROM (SELECT DISTINCT ON (l.table_id) l.table_id, l.logged_at'
                        '          FROM audit_softdelete.audit_logs l'
                        '         WHERE l.id OPERATOR(pg_catalog.>) %s'
                        '         ORDER BY l.table_id, l.id DESC) w',
                        (SELECT q.last_value FROM audit_softdelete.audit_logs_id_seq q) - newest_audit)), '{}');
                END IF;
                last_audit_at := (newest ->> t.table_id::text)::timestamptz;
            END IF;
        END IF;

        RETURN NEXT;
    END LOOP;
END
$$;

-- One table's state, or every tracked table's (tbl NULL): what the view
-- status shows.  Open to all: it runs _table_status() as the extension
-- owner, which reads the catalogs, and reads rows and audit rows as the
-- caller.
CREATE FUNCTION audit_softdelete.table_status(tbl regclass DEFAULT NULL)
RETURNS TABLE (
    table_name           regclass,
    table_id             integer,
    enabled              boolean,
    stamps               boolean,
    soft_delete          text,
    audit                boolean,
    live_view            regclass,
    triggers             jsonb,
    missing_columns      text[],
    wrong_columns        text[],
    unique_with_deleted  regclass[],
    live_rows            bigint,
    deleted_rows         bigint,
    rows_estimated       boolean,
    audit_rows           bigint,
    audit_rows_estimated boolean,
    last_audit_at        timestamptz,
    problems             text[])
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.table_status(regclass) IS
    'The state of a tracked table (all of them when NULL): features, triggers, columns, unique indexes, rows, audit rows, problems with their fixes.';

-- One row per tracked table; problems is empty when all is well.
CREATE VIEW audit_softdelete.status WITH (security_invoker = true) AS
SELECT s.* FROM audit_softdelete.table_status() s;

COMMENT ON VIEW audit_softdelete.status IS
    'One row per tracked table: its features, triggers, columns, unique indexes, rows, audit rows, and problems with the SQL that fixes each.';

GRANT SELECT ON audit_softdelete.status TO PUBLIC;

REVOKE ALL ON FUNCTION
    audit_softdelete._role_column_problem(regclass, text, text),
    audit_softdelete._read_as_caller(text),
    audit_softdelete._read_as_table_owner(regclass, text),
    audit_softdelete._table_status(regclass)
FROM PUBLIC;

----------------------------------------------------------------------------
-- View mode: the live view keeps its own grants and comment (1.1)
----------------------------------------------------------------------------

-- An ALTER TABLE of a table in view mode drops the live view and makes it
-- again (its columns follow the table's).  In 1.0 the view it made took
-- the table's grants again, so grants and a comment given to the view
-- itself (GRANT SELECT ON orders TO reporting, after enable()) were lost
-- at the next migration.  Now the view's privileges and comment are kept
-- for the rest of the transaction when it is dropped, and the view made
-- again gets them back (granted by the table's owner, who makes it),
-- column grants and comments on the columns it still has included, with
-- the table's grants as in 1.0.  (A privilege revoked on the view alone that the
-- table grants comes back: the view runs with the caller's rights, so
-- such a revoke keeps nobody from the table's rows.)  enable() leaving
-- view mode and disable() forget what they kept: a view made later in
-- the transaction is made anew.
-- What is kept is a setting local to the transaction, named after the
-- table: a role setting it itself could only make the view get grants
-- its owner gives anyway.
CREATE OR REPLACE FUNCTION audit_softdelete._drop_live_view(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    view_ regclass := audit_softdelete._live_view(tbl);
BEGIN
    IF view_ IS NOT NULL THEN
        PERFORM set_config(format('audit_softdelete_live_view.t%s', tbl::oid),
                           jsonb_build_object('acl', (SELECT c.relacl::text[] FROM pg_class c WHERE c.oid = view_),
                                              -- by the number of the table's column, which a
                                              -- RENAME COLUMN keeps
                                              'columns', (SELECT jsonb_object_agg(t.attnum, a.attacl::text[])
                                                            FROM pg_attribute a
                                                            JOIN pg_attribute t ON t.attrelid = tbl AND t.attname = a.attname
                                                                               AND t.attnum > 0 AND NOT t.attisdropped
                                                           WHERE a.attrelid = view_ AND a.attnum > 0
                                                             AND NOT a.attisdropped AND a.attacl IS NOT NULL),
                                              'column_comments', (SELECT jsonb_object_agg(t.attnum, d.description)
                                                                    FROM pg_description d
                                                                    JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid
                                                                    JOIN pg_attribute t ON t.attrelid = tbl AND t.attname = a.attname
                                                                                       AND t.attnum > 0 AND NOT t.attisdropped
                                                                   WHERE d.classoid = 'pg_class'::regclass AND d.objoid = view_
                                                                     AND d.objsubid > 0),
                                              'comment', obj_description(view_, 'pg_class'))::text,
                           true);
        PERFORM audit_softdelete._as_caller(format('DROP VIEW %s', view_));
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION audit_softdelete._create_live_view(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t         record;
    view_name text;
    grant_    record;
    kept      jsonb := nullif(current_setting(format('audit_softdelete_live_view.t%s', tbl::oid), true), '')::jsonb;
    acl       aclitem[];
BEGIN
    SELECT tt.view_name AS name, tt.columns ->> 'deleted_at' AS deleted_at,
           c.relnamespace::regnamespace::text AS schema, c.relacl, c.relowner
      INTO t
      FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
     WHERE tt.relid = tbl;
    view_name := format('%s.%I', t.schema, t.name);

    PERFORM audit_softdelete._as_caller(format('CREATE VIEW %s WITH (security_invoker = true) AS SELECT * FROM %s WHERE %I IS NULL',
                   view_name, tbl, t.deleted_at));
    PERFORM audit_softdelete._as_caller(format('CREATE TRIGGER audit_softdelete_view_delete INSTEAD OF DELETE ON %s'
                   ' FOR EACH ROW EXECUTE FUNCTION audit_softdelete.view_delete_trigger()', view_name));
    PERFORM audit_softdelete._set_live_view_defaults(tbl);
    -- owned like the table, so that its owner's ALTER TABLE can remake it
    PERFORM audit_softdelete._as_caller(format('ALTER VIEW %s OWNER TO %s', view_name, t.relowner::regrole));
    -- the table's grants (without them the view gives nothing: it runs
    -- with the caller's rights), and those of the view it replaces
    acl := coalesce(t.relacl, '{}');
    IF kept IS NOT NULL THEN
        acl := acl || ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(kept -> 'acl') = 'array'
                                                                  THEN kept -> 'acl' ELSE '[]' END))::aclitem[];
        IF kept ->> 'comment' IS NOT NULL THEN
            PERFORM audit_softdelete._as_caller(format('COMMENT ON VIEW %s IS %L', view_name, kept ->> 'comment'));
        END IF;
        PERFORM set_config(format('audit_softdelete_live_view.t%s', tbl::oid), '', true);
    END IF;
    -- (an empty array is no ACL aclexplode() reads)
    FOR grant_ IN SELECT * FROM aclexplode(nullif(acl, '{}')) a WHERE a.grantee <> t.relowner LOOP
        PERFORM audit_softdelete._as_caller(format('GRANT %s ON %s TO %s%s', grant_.privilege_type, view_name,
                       CASE WHEN grant_.grantee = 0 THEN 'PUBLIC'
                            ELSE grant_.grantee::regrole::text END,
                       CASE WHEN grant_.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END));
    END LOOP;
    -- the column grants of the view it replaces, on the columns it still has
    FOR grant_ IN SELECT a.attname, x.*
                    FROM jsonb_each(CASE WHEN jsonb_typeof(kept -> 'columns') = 'object'
                                         THEN kept -> 'columns' ELSE '{}' END) k
                    JOIN pg_attribute ta ON ta.attrelid = tbl AND ta.attnum::text = k.key
                                        AND ta.attnum > 0 AND NOT ta.attisdropped
                    JOIN pg_attribute a ON a.attrelid = view_name::regclass AND a.attname = ta.attname
                                       AND a.attnum > 0 AND NOT a.attisdropped
                   CROSS JOIN aclexplode(ARRAY(SELECT jsonb_array_elements_text(k.value))::aclitem[]) x
                   WHERE jsonb_typeof(k.value) = 'array' AND x.grantee <> t.relowner LOOP
        PERFORM audit_softdelete._as_caller(format('GRANT %s (%I) ON %s TO %s%s', grant_.privilege_type,
                       grant_.attname, view_name,
                       CASE WHEN grant_.grantee = 0 THEN 'PUBLIC'
                            ELSE grant_.grantee::regrole::text END,
                       CASE WHEN grant_.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END));
    END LOOP;
    -- and the comments on its columns
    FOR grant_ IN SELECT ta.attname, k.value
                    FROM jsonb_each_text(CASE WHEN jsonb_typeof(kept -> 'column_comments') = 'object'
                                              THEN kept -> 'column_comments' ELSE '{}' END) k
                    JOIN pg_attribute ta ON ta.attrelid = tbl AND ta.attnum::text = k.key
                                        AND ta.attnum > 0 AND NOT ta.attisdropped LOOP
        PERFORM audit_softdelete._as_caller(format('COMMENT ON COLUMN %s.%I IS %L', view_name,
                       grant_.attname, grant_.value));
    END LOOP;
END
$$;

----------------------------------------------------------------------------
-- A live row may not come to reference a soft-deleted row (1.1)
----------------------------------------------------------------------------

-- A soft-deleted row still exists, so a foreign key onto its table still
-- finds it: a new child row could reference a parent the application
-- deleted, which the DELETE soft delete replaces would have refused.  Each
-- table with a foreign key onto a soft-delete table gets this trigger
-- (src/live_parent.c), which refuses that with 23503 as PostgreSQL would.
CREATE FUNCTION audit_softdelete.live_parent_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_live_parent_trigger';

COMMENT ON FUNCTION audit_softdelete.live_parent_trigger() IS
    'AFTER INSERT OR UPDATE row trigger on each table with a foreign key onto a soft-delete table, created by enable(): refuses a live row that references a soft-deleted one.';

-- Give the trigger to every table that needs it and take it from those
-- that no longer do (among tables, or all when NULL): the tables with a
-- foreign key onto an enabled soft-delete table, each at the top of its
-- partition tree (PostgreSQL clones a row trigger to every partition, now
-- and later).  As the extension owner, as PostgreSQL puts its own
-- foreign-key triggers on the referenced table whoever owns it; a table it
-- may not give a trigger to gets a WARNING instead.  A trigger the table's
-- owner dropped comes back at the next enable() of a table it references
-- or DDL on the table.  Triggers go before triggers come: a partition
-- attached with a check of its own gives it up before its partitioned
-- table gets the one PostgreSQL clones to it under the same name.  A
-- table of the list stands for its partition tree (its root's), and only
-- the catalog rows of those are read: enable_schema() of many tables
-- calls this for each.
-- internal: called by _enable(), _disable() and _live_parent_triggers_after_ddl()
CREATE FUNCTION audit_softdelete._sync_live_parent_triggers(tables oid[] DEFAULT NULL,
                                                           drop_unwanted boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t     record;
    msg   text;
    scope oid[];
BEGIN
    IF tables IS NOT NULL THEN
        scope := ARRAY(
            WITH listed AS (
                SELECT DISTINCT coalesce(pg_partition_root(l.relid), l.relid) AS relid
                  FROM unnest(tables) l(relid))
            SELECT l.relid FROM listed l
            UNION
            SELECT pt.relid FROM listed l, pg_partition_tree(l.relid) pt);
    END IF;
    FOR t IN
        WITH wanted AS (
            SELECT DISTINCT coalesce(pg_partition_root(c.conrelid), c.conrelid) AS relid
              FROM pg_constraint c
              JOIN audit_softdelete.tracked_tables tt ON tt.relid = c.confrelid
             WHERE c.contype = 'f' AND tt.enabled AND tt.soft_delete <> 'off'
               AND (scope IS NULL OR c.conrelid = ANY (scope))),
        present AS (
            SELECT tg.tgrelid AS relid, tg.tgname
              FROM pg_trigger tg
             WHERE tg.tgfoid = 'audit_softdelete.live_parent_trigger()'::regprocedure
               AND tg.tgparentid = 0
               AND (scope IS NULL OR tg.tgrelid = ANY (scope)))
        SELECT coalesce(w.relid, p.relid)::regclass AS tbl, w.relid IS NOT NULL AS wanted, p.tgname
          FROM wanted w FULL JOIN present p ON p.relid = w.relid
         WHERE (w.relid IS NULL AND drop_unwanted) OR p.relid IS NULL
         ORDER BY 2, 1
    LOOP
        IF t.wanted THEN
            BEGIN
                EXECUTE format('CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON %s'
                               ' FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger()', t.tbl);
            EXCEPTION WHEN insufficient_privilege OR duplicate_object THEN
                GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
                RAISE WARNING 'rows of table "%" are not checked for references to soft-deleted rows', t.tbl
                    USING DETAIL = msg,
                          HINT = format('Its owner can create the check: CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();',
                                        t.tbl);
            END;
        ELSE
            EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
        END IF;
    END LOOP;
END
$$;

-- After CREATE TABLE or ALTER TABLE: the tables the command made or
-- changed get the trigger, or lose it with their last foreign key onto a
-- soft-delete table.  After a partition came or went, every table: a
-- detached partition keeps its copy of the foreign key but loses the
-- trigger PostgreSQL had cloned to it, and the command names only the
-- partitioned table.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._live_parent_triggers_after_ddl(all_tables boolean,
                                                                drop_unwanted boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF all_tables THEN
        PERFORM audit_softdelete._sync_live_parent_triggers(NULL, drop_unwanted);
        RETURN;
    END IF;
    PERFORM audit_softdelete._sync_live_parent_triggers(
        ARRAY(SELECT DISTINCT coalesce(pg_partition_root(d.objid), d.objid)
                FROM pg_event_trigger_ddl_commands() d
                JOIN pg_class c ON c.oid = d.objid
               WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
                 AND c.relkind IN ('r', 'p')),
        drop_unwanted);
END
$$;

-- Before ALTER TABLE ... ATTACH PARTITION: the new partition (and its own
-- partitions) give up the checks of their own.  PostgreSQL clones the
-- partitioned table's row triggers to the partition by name, and refuses
-- to attach a table that has a trigger of the same name; the partitioned
-- table's check covers the partition, and _live_parent_triggers_after_ddl()
-- gives the partitioned table one where it had none.  An attach that fails
-- takes the drop back with it.
-- internal: called by asd_live_view_before_alter() in src/viewmode.c
CREATE FUNCTION audit_softdelete._live_parent_before_attach(part regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tg.tgrelid::regclass AS tbl, tg.tgname
          FROM pg_trigger tg
         WHERE tg.tgfoid = 'audit_softdelete.live_parent_trigger()'::regprocedure
           AND tg.tgparentid = 0
           AND (tg.tgrelid = part
                OR tg.tgrelid IN (SELECT pt.relid FROM pg_partition_tree(part) pt))
         ORDER BY 1
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
    END LOOP;
END
$$;

-- As in 1.0, and a table without soft delete takes the trigger from the
-- tables referencing it.
CREATE OR REPLACE FUNCTION audit_softdelete._disable(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relname text;
    t       record;
BEGIN
    tbl := coalesce(audit_softdelete._tracked_table(tbl), tbl);
    relname := audit_softdelete._check_table(tbl, 'disable');

    SELECT * INTO t FROM audit_softdelete.tracked_tables
     WHERE relid = tbl AND enabled;
    IF NOT FOUND THEN
        RAISE NOTICE 'table "%" is not enabled, skipping', relname;
        RETURN;
    END IF;

    -- view mode: the table gets its name back
    IF t.soft_delete = 'view' THEN
        PERFORM audit_softdelete._drop_live_view(tbl);
        -- no view made again: a view made later is made anew
        PERFORM set_config(format('audit_softdelete_live_view.t%s', tbl::oid), '', true);
        PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, t.view_name));
    END IF;
    PERFORM audit_softdelete._set_triggers(tbl, false, 'off', false);
    PERFORM audit_softdelete._save_table_options(tbl, false, false, '{}', false, '{}', '{}',
                                                 'off', NULL);
    IF t.soft_delete <> 'off' THEN
        PERFORM audit_softdelete._sync_live_parent_triggers(
            ARRAY(SELECT c.conrelid FROM pg_constraint c
                   WHERE c.contype = 'f' AND c.confrelid = tbl));
    END IF;
END
$$;

REVOKE ALL ON FUNCTION
    audit_softdelete._sync_live_parent_triggers(oid[], boolean),
    audit_softdelete._live_parent_triggers_after_ddl(boolean, boolean),
    audit_softdelete._live_parent_before_attach(regclass)
FROM PUBLIC;

-- The tables that already reference soft-delete tables.
SELECT audit_softdelete._sync_live_parent_triggers();
