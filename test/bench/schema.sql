-- test/bench/schema.sql: the benchmark's table, the same for every variant:
-- 12 columns (id, text, numeric, int, text[], jsonb and the six
-- stamp/delete columns), :rows rows.  Loaded once into the template.
CREATE EXTENSION IF NOT EXISTS audit_softdelete;

CREATE TABLE bench_items (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    price       numeric(10,2),
    qty         int NOT NULL DEFAULT 0,
    tags        text[],
    attrs       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text,
    updated_at  timestamptz,
    updated_by  text,
    deleted_at  timestamptz,
    deleted_by  text
);
CREATE SEQUENCE bench_items_new_id START 100000000;

INSERT INTO bench_items (id, name, price, qty, tags, attrs, created_by, updated_at, updated_by)
SELECT g, 'item ' || g, (g % 1000) / 10.0, g % 50, ARRAY['tag' || (g % 7), 'tag' || (g % 11)],
       jsonb_build_object('color', 'c' || (g % 5), 'size', g % 3),
       'loader', now(), 'loader'
  FROM generate_series(1, :rows) g;

-- The audit table of variants 4 and 5, the same columns and indexes as
-- audit_softdelete.audit_logs.
CREATE TABLE ref_audit_logs (
    id               bigserial PRIMARY KEY,
    logged_at        timestamptz NOT NULL DEFAULT statement_timestamp(),
    txid             xid8 NOT NULL DEFAULT pg_current_xact_id(),
    table_id         integer NOT NULL DEFAULT 1,
    table_oid        oid NOT NULL DEFAULT 'bench_items'::regclass,
    schema_name      text NOT NULL DEFAULT 'public',
    table_name       text NOT NULL DEFAULT 'bench_items',
    action           text NOT NULL,
    row_pk           jsonb,
    row_pk_hash      bigint GENERATED ALWAYS AS (jsonb_hash_extended(row_pk, 0)) STORED,
    old_values       jsonb,
    new_values       jsonb,
    changed_columns  text[],
    actor            text,
    db_user          text NOT NULL DEFAULT session_user,
    client_addr      inet DEFAULT inet_client_addr(),
    application_name text DEFAULT current_setting('application_name'),
    context          jsonb,
    migration_id     bigint
);
CREATE INDEX ref_audit_logs_row_idx ON ref_audit_logs (table_id, row_pk_hash);
CREATE INDEX ref_audit_logs_time_idx ON ref_audit_logs
    USING brin (logged_at, txid audit_softdelete.xid8_minmax_ops) WITH (pages_per_range = 32);
SELECT brin_desummarize_range('ref_audit_logs_time_idx', 0);
VACUUM ANALYZE;
