\echo Use "ALTER EXTENSION audit_softdelete UPDATE TO '1.1'" to load this file. \quit

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

-- Every table of a schema enabled at once (issue 15), as the caller: each
-- through enable(), which checks the caller's rights.  All or nothing: an
-- error in any enable() leaves every table as it was.  Skipped, each with
-- a NOTICE: partitions (their partitioned table is enabled, and they with
-- it), tables that belong to an extension, and, in view mode, tables
-- without a primary key (the live view finds rows by it).  Returns how many
-- tables it enabled.
CREATE FUNCTION audit_softdelete.enable_schema(
    schema_name     name,
    stamps          boolean DEFAULT true,
    soft_delete     text    DEFAULT 'trigger',
    audit           boolean DEFAULT true,
    columns         jsonb   DEFAULT '{}',
    exclude_columns text[]  DEFAULT '{}',
    redact_columns  text[]  DEFAULT '{}')
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nsp     oid;
    t       record;
    enabled integer := 0;
    skipped integer := 0;
BEGIN
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'schema_name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    nsp := (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = schema_name);
    IF nsp IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = 'invalid_schema_name';
    END IF;
    IF schema_name = 'audit_softdelete' OR schema_name LIKE 'pg\_%' OR schema_name = 'information_schema' THEN
        RAISE EXCEPTION 'cannot enable the tables of schema "%"', schema_name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'It belongs to the extension or to the system.';
    END IF;
    FOR t IN
        SELECT c.oid::pg_catalog.regclass AS tbl, c.relispartition AS is_partition,
               (SELECT e.extname FROM pg_catalog.pg_depend d
                  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                   AND d.objid = c.oid AND d.deptype = 'e') AS extension,
               EXISTS (SELECT FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = nsp AND c.relkind IN ('r', 'p')
         ORDER BY c.relname
    LOOP
        IF t.is_partition THEN
            RAISE NOTICE 'skipping %: a partition, enabled with its partitioned table', t.tbl;
        ELSIF t.extension IS NOT NULL THEN
            RAISE NOTICE 'skipping %: it belongs to extension %', t.tbl, t.extension;
        ELSIF soft_delete = 'view' AND NOT t.has_pk THEN
            RAISE NOTICE 'skipping %: view mode needs a primary key', t.tbl;
        ELSE
            PERFORM audit_softdelete.enable(t.tbl, stamps, soft_delete, audit, columns,
                                            exclude_columns, redact_columns);
            enabled := enabled + 1;
            CONTINUE;
        END IF;
        skipped := skipped + 1;
    END LOOP;
    RAISE NOTICE 'schema "%": % tables enabled, % skipped', schema_name, enabled, skipped;
    RETURN enabled;
END
$$;

COMMENT ON FUNCTION audit_softdelete.enable_schema(name, boolean, text, boolean, jsonb, text[], text[]) IS
    'Enable every ordinary and partitioned table of a schema with the same options, all or nothing.';

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

-- The body of table_status(), which runs it as the extension owner on
-- behalf of the caller (src/internal.c), so that it may use the internal
-- functions.  What it reads from the catalogs anyone may read; the row
-- counts and the audit figures it reads as the caller, through
-- _read_as_caller(), and only when the caller may read the table or
-- audit_logs (NULL otherwise): the caller's privileges and row-level
-- security apply.
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
        SELECT tt.*, c.relkind, audit_softdelete._live_view(tt.relid) AS view_
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
            -- _create_live_view() create them), on the table, on its
            -- partitions (the row triggers' clones, the TRUNCATE
            -- triggers), and on the live view.  tgtype: 1 row, 2 before,
            -- 4 insert, 8 delete, 16 update, 32 truncate, 64 instead of.
            FOR trig IN
                WITH expected(name, wanted, fn, tgtype, what, on_parts) AS (VALUES
                    ('audit_softdelete_stamp', t.stamps,
                     'audit_softdelete.stamp_trigger()'::regprocedure, 23, 'stamps rows', false),
                    ('audit_softdelete_soft_delete', t.soft_delete <> 'off',
                     'audit_softdelete.soft_delete_trigger()'::regprocedure,
                     CASE WHEN t.relkind = 'p' THEN 27 ELSE 11 END, 'turns DELETE into a soft delete', false),
                    ('audit_softdelete_soft_delete_truncate', t.soft_delete <> 'off',
                     'audit_softdelete.truncate_guard_trigger()'::regprocedure, 34, 'refuses TRUNCATE', true),
                    ('audit_softdelete_audit', t.audit,
                     'audit_softdelete.audit_trigger()'::regprocedure, 29, 'writes the audit trail', false),
                    ('audit_softdelete_audit_truncate', t.audit,
                     'audit_softdelete.audit_truncate_trigger()'::regprocedure, 32, 'audits TRUNCATE', true))
                SELECT e.name, e.what, NULL::regclass AS part, '' AS sort, g.tgenabled,
                       g.oid IS NOT NULL AND (g.tgfoid <> e.fn OR g.tgtype <> e.tgtype OR g.tgqual IS NOT NULL
                                              OR g.tgnargs <> 0 OR g.tgattr <> '') AS changed,
                       t.relid AS rel
                  FROM expected e
                  LEFT JOIN pg_trigger g ON g.tgrelid = t.relid AND g.tgname = e.name AND NOT g.tgisinternal
                 WHERE e.wanted
                UNION ALL
                -- partitions (foreign ones take no TRUNCATE trigger); a row
                -- trigger's clone cannot be dropped, only disabled
                SELECT e.name, e.what, p.relid, p.relid::text, g.tgenabled, false, p.relid
                  FROM expected e
                  CROSS JOIN pg_partition_tree(t.relid) p
                  JOIN pg_class pc ON pc.oid = p.relid AND pc.relkind IN ('r', 'p')
                  LEFT JOIN pg_trigger g ON g.tgrelid = p.relid AND g.tgname = e.name AND NOT g.tgisinternal
                 WHERE e.wanted AND p.relid <> t.relid AND (e.on_parts OR g.oid IS NOT NULL)
                UNION ALL
                SELECT 'audit_softdelete_view_delete', 'soft-deletes the rows deleted through the live view',
                       NULL, '', g.tgenabled,
                       g.oid IS NOT NULL AND (g.tgfoid <> 'audit_softdelete.view_delete_trigger()'::regprocedure
                                              OR g.tgtype <> 73 OR g.tgqual IS NOT NULL
                                              OR g.tgnargs <> 0 OR g.tgattr <> ''),
                       t.view_
                  FROM (SELECT) AS one
                  LEFT JOIN pg_trigger g ON g.tgrelid = t.view_ AND g.tgname = 'audit_softdelete_view_delete'
                 WHERE t.view_ IS NOT NULL
                 ORDER BY sort, name
            LOOP
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
                                             || ' Fix: ' || fix_enable);
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
                                             || ' Fix: ' || fix_enable);
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
        END IF;

        -- Rows, as the caller: counted when small, else estimated.
        live_rows := NULL;
        deleted_rows := NULL;
        rows_estimated := NULL;
        IF has_table_privilege(caller, t.relid, 'SELECT') THEN
            -- pg_partition_tree() gives nothing for a table outside any
            -- partition tree: the table itself is added
            IF (SELECT sum(pg_relation_size(p.relid))
                  FROM (SELECT t.relid UNION SELECT p.relid FROM pg_partition_tree(t.relid) p) p) <= exact_bytes
               AND NOT EXISTS (SELECT FROM pg_partition_tree(t.relid) p JOIN pg_class c ON c.oid = p.relid
                                WHERE c.relkind = 'f') THEN
                rows_estimated := false;
                counts := audit_softdelete._read_as_caller(
                    CASE WHEN deleted_col IS NULL
                         THEN format('SELECT pg_catalog.jsonb_build_object(''live'', pg_catalog.count(*)) FROM %s', t.relid)
                         ELSE format('SELECT pg_catalog.jsonb_build_object(''live'', pg_catalog.count(*) FILTER (WHERE %I IS NULL),'
                                     ' ''deleted'', pg_catalog.count(*) FILTER (WHERE %I IS NOT NULL)) FROM %s',
                                     deleted_col, deleted_col, t.relid) END);
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
    audit_softdelete._table_status(regclass)
FROM PUBLIC;
