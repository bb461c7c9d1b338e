-- test/bench/schema.sql: the benchmark's table, the same for every variant:
-- 12 columns (id, text, numeric, int, text[], jsonb and the six
-- stamp/delete columns), :rows rows.  Loaded once into each template, a
-- copy of a base database that holds the extension and its prefilled
-- history (prefill.sql).
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

VACUUM ANALYZE bench_items;
