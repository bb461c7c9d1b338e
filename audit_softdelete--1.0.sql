\echo Use "CREATE EXTENSION audit_softdelete" to load this file. \quit

-- The script in four parts, each object created after what it depends on:
--   1. the schema and the tables;
--   2. the public API: the functions users call;
--   3. the trigger functions enable() attaches to tables, the event-trigger
--      functions and the event triggers;
--   4. the internal functions ("_..."), for the extension owner only, each
--      marked with who calls it: the C code of the public functions and
--      triggers (src/), or another internal function.

----------------------------------------------------------------------------
-- 1. The schema and the tables
----------------------------------------------------------------------------

-- The schema is created by CREATE EXTENSION (see the control file).  Roles
-- need USAGE to call enable(), set_actor() and current_actor(); the tables
-- below carry their own, narrower grants.
GRANT USAGE ON SCHEMA audit_softdelete TO PUBLIC;

-- Catalog: which tables are enabled, and how
-- ------------------------------------------

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
    soft_delete  text NOT NULL DEFAULT 'off'
                 CHECK (soft_delete IN ('trigger', 'view', 'off')),
    -- view mode: the view that took the table's name (same schema); the
    -- table itself is renamed <name>_all
    view_name    text,
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

-- Which rows a soft delete cascaded to, so that restore() brings back
-- exactly those: one row per child soft-deleted by its parent's cascade.
CREATE TABLE audit_softdelete.soft_delete_cascades (
    parent_table_id integer NOT NULL,
    parent_pk       jsonb NOT NULL,
    child_table_id  integer NOT NULL,
    child_pk        jsonb NOT NULL,
    deleted_at      timestamptz NOT NULL
);
CREATE INDEX soft_delete_cascades_parent_idx
    ON audit_softdelete.soft_delete_cascades (parent_table_id, parent_pk, deleted_at);

COMMENT ON TABLE audit_softdelete.soft_delete_cascades IS
    'The rows each soft delete cascaded to; read and cleared by restore().';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.soft_delete_cascades', '');
REVOKE ALL ON audit_softdelete.soft_delete_cascades FROM PUBLIC;

-- The audit trail
-- ---------------

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
                                       'SOFT_DELETE', 'RESTORE', 'TRUNCATE',
                                       'ENABLE', 'CONFIGURE', 'DISABLE')),
    row_pk           jsonb,
    -- what the row-history index is on: compared as one integer, not as
    -- jsonb, it costs each audit row a fraction of an index on row_pk
    row_pk_hash      bigint GENERATED ALWAYS AS
                     (pg_catalog.jsonb_hash_extended(row_pk, 0)) STORED,
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
-- what happened since a time.  Every index costs each audited write an
-- index insertion, so each question gets the cheapest index that answers it:
--   * a row's history: a b-tree on (table_id, row_pk_hash).  On
--     (table_id, row_pk) the jsonb comparisons made it the dearest part of
--     an audited write (28k instructions of 90k per UPDATE).  Queries
--     name both: row_pk_hash to find, row_pk to filter out collisions.
--     A hash index on row_pk was cheaper per insert while few rows share a
--     key, but it keeps all entries of one key in one bucket chain that
--     every insert walks: a hot row's writes got slower with each audit
--     row.  The b-tree keeps equal keys in heap order, at no such cost.
--   * a transaction, a time: rows arrive in txid and logged_at order, so
--     one BRIN index answers both (BRIN's columns are searched
--     independently) at almost no cost per insert.  PostgreSQL ships no
--     BRIN operator class for xid8; the one below is the built-in minmax
--     over xid8's own comparison operators.
CREATE OPERATOR CLASS audit_softdelete.xid8_minmax_ops
    FOR TYPE pg_catalog.xid8 USING brin AS
    OPERATOR 1 pg_catalog.< (pg_catalog.xid8, pg_catalog.xid8),
    OPERATOR 2 pg_catalog.<= (pg_catalog.xid8, pg_catalog.xid8),
    OPERATOR 3 pg_catalog.= (pg_catalog.xid8, pg_catalog.xid8),
    OPERATOR 4 pg_catalog.>= (pg_catalog.xid8, pg_catalog.xid8),
    OPERATOR 5 pg_catalog.> (pg_catalog.xid8, pg_catalog.xid8),
    FUNCTION 1 pg_catalog.brin_minmax_opcinfo(internal),
    FUNCTION 2 pg_catalog.brin_minmax_add_value(internal, internal, internal, internal),
    FUNCTION 3 pg_catalog.brin_minmax_consistent(internal, internal, internal),
    FUNCTION 4 pg_catalog.brin_minmax_union(internal, internal, internal);

CREATE INDEX audit_logs_row_idx ON audit_softdelete.audit_logs (table_id, row_pk_hash);
CREATE INDEX audit_logs_time_idx ON audit_softdelete.audit_logs
    USING brin (logged_at, txid audit_softdelete.xid8_minmax_ops)
    WITH (pages_per_range = 32);

