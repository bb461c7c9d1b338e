\echo Use "CREATE EXTENSION audit_softdelete" to load this file. \quit

-- The schema is created by CREATE EXTENSION (see the control file).  Roles
-- need USAGE to call enable(), set_actor() and current_actor(); the tables
-- below carry their own, narrower grants.
GRANT USAGE ON SCHEMA audit_softdelete TO PUBLIC;

----------------------------------------------------------------------------
-- Catalog: which tables are enabled, and how
----------------------------------------------------------------------------

-- table_id is the stable name of a table for the audit trail: OIDs change
-- with pg_dump/restore, names with renames, table_id with neither.  An
-- explicit sequence (not an identity column) so that pg_dump keeps its
-- value together with the rows, through pg_extension_config_dump.
CREATE SEQUENCE audit_softdelete.tracked_tables_table_id_seq AS integer;

CREATE TABLE audit_softdelete.tracked_tables (
    relid        regclass PRIMARY KEY,
    table_id     integer NOT NULL UNIQUE
                 DEFAULT pg_catalog.nextval('audit_softdelete.tracked_tables_table_id_seq'),
    enabled      boolean NOT NULL DEFAULT true,
    -- features
    stamps       boolean NOT NULL,
    audit        boolean NOT NULL,
    -- columns that never appear in audit_logs, and columns whose values
    -- appear there as a marker; names follow column renames
    exclude_columns text[] NOT NULL DEFAULT '{}',
    redact_columns  text[] NOT NULL DEFAULT '{}',
    -- role -> the table's column for it, e.g. {"created_by": "author_id"};
    -- always holds every role, defaults included
    columns      jsonb NOT NULL,
    -- who enabled it and when; who disabled it and when (NULL while enabled)
    enabled_by   text NOT NULL,
    enabled_at   timestamptz NOT NULL,
    disabled_by  text,
    disabled_at  timestamptz
);

ALTER SEQUENCE audit_softdelete.tracked_tables_table_id_seq
    OWNED BY audit_softdelete.tracked_tables.table_id;

COMMENT ON TABLE audit_softdelete.tracked_tables IS
    'One row per table enabled with audit_softdelete.enable(); written only by enable() and disable().';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.tracked_tables', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.tracked_tables_table_id_seq', '');

-- Anyone may see which tables are enabled, as pg_class shows their names;
-- only the extension owner writes here.
GRANT SELECT ON audit_softdelete.tracked_tables TO PUBLIC;

----------------------------------------------------------------------------
-- The audit trail (written from the audit-trail feature on)
----------------------------------------------------------------------------

CREATE SEQUENCE audit_softdelete.audit_logs_id_seq AS bigint;

CREATE TABLE audit_softdelete.audit_logs (
    id               bigint NOT NULL
                     DEFAULT pg_catalog.nextval('audit_softdelete.audit_logs_id_seq')
                     PRIMARY KEY,
    logged_at        timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    txid             xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    table_id         integer NOT NULL,
    table_oid        oid NOT NULL,
    schema_name      text NOT NULL,
    table_name       text NOT NULL,
    action           text NOT NULL
                     CHECK (action IN ('INSERT', 'UPDATE', 'DELETE',
                                       'SOFT_DELETE', 'RESTORE', 'TRUNCATE')),
    row_pk           jsonb,
    old_values       jsonb,
    new_values       jsonb,
    changed_columns  text[],
    actor            text,
    db_user          text NOT NULL,
    client_addr      inet,
    application_name text,
    context          jsonb,
    migration_id     bigint
);

ALTER SEQUENCE audit_softdelete.audit_logs_id_seq
    OWNED BY audit_softdelete.audit_logs.id;

-- The questions users ask: the history of a row, what one transaction did,
-- what happened since a time.  Rows arrive in time order, so a BRIN index
-- answers the last at almost no cost per insert.
CREATE INDEX audit_logs_row_idx ON audit_softdelete.audit_logs (table_id, row_pk);
CREATE INDEX audit_logs_txid_idx ON audit_softdelete.audit_logs (txid);
CREATE INDEX audit_logs_logged_at_idx ON audit_softdelete.audit_logs USING brin (logged_at);

COMMENT ON TABLE audit_softdelete.audit_logs IS
    'Every change to an audited table, as a JSONB row diff; written only by the extension''s triggers.';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.audit_logs', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.audit_logs_id_seq', '');

-- No grant to PUBLIC: a DBA grants SELECT to the roles that may read it.
REVOKE ALL ON audit_softdelete.audit_logs FROM PUBLIC;

