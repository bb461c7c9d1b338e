-- test/bench/reads_schema.sql: the five enabled tables of run-reads.sh,
-- :table_rows rows each, filled before enable() so that their rows have no
-- audit rows of their own.  Every table has an int column val, the one the
-- benchmark's writes change; reads_docs has a uuid key (its bigint seq
-- only picks ranges of rows).
CREATE EXTENSION audit_softdelete;

CREATE TABLE reads_orders (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    status      text NOT NULL,
    val         int NOT NULL,
    note        text
);
CREATE TABLE reads_customers (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    email       text,
    val         int NOT NULL
);
CREATE TABLE reads_items (
    id          bigint PRIMARY KEY,
    sku         text NOT NULL,
    price       numeric(12,2),
    val         int NOT NULL
);
CREATE TABLE reads_events (
    id          bigint PRIMARY KEY,
    kind        text NOT NULL,
    payload     jsonb,
    val         int NOT NULL
);
CREATE TABLE reads_docs (
    code        uuid PRIMARY KEY,
    seq         bigint NOT NULL,
    title       text NOT NULL,
    val         int NOT NULL
);

INSERT INTO reads_orders
SELECT g, g % 100000, 'open', g % 997, 'order ' || g FROM generate_series(1, :table_rows) g;
INSERT INTO reads_customers
SELECT g, 'customer ' || g, 'c' || g || '@example.com', g % 997 FROM generate_series(1, :table_rows) g;
INSERT INTO reads_items
SELECT g, 'SKU-' || g, (g % 1000) / 10.0, g % 997 FROM generate_series(1, :table_rows) g;
INSERT INTO reads_events
SELECT g, 'created', jsonb_build_object('n', g), g % 997 FROM generate_series(1, :table_rows) g;
-- the key of row seq is md5(seq)::uuid, in the synthesised history too
INSERT INTO reads_docs
SELECT md5(g::text)::uuid, g, 'doc ' || g, g % 997 FROM generate_series(1, :table_rows) g;
CREATE INDEX ON reads_docs (seq);

SELECT audit_softdelete.enable('reads_orders');
SELECT audit_softdelete.enable('reads_customers');
SELECT audit_softdelete.enable('reads_items', soft_delete => 'off');
SELECT audit_softdelete.enable('reads_events', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('reads_docs');

VACUUM ANALYZE reads_orders, reads_customers, reads_items, reads_events, reads_docs;

-- One real audited UPDATE per table: the templates of the synthesised
-- history (reads_history.sql), whatever columns audit_logs has.  Kept in
-- reads_tpl and removed from audit_logs, where their timestamps, newer
-- than the history's, would sit in the first block range.
BEGIN;
SELECT audit_softdelete.set_actor('user_1');
UPDATE reads_orders SET val = val + 1 WHERE id = 1;
UPDATE reads_customers SET val = val + 1 WHERE id = 1;
UPDATE reads_items SET val = val + 1 WHERE id = 1;
UPDATE reads_events SET val = val + 1 WHERE id = 1;
UPDATE reads_docs SET val = val + 1 WHERE seq = 1;
CREATE TABLE reads_tpl AS
SELECT row_number() OVER () - 1 AS reads_slot,
       l.row_pk ? 'code' AS reads_by_code,
       l.*
  FROM audit_softdelete.audit_logs l
 WHERE l.txid = pg_current_xact_id();
DELETE FROM audit_softdelete.audit_logs;
COMMIT;
ANALYZE reads_tpl;
SELECT count(*) = 5 AS five_templates FROM reads_tpl \gset
\if :five_templates
\else
\warn 'expected one template audit row per table'
SELECT 1/0;
\endif