-- Building a BRIN index on the empty table summarizes its first block
-- range, and then every insert widens that summary.  Left unsummarized,
-- as VACUUM leaves the last, partial range, inserts there cost nothing;
-- VACUUM summarizes ranges once they are full.
SELECT pg_catalog.brin_desummarize_range('audit_softdelete.audit_logs_time_idx', 0);

COMMENT ON TABLE audit_softdelete.audit_logs IS
    'Every change to an audited table, as a JSONB row diff; written only by the extension''s triggers.';

SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.audit_logs', '');
SELECT pg_catalog.pg_extension_config_dump('audit_softdelete.audit_logs_id_seq', '');

-- No grant to PUBLIC: a DBA grants SELECT to the roles that may read it.
REVOKE ALL ON audit_softdelete.audit_logs FROM PUBLIC;

----------------------------------------------------------------------------
-- 2. The public API
----------------------------------------------------------------------------

-- The actor
-- ---------

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

-- enable() and disable()
-- ----------------------

-- Each runs its body, _enable() or _disable() (part 4), as the extension
-- owner on behalf of the calling role (src/internal.c).
CREATE FUNCTION audit_softdelete.enable(
    tbl             regclass,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}')
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.enable(regclass, boolean, text, boolean, jsonb, text[], text[]) IS
    'Enable audit_softdelete on a table (or reconfigure it): adds missing columns and creates the triggers.';

CREATE FUNCTION audit_softdelete.disable(tbl regclass)
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_call_internal';

COMMENT ON FUNCTION audit_softdelete.disable(regclass) IS
    'Remove the extension''s triggers from a table (and its live view); its columns, table_id and audit rows stay.';

-- Restore, history and purge
-- --------------------------

-- Runs as the caller: its UPDATEs need the caller's UPDATE privilege, and
-- row-level security applies.  In C (src/restore.c), so that what a soft
-- delete cascaded to is taken from soft_delete_cascades, as the extension
-- owner, only right after the row it cascaded from was restored.
CREATE FUNCTION audit_softdelete.restore(tbl regclass, pk jsonb)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_restore';

COMMENT ON FUNCTION audit_softdelete.restore(regclass, jsonb) IS
    'Bring back a soft-deleted row, by its primary key, and exactly the rows its delete cascaded to.';

-- The audit rows of one row, oldest first, found through the
-- (table_id, row_pk_hash) index.  tbl is the table enable() was called on,
-- its live view (view mode) or one of its partitions; a disabled table
-- keeps its history.  As the caller: reading needs SELECT on audit_logs
-- (src/history.c).
CREATE FUNCTION audit_softdelete.row_history(tbl regclass, pk jsonb)
RETURNS SETOF audit_softdelete.audit_logs
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_row_history';

COMMENT ON FUNCTION audit_softdelete.row_history(regclass, jsonb) IS
    'The audit rows of one row, by its primary key, oldest first.';

CREATE FUNCTION audit_softdelete.purge(tbl regclass, older_than interval)
RETURNS bigint
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_purge';

COMMENT ON FUNCTION audit_softdelete.purge(regclass, interval) IS
    'Physically remove rows soft-deleted longer ago than older_than; each is recorded in audit_logs first.';

-- Version
-- -------

-- The two differ after new binaries are installed and before ALTER
-- EXTENSION audit_softdelete UPDATE is run.
CREATE FUNCTION audit_softdelete.version(OUT library text, OUT installed text)
RETURNS record
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_version';

COMMENT ON FUNCTION audit_softdelete.version() IS
    'The version of the loaded library and of the installed SQL objects.';

----------------------------------------------------------------------------
-- 3. Trigger functions, event-trigger functions and event triggers
--
-- Row and statement trigger functions carry no SET search_path: that
-- clause would cost a setting push and pop on every row, and the C code
-- looks nothing up through search_path (its few queries name schemas and
-- operators).
----------------------------------------------------------------------------

-- The triggers enable() creates
-- -----------------------------

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

CREATE FUNCTION audit_softdelete.soft_delete_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_soft_delete_trigger';

COMMENT ON FUNCTION audit_softdelete.soft_delete_trigger() IS
    'BEFORE DELETE row trigger created by enable(): turns DELETE into a soft delete.';

CREATE FUNCTION audit_softdelete.truncate_guard_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_truncate_guard_trigger';

COMMENT ON FUNCTION audit_softdelete.truncate_guard_trigger() IS
    'BEFORE TRUNCATE statement trigger created by enable(): refuses TRUNCATE of a soft-delete table unless hard_delete is on.';

CREATE FUNCTION audit_softdelete.view_delete_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_view_delete_trigger';

COMMENT ON FUNCTION audit_softdelete.view_delete_trigger() IS
    'INSTEAD OF DELETE row trigger on the live view of a view-mode table: soft-deletes the row and counts it.';