----------------------------------------------------------------------------
-- The actor
----------------------------------------------------------------------------

CREATE FUNCTION audit_softdelete.set_actor(actor text)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_set_actor';

COMMENT ON FUNCTION audit_softdelete.set_actor(text) IS
    'Name the actor for the rest of the current transaction (like SET LOCAL audit_softdelete.actor).';

CREATE FUNCTION audit_softdelete.current_actor()
RETURNS text
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_current_actor_sql';

COMMENT ON FUNCTION audit_softdelete.current_actor() IS
    'The actor a write made now is stamped with: set_actor(), then actor_setting, then session_user.';

CREATE FUNCTION audit_softdelete.set_context(context jsonb)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_set_context';

COMMENT ON FUNCTION audit_softdelete.set_context(jsonb) IS
    'Attach a JSON document to the audit rows of the rest of the current transaction (like SET LOCAL audit_softdelete.context).';

----------------------------------------------------------------------------
-- Triggers
--
-- Row and statement trigger functions carry no SET search_path: that clause would cost a
-- setting push and pop on every row, and the C code looks nothing up
-- through search_path (its few queries name schemas and operators).
----------------------------------------------------------------------------

CREATE FUNCTION audit_softdelete.stamp_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_stamp_trigger';

COMMENT ON FUNCTION audit_softdelete.stamp_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger created by enable(): fills created_*/updated_*.';

CREATE FUNCTION audit_softdelete.audit_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_audit_trigger';

COMMENT ON FUNCTION audit_softdelete.audit_trigger() IS
    'AFTER INSERT OR UPDATE OR DELETE row trigger created by enable(): writes audit_logs.';

CREATE FUNCTION audit_softdelete.audit_truncate_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_audit_truncate_trigger';

COMMENT ON FUNCTION audit_softdelete.audit_truncate_trigger() IS
    'AFTER TRUNCATE statement trigger created by enable(): writes one TRUNCATE row.';

CREATE FUNCTION audit_softdelete.audit_statement_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_audit_statement_trigger';

COMMENT ON FUNCTION audit_softdelete.audit_statement_trigger() IS
    'AFTER UPDATE statement trigger of partitioned tables: completes the log of rows moved between partitions.';

-- Keeps the column names in tracked_tables (columns mapping, excluded and
-- redacted columns) in step with ALTER TABLE ... RENAME COLUMN.
CREATE FUNCTION audit_softdelete._follow_column_rename()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_follow_column_rename';

----------------------------------------------------------------------------
-- enable() and disable()
----------------------------------------------------------------------------

-- Writes the tracked_tables row as the extension owner, after checking that
-- the calling role owns the table.  Internal to enable() and disable().
CREATE FUNCTION audit_softdelete._save_table_options(tbl regclass, enabled boolean,
                                                     stamps boolean, columns jsonb,
                                                     audit boolean,
                                                     exclude_columns text[],
                                                     redact_columns text[])
RETURNS integer
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_save_table_options';

