-- test/bench/wal_floor.sql: the floor of issue 13's bytes and WAL targets.
-- The same facts an audited UPDATE's audit row holds, in the fewest bytes
-- an application writing them itself could use: every fact that repeats
-- from row to row stored once, elsewhere, and reached through a small key;
-- fixed-width columns first, so that no padding falls between them.
--   * the table's names and oid: min_tables, by table_id;
--   * db_user, application_name, client_addr: min_sessions, by session_id;
--   * action: one "char";
--   * changed_columns: not stored, the keys of new_values (what an UPDATE's
--     new_values holds is exactly the columns it changed).
-- min_audit_logs gives the rows back in audit_logs' columns, which the
-- content check of wal-floor.sh compares with the extension's rows.
CREATE TABLE min_tables (
    table_id    integer PRIMARY KEY,
    table_oid   oid NOT NULL,
    schema_name text NOT NULL,
    table_name  text NOT NULL
);
-- table_id 1: what enable() gives the first table it enables
INSERT INTO min_tables VALUES (1, 'bench_items'::regclass, 'public', 'bench_items');

CREATE TABLE min_sessions (
    session_id       integer PRIMARY KEY,
    db_user          text NOT NULL,
    application_name text,
    client_addr      inet
);
INSERT INTO min_sessions VALUES (1, session_user, 'pgbench', inet_client_addr());

CREATE SEQUENCE min_audit_id_seq;
CREATE TABLE min_audit (
    id           bigint NOT NULL DEFAULT nextval('min_audit_id_seq'),
    logged_at    timestamptz NOT NULL DEFAULT statement_timestamp(),
    xact_start   timestamptz NOT NULL DEFAULT transaction_timestamp(),
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    row_pk_hash  bigint NOT NULL,
    table_id     integer NOT NULL,
    session_id   integer NOT NULL,
    action       "char" NOT NULL,
    row_pk       jsonb,
    old_values   jsonb,
    new_values   jsonb,
    actor        text,
    context      jsonb,
    migration_id bigint
);
-- the same indexes as audit_logs
CREATE INDEX ON min_audit (table_id, row_pk_hash, id);
CREATE INDEX ON min_audit USING brin
    (logged_at, txid audit_softdelete.xid8_minmax_ops, id,
     actor text_bloom_ops (n_distinct_per_range = 931))
    WITH (pages_per_range = 32);

CREATE VIEW min_audit_logs AS
SELECT a.id, a.logged_at, a.txid, a.table_id, t.table_oid, t.schema_name, t.table_name,
       CASE a.action WHEN 'U' THEN 'UPDATE' END AS action,
       a.row_pk, a.row_pk_hash, a.old_values, a.new_values,
       ARRAY(SELECT jsonb_object_keys(a.new_values)) AS changed_columns,
       a.actor, s.db_user, s.client_addr, s.application_name, a.context,
       a.migration_id, a.xact_start
  FROM min_audit a
  JOIN min_tables t USING (table_id)
  JOIN min_sessions s USING (session_id);