-- Options follow column renames
-- -----------------------------

-- Keeps the column names in tracked_tables (columns mapping, excluded and
-- redacted columns) in step with ALTER TABLE ... RENAME COLUMN.
-- internal: fired by the event trigger audit_softdelete_follow_column_rename
CREATE FUNCTION audit_softdelete._follow_column_rename()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_follow_column_rename';

-- View mode follows schema changes
-- --------------------------------

-- Before ALTER TABLE on a table in view mode, drop its live view (which
-- would block dropping or retyping a column); after it, create the view
-- again with the table's columns as they now are.  The C function resolves
-- the statement's table name with the statement's own search_path, as the
-- statement did, so it has no SET search_path of its own.
-- internal: fired by the event trigger audit_softdelete_live_view_before_alter
CREATE FUNCTION audit_softdelete._live_view_before_alter()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_live_view_before_alter';

-- After CREATE TABLE and ALTER TABLE: runs _after_table_ddl(),
-- _check_primary_key() and _follow_column_defaults() (part 4) when the
-- statement calls for them, on behalf of the role running it.
-- internal: fired by the event trigger audit_softdelete_table_ddl_end
CREATE FUNCTION audit_softdelete._table_ddl_end()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_table_ddl_end';

-- Dropped tables leave tracked_tables
-- -----------------------------------

-- Without this, a dropped table would leave a row whose relid names no
-- table (and could one day name another).  Audit rows keep table_id and
-- the table's names, so the history stays readable.
-- internal: fired by the event trigger audit_softdelete_forget_dropped_tables
CREATE FUNCTION audit_softdelete._forget_dropped_tables()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
END
$$;

REVOKE ALL ON FUNCTION audit_softdelete._forget_dropped_tables() FROM PUBLIC;

-- The extension's triggers change through enable() and disable() only
-- -------------------------------------------------------------------

-- Before ALTER TABLE ... DISABLE TRIGGER (by name, USER or ALL), ENABLE
-- REPLICA TRIGGER, DROP TRIGGER, CREATE OR REPLACE TRIGGER and ALTER
-- TRIGGER (RENAME, DEPENDS ON EXTENSION) that would touch one of the
-- extension's triggers on an enabled table or one of its partitions:
-- refuse it.  Auditing is turned off with disable(), which records who and
-- when.  ENABLE ALWAYS TRIGGER, which only makes the trigger fire in more
-- sessions, is let through.  Like _live_view_before_alter, it resolves the
-- statement's names with the statement's own search_path.
-- internal: fired by the event trigger audit_softdelete_guard_triggers
CREATE FUNCTION audit_softdelete._guard_triggers()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'asd_guard_triggers';

-- The same commands, checked again once done, on the tables they really
-- changed: _guard_triggers() resolves names before the statement takes its
-- lock, and a table renamed meanwhile gets past it.  After ALTER TABLE,
-- one of the extension's triggers left disabled or replica-only; after
-- CREATE OR REPLACE TRIGGER or ALTER TRIGGER, one replaced, renamed or
-- made to depend on an extension; after DROP TRIGGER, one dropped: refused,
-- and the command rolled back.
-- internal: fired by the event trigger audit_softdelete_verify_triggers
CREATE FUNCTION audit_softdelete._verify_triggers()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_verify_triggers';

-- internal: fired by the event trigger audit_softdelete_verify_trigger_drops
CREATE FUNCTION audit_softdelete._verify_trigger_drops()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_verify_trigger_drops';

-- The event triggers
-- ------------------

-- Named to fire before audit_softdelete_live_view_before_alter (event
-- triggers fire in name order), and in every session: with
-- session_replication_role = replica too.
CREATE EVENT TRIGGER audit_softdelete_guard_triggers
    ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'ALTER FOREIGN TABLE', 'DROP TRIGGER', 'CREATE TRIGGER',
                 'ALTER TRIGGER')
    EXECUTE FUNCTION audit_softdelete._guard_triggers();
ALTER EVENT TRIGGER audit_softdelete_guard_triggers ENABLE ALWAYS;

-- Named to fire after audit_softdelete_table_ddl_end, which gives new
-- partitions their triggers.
CREATE EVENT TRIGGER audit_softdelete_verify_triggers
    ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER FOREIGN TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER')
    EXECUTE FUNCTION audit_softdelete._verify_triggers();
ALTER EVENT TRIGGER audit_softdelete_verify_triggers ENABLE ALWAYS;

CREATE EVENT TRIGGER audit_softdelete_verify_trigger_drops
    ON sql_drop
    WHEN TAG IN ('DROP TRIGGER')
    EXECUTE FUNCTION audit_softdelete._verify_trigger_drops();
ALTER EVENT TRIGGER audit_softdelete_verify_trigger_drops ENABLE ALWAYS;

CREATE EVENT TRIGGER audit_softdelete_forget_dropped_tables
    ON sql_drop
    EXECUTE FUNCTION audit_softdelete._forget_dropped_tables();