-- Checks shared by enable() and disable(): the table exists, is an ordinary
-- or partitioned table outside the system and this extension, and the
-- calling role owns it.  Returns its name (unqualified, for messages).
CREATE FUNCTION audit_softdelete._check_table(tbl regclass, verb text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c    record;
    kind text;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;

    SELECT cl.relname, cl.relkind, cl.relpersistence, cl.relowner, n.nspname
      INTO c
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE cl.oid = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
            USING ERRCODE = 'undefined_table';
    END IF;

    IF c.nspname IN ('pg_catalog', 'pg_toast', 'information_schema')
       OR tbl::oid < 16384 THEN
        RAISE EXCEPTION 'permission denied: "%" is a system catalog', c.relname
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF c.nspname = 'audit_softdelete' THEN
        RAISE EXCEPTION 'cannot % "%"', verb, c.relname
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Tables of the audit_softdelete schema belong to the extension itself.';
    END IF;

    IF c.relkind NOT IN ('r', 'p') THEN
        kind := CASE c.relkind
                    WHEN 'v' THEN 'a view'
                    WHEN 'm' THEN 'a materialized view'
                    WHEN 'f' THEN 'a foreign table'
                    WHEN 'S' THEN 'a sequence'
                    WHEN 'c' THEN 'a composite type'
                    WHEN 'i' THEN 'an index'
                    WHEN 'I' THEN 'a partitioned index'
                    WHEN 't' THEN 'a TOAST table'
                    ELSE 'not a table'
                END;
        IF c.relkind = 'v' THEN
            RAISE EXCEPTION '"%" is not a table', c.relname
                USING ERRCODE = 'wrong_object_type',
                      DETAIL = format('"%s" is %s; only ordinary and partitioned tables can be enabled.',
                                      c.relname, kind),
                      HINT = 'Enable the table the view reads from.';
        END IF;
        RAISE EXCEPTION '"%" is not a table', c.relname
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = format('"%s" is %s; only ordinary and partitioned tables can be enabled.',
                                  c.relname, kind);
    END IF;

    IF NOT pg_has_role(current_user, c.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', c.relname
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF c.relpersistence = 't' THEN
        RAISE EXCEPTION 'cannot % temporary table "%"', verb, c.relname
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'A temporary table vanishes with its session, and its history would go with it.';
    END IF;

    RETURN c.relname;
END
$$;

-- The base type of a type: domains stripped.
CREATE FUNCTION audit_softdelete._base_type(typ oid)
RETURNS oid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE chain(oid, typbasetype) AS (
        SELECT t.oid, t.typbasetype FROM pg_type t WHERE t.oid = typ
        UNION ALL
        SELECT t.oid, t.typbasetype
          FROM pg_type t JOIN chain ON t.oid = chain.typbasetype
    )
    SELECT chain.oid FROM chain WHERE chain.typbasetype = 0
$$;

-- The triggers enable() creates, by feature.  Dropped by name: a trigger
-- of the same name that is not ours would be replaced too.
CREATE FUNCTION audit_softdelete._set_triggers(tbl regclass, stamps boolean, audit boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qualified   text := tbl::text;    -- schema-qualified: search_path is fixed
    partitioned boolean := (SELECT relkind = 'p' FROM pg_class WHERE oid = tbl);
    trig        record;
BEGIN
    FOR trig IN
        SELECT * FROM (VALUES
            ('audit_softdelete_stamp', stamps,
             'BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger()'),
            ('audit_softdelete_audit', audit,
             'AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger()'),
            ('audit_softdelete_audit_truncate', audit,
             'AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger()'),
            ('audit_softdelete_audit_moves', audit AND partitioned,
             'AFTER UPDATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_statement_trigger()')
        ) AS t(name, wanted, definition)
    LOOP
        IF trig.wanted THEN
            EXECUTE format('CREATE OR REPLACE TRIGGER %I ', trig.name)
                    || format(trig.definition, qualified);
        ELSIF EXISTS (SELECT 1 FROM pg_trigger
                       WHERE tgrelid = tbl AND tgname = trig.name AND NOT tgisinternal) THEN
            EXECUTE format('DROP TRIGGER %I ON %s', trig.name, qualified);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION audit_softdelete.enable(
    tbl             regclass,
    stamps          boolean DEFAULT true,
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qualified  text := tbl::text;   -- schema-qualified: search_path is fixed
    relname    text;
    roles      text[] := ARRAY['created_at', 'created_by', 'updated_at', 'updated_by'];
    role       text;
    key        text;
    value      jsonb;
    colname    text;
    mapping    jsonb := '{}';
    att        record;
    basetype   oid;
    actor_role boolean;
    to_add     text[] := '{}';
BEGIN
    relname := audit_softdelete._check_table(tbl, 'enable');

    IF stamps IS NULL OR audit IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN stamps IS NULL THEN 'stamps' ELSE 'audit' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;

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

    -- The columns option: role -> column name.
    IF columns IS NULL OR jsonb_typeof(columns) <> 'object' THEN
        RAISE EXCEPTION 'columns must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Map standard column names to the table''s own, e.g. ''{"created_by": "author_id"}''.';
    END IF;
    FOR key, value IN SELECT * FROM jsonb_each(columns) LOOP
        IF NOT key = ANY (roles) THEN
            RAISE EXCEPTION 'unknown key "%" in columns', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The keys are the standard column names: ' || array_to_string(roles, ', ') || '.';
        END IF;
        IF jsonb_typeof(value) <> 'string' OR value #>> '{}' = '' THEN
            RAISE EXCEPTION 'columns maps "%" to %, which is not a column name', key, value
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;

    FOREACH role IN ARRAY roles LOOP
        colname := coalesce(columns ->> role, role);
        IF EXISTS (SELECT 1 FROM jsonb_each_text(mapping) m WHERE m.value = colname) THEN
            RAISE EXCEPTION 'columns maps both "%" and "%" to column "%"',
                (SELECT m.key FROM jsonb_each_text(mapping) m WHERE m.value = colname), role, colname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mapping := mapping || jsonb_build_object(role, colname);

        actor_role := role LIKE '%\_by';
        SELECT a.attnum, a.atttypid, a.attgenerated
          INTO att
          FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = colname AND NOT a.attisdropped;

        IF NOT FOUND THEN
            to_add := to_add || colname;
            CONTINUE;
        END IF;
        IF NOT stamps THEN
            CONTINUE;           -- an existing column is only checked when used
        END IF;
        IF att.attnum < 0 THEN
            RAISE EXCEPTION 'column name "%" conflicts with a system column name', colname
                USING ERRCODE = 'duplicate_column',
                      HINT = format('Map %s to another column with the columns option.', role);
        END IF;
        IF att.attgenerated <> '' THEN
            RAISE EXCEPTION 'column "%" of table "%" is a generated column', colname, relname
                USING ERRCODE = 'generated_always',
                      DETAIL = format('audit_softdelete writes %s, and a generated column cannot be written.', role),
                      HINT = format('Map %s to another column with the columns option.', role);
        END IF;
        basetype := audit_softdelete._base_type(att.atttypid);
        IF (actor_role AND basetype NOT IN ('text'::regtype, 'varchar'::regtype, 'uuid'::regtype,
                                            'int4'::regtype, 'int8'::regtype))
           OR (NOT actor_role AND basetype NOT IN ('timestamptz'::regtype, 'timestamp'::regtype)) THEN
            RAISE EXCEPTION 'column "%" of table "%" has type %, which cannot hold %',
                    colname, relname, format_type(att.atttypid, NULL), role
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = CASE WHEN actor_role
                                    THEN 'An actor column must be text, varchar, uuid, integer or bigint.'
                                    ELSE 'A time column must be timestamp with time zone or timestamp.' END,
                      HINT = format('Map %s to another column with the columns option; a column that does not exist yet is created.',
                                    role);
        END IF;
    END LOOP;

    -- Everything is checked: now change the table.
    IF stamps THEN
        FOREACH role IN ARRAY roles LOOP
            colname := mapping ->> role;
            IF colname = ANY (to_add) THEN
                EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', qualified, colname,
                               CASE role
                                   WHEN 'created_at' THEN 'timestamptz NOT NULL DEFAULT now()'
                                   WHEN 'updated_at' THEN 'timestamptz'
                                   ELSE 'text'
                               END);
            END IF;
        END LOOP;
    END IF;
    PERFORM audit_softdelete._set_triggers(tbl, stamps, audit);

    PERFORM audit_softdelete._save_table_options(tbl, true, stamps, mapping, audit,
                                                 exclude_columns, redact_columns);
END
$$;

COMMENT ON FUNCTION audit_softdelete.enable(regclass, boolean, boolean, jsonb, text[], text[]) IS
    'Enable audit_softdelete on a table (or reconfigure it): adds missing columns and creates the triggers.';

CREATE FUNCTION audit_softdelete.disable(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relname   text;
BEGIN
    relname := audit_softdelete._check_table(tbl, 'disable');

    IF NOT EXISTS (SELECT 1 FROM audit_softdelete.tracked_tables t
                    WHERE t.relid = tbl AND t.enabled) THEN
        RAISE NOTICE 'table "%" is not enabled, skipping', relname;
        RETURN;
    END IF;

    PERFORM audit_softdelete._set_triggers(tbl, false, false);
    PERFORM audit_softdelete._save_table_options(tbl, false, false, '{}', false, '{}', '{}');
END
$$;

COMMENT ON FUNCTION audit_softdelete.disable(regclass) IS
    'Remove the extension''s triggers from a table; its columns, table_id and audit rows stay.';

----------------------------------------------------------------------------
-- Dropped tables leave tracked_tables
----------------------------------------------------------------------------

-- Without this, a dropped table would leave a row whose relid names no
-- table (and could one day name another).  Audit rows keep table_id and
-- the table's names, so the history stays readable.
CREATE FUNCTION audit_softdelete._forget_dropped_tables()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM audit_softdelete.tracked_tables t
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass
       AND d.objsubid = 0
       AND d.objid = t.relid::oid;
END
$$;

REVOKE ALL ON FUNCTION audit_softdelete._forget_dropped_tables() FROM PUBLIC;

CREATE EVENT TRIGGER audit_softdelete_forget_dropped_tables
    ON sql_drop
    EXECUTE FUNCTION audit_softdelete._forget_dropped_tables();

CREATE EVENT TRIGGER audit_softdelete_follow_column_rename
    ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION audit_softdelete._follow_column_rename();