CREATE EVENT TRIGGER audit_softdelete_follow_column_rename
    ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION audit_softdelete._follow_column_rename();

CREATE EVENT TRIGGER audit_softdelete_live_view_before_alter
    ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION audit_softdelete._live_view_before_alter();

-- Named to fire after audit_softdelete_follow_column_rename (event triggers
-- fire in name order): a renamed deleted_at is renamed in the options first.
CREATE EVENT TRIGGER audit_softdelete_table_ddl_end
    ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE FOREIGN TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION audit_softdelete._table_ddl_end();

----------------------------------------------------------------------------
-- 4. Internal functions: for the extension owner only
--
-- Their names start with "_".  enable() and disable() run theirs as the
-- extension owner on behalf of the calling role, which _caller() and
-- _as_caller() name and act as; called any other way, those refuse
-- (src/owner.c).  restore() and row_history() call theirs as the caller
-- (src/internal.c).  Execution is revoked from PUBLIC at the end.
----------------------------------------------------------------------------

-- enable() and disable()
-- ----------------------

-- The body of enable(), which runs it as the extension owner on behalf of
-- the caller (src/internal.c).  What it changes on the caller's table it
-- changes as the caller, through _as_caller().
-- internal: called by asd_call_internal() in src/internal.c, as enable()
CREATE FUNCTION audit_softdelete._enable(
    tbl             regclass,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}')
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
BEGIN
    -- a table in view mode may be named by its live view
    tbl := coalesce(audit_softdelete._tracked_table(tbl), tbl);
    relname := audit_softdelete._check_table(tbl, 'enable');

    IF stamps IS NULL OR audit IS NULL OR soft_delete IS NULL THEN
        RAISE EXCEPTION '% must not be null',
                CASE WHEN stamps IS NULL THEN 'stamps'
                     WHEN soft_delete IS NULL THEN 'soft_delete' ELSE 'audit' END
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
    IF soft_delete = 'view' AND old_mode IS DISTINCT FROM 'view' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = tbl AND indisprimary) THEN
            RAISE EXCEPTION 'table "%" has no primary key', relname
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'In view mode, DELETE through the view finds the row by its primary key.',
                      HINT = 'Add a primary key, or use soft_delete => ''trigger''.';
        END IF;
        view_name := relname;
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
            PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, view_name));
            view_name := NULL;
        END IF;
    ELSIF soft_delete = 'view' THEN
        PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, relname || '_all'));
    END IF;

    PERFORM audit_softdelete._set_triggers(tbl, stamps, soft_delete, audit);
    PERFORM audit_softdelete._save_table_options(tbl, true, stamps, mapping, audit,
                                                 exclude_columns, redact_columns,
                                                 soft_delete,
                                                 CASE WHEN soft_delete = 'view' THEN view_name END);
    IF soft_delete = 'view' THEN
        PERFORM audit_softdelete._create_live_view(tbl);
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
END
$$;

-- The body of disable(), run like _enable.
-- internal: called by asd_call_internal() in src/internal.c, as disable()
CREATE FUNCTION audit_softdelete._disable(tbl regclass)
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
        PERFORM audit_softdelete._as_caller(format('ALTER TABLE %s RENAME TO %I', tbl, t.view_name));
    END IF;
    PERFORM audit_softdelete._set_triggers(tbl, false, 'off', false);
    PERFORM audit_softdelete._save_table_options(tbl, false, false, '{}', false, '{}', '{}',
                                                 'off', NULL);
END
$$;

-- The role that called the public function now running.
-- internal: called by _after_table_ddl() and _follow_column_defaults()
CREATE FUNCTION audit_softdelete._caller()
RETURNS oid
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_caller';

-- Run one statement (DDL built by the internal functions) as that role:
-- PostgreSQL checks its privileges as if the role had typed it.
-- internal: called by _enable(), _disable() and the functions below that
--           change a table, its triggers or its live view
CREATE FUNCTION audit_softdelete._as_caller(command text)
RETURNS void
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_as_caller';

-- Checks shared by enable() and disable(): the table exists, is an ordinary
-- or partitioned table outside the system and this extension, is not
-- temporary, and the calling role owns it.  Returns its name (unqualified,
-- for messages).  The same C check guards _save_table_options().
-- internal: called by _enable() and _disable()
CREATE FUNCTION audit_softdelete._check_table(tbl regclass, verb text)
RETURNS text
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_check_table_sql';

-- enable()'s soft_delete and columns options, checked as
-- _save_table_options() checks them (src/tracked.c); returns the columns
-- mapping completed: every role mapped to a column, its own name by default.
-- internal: called by _enable()
CREATE FUNCTION audit_softdelete._check_options(soft_delete text, columns jsonb)
RETURNS jsonb
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_check_options';

-- The standard columns' roles (created_at ... deleted_by), in the order
-- enable() checks and adds their columns.
-- internal: called by _enable()
CREATE FUNCTION audit_softdelete._role_names()
RETURNS text[]
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_role_names_sql';

-- Can tbl's column colname hold role?  False when there is no such column
-- (enable() adds it); an error when there is one that cannot (a system or
-- generated column, or one of a type the role does not take).  The types
-- each role takes are decided in C (src/roles.c), which also refuses a
-- column retyped after enable().
-- internal: called by _enable()
CREATE FUNCTION audit_softdelete._check_role_column(tbl regclass, role text, colname text)
RETURNS boolean
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_check_role_column';

-- Writes the tracked_tables row as the extension owner, after the checks
-- of _check_table() (the role calling enable() or disable() owns the table,
-- which enable() can take) and _check_options(), made again.
-- internal: called by _enable() and _disable()
CREATE FUNCTION audit_softdelete._save_table_options(tbl regclass, enabled boolean,
                                                     stamps boolean, columns jsonb,
                                                     audit boolean,
                                                     exclude_columns text[],
                                                     redact_columns text[],
                                                     soft_delete text,
                                                     view_name text)
RETURNS integer
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_save_table_options';

-- Soft delete and foreign partitions exclude each other: a DELETE of a row
-- that a foreign server stores cannot become the UPDATE that marks it, and
-- PostgreSQL allows no TRUNCATE trigger on a foreign table, so a TRUNCATE
-- of one could not be refused.  enable() checks the partitions a table
-- has, the DDL event trigger the partitions created or attached later.
-- internal: called by _enable() and _after_table_ddl()
CREATE FUNCTION audit_softdelete._no_foreign_partitions(tbl regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part name;
BEGIN
    SELECT c.relname INTO part
      FROM pg_partition_tree(tbl) p JOIN pg_class c ON c.oid = p.relid
     WHERE c.relkind = 'f'
     ORDER BY p.level, c.relname
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot use soft delete on table "%" with foreign partition "%"',
                (SELECT c.relname FROM pg_class c WHERE c.oid = tbl), part
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'A DELETE of a row that a foreign server stores cannot become the UPDATE that marks it deleted, and PostgreSQL allows no TRUNCATE trigger on a foreign table to refuse a TRUNCATE of it.',
                  HINT = 'Keep foreign tables out of the partitions of a table with soft delete, or enable the table with soft_delete => ''off'' (the rows of foreign partitions are still audited).';
    END IF;
END
$$;

-- Does the predicate of index idx imply that column col of its table is
-- NULL (so that, col being deleted_at, it counts no deleted row)?
-- internal: called by _enable()
CREATE FUNCTION audit_softdelete._excludes_deleted(idx regclass, col text)
RETURNS boolean
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_excludes_deleted';

-- The triggers enable() creates, by feature.  Dropped by name: a trigger
-- of the same name that is not ours would be replaced too.
-- internal: called by _enable() and _disable()
CREATE FUNCTION audit_softdelete._set_triggers(tbl regclass, stamps boolean,
                                               soft_delete text, audit boolean)
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
            -- on a partitioned table it also notes UPDATEs, to tell a row's
            -- move between partitions from a delete
            ('audit_softdelete_soft_delete', soft_delete <> 'off',
             CASE WHEN partitioned THEN 'BEFORE UPDATE OR DELETE' ELSE 'BEFORE DELETE' END
             || ' ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger()'),
            ('audit_softdelete_soft_delete_truncate', soft_delete <> 'off',
             'BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger()'),
            ('audit_softdelete_audit', audit,
             'AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger()'),
            ('audit_softdelete_audit_truncate', audit,
             'AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger()')
        ) AS t(name, wanted, definition)
    LOOP
        IF trig.wanted THEN
            PERFORM audit_softdelete._as_caller(format('CREATE OR REPLACE TRIGGER %I ', trig.name)
                    || format(trig.definition, qualified));
        ELSIF EXISTS (SELECT 1 FROM pg_trigger
                       WHERE tgrelid = tbl AND tgname = trig.name AND NOT tgisinternal) THEN
            PERFORM audit_softdelete._as_caller(format('DROP TRIGGER %I ON %s', trig.name, qualified));
        END IF;
    END LOOP;
    IF partitioned THEN
        PERFORM audit_softdelete._set_partition_triggers(tbl, soft_delete, audit);
    END IF;
END
$$;

-- PostgreSQL clones row triggers to partitions, not statement triggers: a
-- partition truncated on its own would skip the TRUNCATE guard and leave no
-- audit row.  So every partition, at every level, gets the two TRUNCATE
-- triggers too, and so does each partition created or attached later (the
-- ddl_command_end event trigger calls this again).
-- internal: called by _set_triggers() and _after_table_ddl()
CREATE FUNCTION audit_softdelete._set_partition_triggers(tbl regclass, soft_delete text,
                                                         audit boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part regclass;
    trig record;
BEGIN
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

-- View mode
-- ---------

-- The live view of a table in view mode, if it exists now.
-- internal: called by _tracked_table(), _history_table_id() and the
--           view-mode functions below
CREATE FUNCTION audit_softdelete._live_view(tbl regclass)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT v.oid::regclass
      FROM audit_softdelete.tracked_tables t
      JOIN pg_class c ON c.oid = t.relid
      JOIN pg_class v ON v.oid = to_regclass(format('%s.%I', c.relnamespace::regnamespace, t.view_name))
     WHERE t.relid = tbl AND t.view_name IS NOT NULL
       -- the view of that very table, not a namesake
       AND EXISTS (SELECT 1 FROM pg_rewrite r
                     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                    WHERE r.ev_class = v.oid AND d.refclassid = 'pg_class'::regclass
                      AND d.refobjid = t.relid)
$$;

-- The enabled table behind a name: the table itself, or the live view of a
-- table in view mode.  NULL when neither.
-- internal: called by asd_live_view_table() in src/tracked.c, and by
--           _enable(), _disable() and _soft_delete_table()
CREATE FUNCTION audit_softdelete._tracked_table(tbl regclass)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.relid
      FROM audit_softdelete.tracked_tables t
     WHERE t.enabled
       AND (t.relid = tbl
            OR (t.view_name IS NOT NULL AND audit_softdelete._live_view(t.relid) = tbl))
$$;

-- The same, for soft-delete tables only: what restore() and purge() act on.
-- internal: called by soft_delete_table() in src/tracked.c, for
--           restore() and purge()
CREATE FUNCTION audit_softdelete._soft_delete_table(tbl regclass)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.relid
      FROM audit_softdelete.tracked_tables t
     WHERE t.relid = audit_softdelete._tracked_table(tbl) AND t.soft_delete <> 'off'
$$;

-- The live view's columns get the table's defaults.  An INSERT through the
-- view gets them anyway, but tools that read a relation's defaults from
-- the catalog (Rails reads pg_attrdef for its models, and then sends the
-- values it read) must find them on the view.  Identity and generated
-- columns get none: a view cannot carry either, and a nextval() default
-- would need rights on the sequence that an identity column does not ask
-- of the inserting role; the table fills them in.  pg_get_expr() under
-- this function's search_path qualifies every name the expression uses.
-- internal: called by _create_live_view() and _follow_column_defaults()
CREATE FUNCTION audit_softdelete._set_live_view_defaults(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    view_ regclass := audit_softdelete._live_view(tbl);
    col   record;
BEGIN
    IF view_ IS NULL THEN
        RETURN;
    END IF;
    FOR col IN
        SELECT v.attname, w.expr AS wanted
          FROM pg_attribute v
          LEFT JOIN pg_attrdef vd ON vd.adrelid = v.attrelid AND vd.adnum = v.attnum
          LEFT JOIN LATERAL (
                SELECT pg_get_expr(d.adbin, d.adrelid) AS expr
                  FROM pg_attribute a
                  JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = tbl AND a.attname = v.attname AND NOT a.attisdropped
                   AND a.attidentity = '' AND a.attgenerated = '') w ON true
         WHERE v.attrelid = view_ AND v.attnum > 0 AND NOT v.attisdropped
           AND w.expr IS DISTINCT FROM pg_get_expr(vd.adbin, vd.adrelid)
         ORDER BY v.attnum
    LOOP
        IF col.wanted IS NULL THEN
            PERFORM audit_softdelete._as_caller(format('ALTER VIEW %s ALTER COLUMN %I DROP DEFAULT', view_, col.attname));
        ELSE
            PERFORM audit_softdelete._as_caller(format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s',
                           view_, col.attname, col.wanted));
        END IF;
    END LOOP;
END
$$;

-- The live view of a table in view mode: SELECT * of the live rows, named
-- as the table was, with the table's privileges, and an INSTEAD OF DELETE
-- trigger that soft-deletes (and so counts and returns the rows).  INSERT
-- and UPDATE go through it as through any simple view.  security_invoker:
-- the caller's privileges and row-level security on the table apply.
-- internal: called by _enable() and _after_table_ddl()
CREATE FUNCTION audit_softdelete._create_live_view(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t         record;
    view_name text;
    grant_    record;
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
    FOR grant_ IN SELECT * FROM aclexplode(t.relacl) a WHERE a.grantee <> t.relowner LOOP
        PERFORM audit_softdelete._as_caller(format('GRANT %s ON %s TO %s%s', grant_.privilege_type, view_name,
                       CASE WHEN grant_.grantee = 0 THEN 'PUBLIC'
                            ELSE grant_.grantee::regrole::text END,
                       CASE WHEN grant_.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END));
    END LOOP;
END
$$;

-- The live view of a table in view mode, dropped if it exists.
-- internal: called by asd_live_view_before_alter() in src/viewmode.c, and
--           by _enable() and _disable()
CREATE FUNCTION audit_softdelete._drop_live_view(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    view_ regclass := audit_softdelete._live_view(tbl);
BEGIN
    IF view_ IS NOT NULL THEN
        PERFORM audit_softdelete._as_caller(format('DROP VIEW %s', view_));
    END IF;
END
$$;

-- After a CREATE TABLE or ALTER TABLE that changed columns or partitions
-- (the C event trigger _table_ddl_end decides): the live views dropped
-- before it are made again, and with partitions, new ones get their
-- TRUNCATE triggers and detached ones lose them.  Only for tables the role
-- owns (it is the role that just changed them).  Other DDL, such as the
-- ALTER TABLE ... ADD CONSTRAINT of a restore, does nothing here.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._after_table_ddl(partitions boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tt.relid, tt.soft_delete, tt.audit, c.relkind
               FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
              WHERE tt.enabled AND pg_has_role(audit_softdelete._caller(), c.relowner, 'USAGE')
                -- only the tables this command changed (a new partition
                -- counts for its partitioned table)
                AND tt.relid IN (SELECT coalesce(pg_partition_root(d.objid), d.objid)
                                   FROM pg_event_trigger_ddl_commands() d
                                  WHERE d.classid = 'pg_class'::regclass)
                AND ((tt.soft_delete = 'view' AND audit_softdelete._live_view(tt.relid) IS NULL)
                     OR (partitions AND c.relkind = 'p'))
    LOOP
        IF t.soft_delete = 'view' AND audit_softdelete._live_view(t.relid) IS NULL THEN
            PERFORM audit_softdelete._create_live_view(t.relid);
        END IF;
        IF partitions AND t.relkind = 'p' THEN
            IF t.soft_delete <> 'off' THEN
                PERFORM audit_softdelete._no_foreign_partitions(t.relid);
            END IF;
            PERFORM audit_softdelete._set_partition_triggers(t.relid, t.soft_delete, t.audit);
        END IF;
    END LOOP;
    IF NOT partitions THEN
        RETURN;
    END IF;
    -- a partition detached from an enabled table is a table of its own
    -- again: it keeps no TRUNCATE trigger of ours unless enabled itself
    FOR t IN SELECT DISTINCT tg.tgrelid::regclass AS rel, tg.tgname
               FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
              WHERE tg.tgname IN ('audit_softdelete_soft_delete_truncate',
                                  'audit_softdelete_audit_truncate')
                AND pg_has_role(audit_softdelete._caller(), c.relowner, 'USAGE')
                AND NOT EXISTS (SELECT 1 FROM audit_softdelete.tracked_tables tt
                                 WHERE tt.enabled
                                   AND (tt.relid = tg.tgrelid
                                        OR tt.relid IN (SELECT a.relid
                                                          FROM pg_partition_ancestors(tg.tgrelid) a)))
    LOOP
        PERFORM audit_softdelete._as_caller(format('DROP TRIGGER %I ON %s', t.tgname, t.rel));
    END LOOP;
END
$$;

-- After an ALTER TABLE that added a primary key (the C event trigger
-- _table_ddl_end decides): audit rows name their row by its primary key
-- (row_pk), so a key now covering an excluded or redacted column would hide
-- it there, or leak it.  enable() refuses such a column; so does the DDL,
-- in its place.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._check_primary_key()
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
END
$$;

-- After an ALTER TABLE that set or dropped a column default (the C event
-- trigger _table_ddl_end decides): the live views of the tables it changed
-- take the new defaults.  Only for tables the role owns, as above.
-- internal: called by asd_table_ddl_end() in src/viewmode.c
CREATE FUNCTION audit_softdelete._follow_column_defaults()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tt.relid
               FROM audit_softdelete.tracked_tables tt JOIN pg_class c ON c.oid = tt.relid
              WHERE tt.enabled AND tt.soft_delete = 'view'
                AND pg_has_role(audit_softdelete._caller(), c.relowner, 'USAGE')
                AND tt.relid IN (SELECT coalesce(pg_partition_root(d.objid), d.objid)
                                   FROM pg_event_trigger_ddl_commands() d
                                  WHERE d.classid = 'pg_class'::regclass)
    LOOP
        PERFORM audit_softdelete._set_live_view_defaults(t.relid);
    END LOOP;
END
$$;

-- restore() and row_history()
-- ---------------------------

-- "x.a OPERATOR(...) (($1 ->> 'a')::type) AND ..." for the keys of a JSON
-- key: each value converted by its column's own type without its modifier
-- (a bad value is that type's error) and compared with the equality of the
-- key's index operator family (ltree, isbn13, citext: never an "=" looked
-- up by name).  A key naming no column is refused, never ignored.
-- internal: called by key_condition() in src/restore.c and stored_key() in
--           src/history.c, as the caller
CREATE FUNCTION audit_softdelete._key_condition(tbl regclass, pk jsonb)
RETURNS text
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'asd_key_condition';

-- The key a row's audit rows carry (row_pk), for a key spelled as the
-- caller likes: "1" for 1, 'bob' for the citext 'Bob'.  While the row
-- exists (deleted or not) and the caller can read it, its own key values,
-- found with the key's equality; otherwise the values as their columns'
-- types write them, which finds "1" for 1 but not 'bob' for a purged 'Bob'.
-- NULL when pk names a value its column cannot hold: then only pk as given
-- is looked for.  row_history() calls it, as the caller, only for a pk that
-- names the primary key columns, pkcols, with their key condition (see
-- _key_condition).
-- internal: called by stored_key() in src/history.c, as the caller
CREATE FUNCTION audit_softdelete._history_key(tbl regclass, pk jsonb, pkcols text[],
                                              key_condition text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    columns text;
    key     jsonb;
BEGIN
    columns := (SELECT string_agg(format('%L, pg_catalog.to_jsonb(x.%I)', c, c), ', ')
                  FROM unnest(pkcols) c);
    BEGIN
        -- ONLY: inheritance children are tables of their own
        EXECUTE format('SELECT pg_catalog.jsonb_build_object(%s) FROM %s%s x WHERE %s',
                       columns,
                       CASE WHEN (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) = 'p'
                            THEN '' ELSE 'ONLY ' END,
                       tbl, key_condition)
           INTO key USING pk;
    EXCEPTION
        WHEN data_exception OR integrity_constraint_violation OR insufficient_privilege THEN
            key := NULL;
    END;
    IF key IS NULL THEN
        BEGIN
            EXECUTE format('SELECT pg_catalog.jsonb_build_object(%s)'
                           ' FROM pg_catalog.jsonb_populate_record(NULL::%s, $1) x',
                           columns, tbl)
               INTO key USING pk;
        EXCEPTION
            WHEN data_exception OR integrity_constraint_violation THEN
                key := NULL;
        END;
    END IF;
    RETURN key;
END
$$;

-- The table_id a row's history is under: that of tbl itself or its nearest
-- tracked ancestor, else that of the table behind a live view; NULL when
-- none.  Enabled or not: a disabled table keeps its history.
-- internal: called by history_table() in src/history.c
CREATE FUNCTION audit_softdelete._history_table_id(tbl regclass)
RETURNS integer
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        (SELECT t.table_id
           FROM (SELECT tbl, 0::bigint
                  UNION ALL
                 SELECT p.relid, p.level
                   FROM pg_catalog.pg_partition_ancestors(tbl) WITH ORDINALITY AS p(relid, level)
                ) AS a(relid, level)
           JOIN audit_softdelete.tracked_tables t ON t.relid = a.relid
          ORDER BY a.level
          LIMIT 1),
        (SELECT t.table_id
           FROM audit_softdelete.tracked_tables t
          WHERE t.view_name IS NOT NULL AND audit_softdelete._live_view(t.relid) = tbl
          LIMIT 1))
$$;

-- No EXECUTE for PUBLIC
-- ---------------------

-- The public functions reach them as src/internal.c describes; event
-- triggers call theirs without a privilege check.  Those that change
-- something also check on their own whom they act for.
REVOKE ALL ON FUNCTION
    audit_softdelete._caller(),
    audit_softdelete._as_caller(text),
    audit_softdelete._follow_column_rename(),
    audit_softdelete._save_table_options(regclass, boolean, boolean, jsonb, boolean,
                                         text[], text[], text, text),
    audit_softdelete._check_options(text, jsonb),
    audit_softdelete._check_table(regclass, text),
    audit_softdelete._role_names(),
    audit_softdelete._check_role_column(regclass, text, text),
    audit_softdelete._set_triggers(regclass, boolean, text, boolean),
    audit_softdelete._set_partition_triggers(regclass, text, boolean),
    audit_softdelete._no_foreign_partitions(regclass),
    audit_softdelete._excludes_deleted(regclass, text),
    audit_softdelete._live_view(regclass),
    audit_softdelete._tracked_table(regclass),
    audit_softdelete._soft_delete_table(regclass),
    audit_softdelete._set_live_view_defaults(regclass),
    audit_softdelete._create_live_view(regclass),
    audit_softdelete._drop_live_view(regclass),
    audit_softdelete._enable(regclass, boolean, text, boolean, jsonb, text[], text[]),
    audit_softdelete._disable(regclass),
    audit_softdelete._key_condition(regclass, jsonb),
    audit_softdelete._history_key(regclass, jsonb, text[], text),
    audit_softdelete._history_table_id(regclass),
    audit_softdelete._live_view_before_alter(),
    audit_softdelete._after_table_ddl(boolean),
    audit_softdelete._check_primary_key(),
    audit_softdelete._follow_column_defaults(),
    audit_softdelete._table_ddl_end(),
    audit_softdelete._guard_triggers(),
    audit_softdelete._verify_triggers(),
    audit_softdelete._verify_trigger_drops()
FROM PUBLIC;
