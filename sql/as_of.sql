-- row_as_of() and table_as_of(): rows as they were at a past time, rebuilt
-- from today's rows and the audit trail.  Each rebuilt state is compared
-- with a snapshot taken at that time (to_jsonb of every row), so a test
-- passes only when the rebuilding is exact, stamps included.
\set test_db db_asd_as_of
\i sql/include/own_database.sql
\i sql/include/show_error.sql

-- A table with rows from before enable(), a quoted mixed-case name, and a
-- column of each kind of value.
CREATE TABLE "Stock Items" (id int PRIMARY KEY, name text, qty numeric(10,2),
                            tags text[], attrs jsonb, seen date);
INSERT INTO "Stock Items" VALUES
    (1, 'bolt', 1.50, '{a}', '{"k": 1}', '2026-01-01'),
    (2, 'nut', 2, NULL, NULL, NULL),
    (3, 'gear', 3, '{x,y}', '[1, 2]', '2026-02-02');
SELECT audit_softdelete.enable('"Stock Items"');

-- snapshot(): every row as to_jsonb() prints it, in key order
CREATE FUNCTION snapshot() RETURNS jsonb LANGUAGE sql AS
$$ SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.id), '[]') FROM "Stock Items" s $$;
CREATE FUNCTION rebuilt(at timestamptz) RETURNS jsonb LANGUAGE sql AS
$$ SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.id), '[]')
     FROM audit_softdelete.table_as_of(NULL::"Stock Items", at) s $$;

SELECT clock_timestamp() AS t0, snapshot() AS s0 \gset
-- each change in a transaction of its own, with a snapshot between
UPDATE "Stock Items" SET qty = 10, tags = '{a,b}' WHERE id = 1;
INSERT INTO "Stock Items" VALUES (4, 'cog', 4, '{}', '{"deep": {"x": [1]}}', '2026-04-04');
SELECT clock_timestamp() AS t1, snapshot() AS s1 \gset
BEGIN;
SELECT audit_softdelete.set_actor('alice');
UPDATE "Stock Items" SET name = 'big bolt' WHERE id = 1;
DELETE FROM "Stock Items" WHERE id = 2;          -- soft delete
UPDATE "Stock Items" SET attrs = NULL WHERE id = 3;
COMMIT;
SELECT clock_timestamp() AS t2, snapshot() AS s2 \gset
SET audit_softdelete.hard_delete = on;
DELETE FROM "Stock Items" WHERE id = 3;          -- physical delete
RESET audit_softdelete.hard_delete;
UPDATE "Stock Items" SET qty = 11 WHERE id = 4;
SELECT audit_softdelete.restore('"Stock Items"', '{"id": 2}');
INSERT INTO "Stock Items" VALUES (5, 'washer', 5, NULL, NULL, NULL);
SELECT clock_timestamp() AS t3, snapshot() AS s3 \gset

-- the whole table at each moment equals its snapshot
SELECT rebuilt(:'t0') = :'s0' AS at_t0, rebuilt(:'t1') = :'s1' AS at_t1,
       rebuilt(:'t2') = :'s2' AS at_t2, rebuilt(:'t3') = :'s3' AS at_t3,
       rebuilt(now() + interval '1 day') = :'s3' AS future;
-- and so does each row
SELECT k, bool_and(coalesce(audit_softdelete.row_as_of('"Stock Items"', jsonb_build_object('id', k), at)
                            = (SELECT e FROM jsonb_array_elements(snap) e WHERE (e->>'id')::int = k),
                            audit_softdelete.row_as_of('"Stock Items"', jsonb_build_object('id', k), at) IS NULL
                            AND NOT EXISTS (SELECT FROM jsonb_array_elements(snap) e WHERE (e->>'id')::int = k)))
       AS exact
  FROM generate_series(1, 6) k,
       (VALUES (:'t0'::timestamptz, :'s0'::jsonb), (:'t1', :'s1'), (:'t2', :'s2'), (:'t3', :'s3')) m(at, snap)
 GROUP BY k ORDER BY k;

-- what it looks like: the soft-deleted row is there, deleted_at set
SELECT id, name, qty, tags, attrs, deleted_at IS NOT NULL AS deleted
  FROM audit_softdelete.table_as_of(NULL::"Stock Items", :'t2') ORDER BY id;
SELECT audit_softdelete.row_as_of('"Stock Items"', '{"id": 3}', :'t2') - '{created_at,updated_at}'::text[];
-- a row inserted later did not exist; a key spelled as text finds the row
SELECT audit_softdelete.row_as_of('"Stock Items"', '{"id": 5}', :'t2') IS NULL AS not_yet,
       audit_softdelete.row_as_of('"Stock Items"', '{"id": "1"}', :'t1') ->> 'qty' AS qty_by_text_key;
-- plain SQL on the result: what changed since t1
SELECT id, 'then' AS side, name, qty FROM (
    SELECT id, name, qty FROM audit_softdelete.table_as_of(NULL::"Stock Items", :'t1')
    EXCEPT SELECT id, name, qty FROM "Stock Items") x
UNION ALL
SELECT id, 'now', name, qty FROM (
    SELECT id, name, qty FROM "Stock Items"
    EXCEPT SELECT id, name, qty FROM audit_softdelete.table_as_of(NULL::"Stock Items", :'t1')) y
ORDER BY id, side DESC;

-- Excluded and redacted columns come back NULL: the trail never saw them.
CREATE TABLE ao_secret (id int PRIMARY KEY, pin text, note text, memo text);
INSERT INTO ao_secret VALUES (1, '1234', 'a', 'm');
SELECT audit_softdelete.enable('ao_secret', stamps => false, soft_delete => 'off',
                               exclude_columns => '{pin}', redact_columns => '{memo}');
SELECT clock_timestamp() AS t \gset
UPDATE ao_secret SET pin = '9999', note = 'b', memo = 'n';
SELECT audit_softdelete.row_as_of('ao_secret', '{"id": 1}', :'t');
SELECT * FROM audit_softdelete.table_as_of(NULL::ao_secret, :'t');

-- Schema changes since: a column renamed is followed (its audit rows keep
-- the name it had), even one renamed twice, one that took a dropped
-- column's name, and a key column; a column dropped since is left out,
-- with a NOTICE; one added since is NULL.
CREATE TABLE ao_cols (id int PRIMARY KEY, a int, b int, d int);
INSERT INTO ao_cols VALUES (1, 1, 1, 1), (2, 2, 2, 2);
SELECT audit_softdelete.enable('ao_cols', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t, jsonb_agg(to_jsonb(c) ORDER BY id) AS snap FROM ao_cols c \gset
UPDATE ao_cols SET a = 10, b = 10, d = 10 WHERE id = 1;
ALTER TABLE ao_cols RENAME COLUMN a TO aa;
UPDATE ao_cols SET aa = 20 WHERE id = 1;
ALTER TABLE ao_cols DROP COLUMN b;
ALTER TABLE ao_cols RENAME COLUMN d TO b;      -- takes the dropped one's name
UPDATE ao_cols SET b = 30 WHERE id = 1;
ALTER TABLE ao_cols RENAME COLUMN aa TO aaa;
ALTER TABLE ao_cols RENAME COLUMN id TO ident;  -- the key
UPDATE ao_cols SET aaa = 40 WHERE ident = 2;
DELETE FROM ao_cols WHERE ident = 2;
ALTER TABLE ao_cols ADD COLUMN c int DEFAULT 7;
UPDATE ao_cols SET c = 8;
SELECT name, column_id, from_id IS NULL AS since_always, until_id IS NULL AS today
  FROM audit_softdelete.column_history h JOIN audit_softdelete.tracked_tables t USING (table_id)
 WHERE t.relid = 'ao_cols'::regclass ORDER BY column_id, from_id NULLS FIRST;
SELECT audit_softdelete.row_as_of('ao_cols', '{"ident": 1}', :'t');
SELECT audit_softdelete.row_as_of('ao_cols', '{"ident": 2}', :'t');
SELECT * FROM audit_softdelete.table_as_of(NULL::ao_cols, :'t') ORDER BY ident;
-- the same values as the snapshot taken then, under today's names
SELECT :'snap'::jsonb AS then;
-- a column dropped and added again under its name in one statement is
-- another column: its old values are not the new one's
CREATE TABLE ao_again (id int PRIMARY KEY, w int);
INSERT INTO ao_again VALUES (1, 1);
SELECT audit_softdelete.enable('ao_again', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ao_again SET w = 2;
ALTER TABLE ao_again DROP COLUMN w, ADD COLUMN w text DEFAULT 'new';
SELECT audit_softdelete.row_as_of('ao_again', '{"id": 1}', :'t');
-- a column renamed where column_history did not see it (as before 1.1,
-- here with its event trigger off): dropped or renamed is not known, and
-- the call is refused rather than guess
CREATE TABLE ao_unseen (id int PRIMARY KEY, x int);
INSERT INTO ao_unseen VALUES (1, 1);
SELECT audit_softdelete.enable('ao_unseen', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ao_unseen SET x = 2;
ALTER EVENT TRIGGER audit_softdelete_column_history DISABLE;
ALTER TABLE ao_unseen RENAME COLUMN x TO y;
ALTER EVENT TRIGGER audit_softdelete_column_history ENABLE ALWAYS;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ao_unseen', '{"id": 1}', :'t'));
SELECT audit_softdelete.row_as_of('ao_unseen', '{"id": 1}', now());

-- Composite, text and uuid keys; a partitioned table; view mode.
CREATE TABLE ao_lines (order_no text, line int, sku uuid, qty int,
                       PRIMARY KEY (order_no, line));
INSERT INTO ao_lines VALUES ('A-1', 1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1);
SELECT audit_softdelete.enable('ao_lines', stamps => false);
SELECT clock_timestamp() AS t \gset
UPDATE ao_lines SET qty = 2;
DELETE FROM ao_lines;
SELECT audit_softdelete.row_as_of('ao_lines', '{"order_no": "A-1", "line": 1}', :'t');
SELECT order_no, line, sku, qty, deleted_at FROM audit_softdelete.table_as_of(NULL::ao_lines, :'t');

CREATE TABLE ao_parts (id int PRIMARY KEY, qty int) PARTITION BY RANGE (id);
CREATE TABLE ao_parts_1 PARTITION OF ao_parts FOR VALUES FROM (0) TO (10);
CREATE TABLE ao_parts_2 PARTITION OF ao_parts FOR VALUES FROM (10) TO (20);
INSERT INTO ao_parts VALUES (1, 1), (11, 11);
SELECT audit_softdelete.enable('ao_parts', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ao_parts SET id = 2 WHERE id = 1;    -- a new key: refused below
SELECT show_error(format('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_parts, %L)', :'t'));
SELECT clock_timestamp() AS t \gset
UPDATE ao_parts SET qty = 12 WHERE id = 11;
DELETE FROM ao_parts WHERE id = 2;
SELECT * FROM audit_softdelete.table_as_of(NULL::ao_parts, :'t') ORDER BY id;
SELECT audit_softdelete.row_as_of('ao_parts_2', '{"id": 11}', :'t');
SELECT show_error(format('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_parts_1, %L)', :'t'));

CREATE TABLE ao_viewed (id int PRIMARY KEY, qty int);
INSERT INTO ao_viewed VALUES (1, 1), (2, 2);
SELECT audit_softdelete.enable('ao_viewed', stamps => false, soft_delete => 'view');
SELECT clock_timestamp() AS t \gset
SELECT :'t' AS before_viewed_delete \gset
DELETE FROM ao_viewed WHERE id = 1;
SELECT clock_timestamp() AS t2 \gset
-- through the view: the rows that were live; through the table: all
SELECT id, qty FROM audit_softdelete.table_as_of(NULL::ao_viewed, :'t') ORDER BY id;
SELECT id, qty FROM audit_softdelete.table_as_of(NULL::ao_viewed, :'t2') ORDER BY id;
SELECT id, qty, deleted_at IS NOT NULL AS deleted
  FROM audit_softdelete.table_as_of(NULL::ao_viewed_all, :'t2') ORDER BY id;
SELECT audit_softdelete.row_as_of('ao_viewed', '{"id": 1}', :'t2') ->> 'qty' AS deleted_row_qty;

-- A hot row: its later audit rows are read newest first and folded in
-- batches of 1,000; every state, asked for, is the row as it was.
CREATE TABLE ao_hot (id int PRIMARY KEY, qty int, note text);
INSERT INTO ao_hot VALUES (1, 0, 'start'), (2, 0, 'other');
SELECT audit_softdelete.enable('ao_hot', stamps => false, soft_delete => 'off');
CREATE TEMP TABLE ao_hot_states (n int, at timestamptz, row jsonb);
INSERT INTO ao_hot_states SELECT 0, clock_timestamp(), to_jsonb(h) FROM ao_hot h WHERE id = 1;
-- each UPDATE a statement of its own (logged_at is the statement's time),
-- not echoed
\set ECHO none
SELECT format('UPDATE ao_hot SET qty = %s%s WHERE id = 1', i,
              CASE WHEN i % 1000 = 0 THEN format(', note = %L', 'at ' || i) ELSE '' END),
       CASE WHEN i IN (1, 999, 1000, 1001, 1500, 2499) THEN
           format('INSERT INTO ao_hot_states SELECT %s, clock_timestamp(), to_jsonb(h) FROM ao_hot h WHERE id = 1', i)
       END
  FROM generate_series(1, 2500) i \gexec
\set ECHO all
SELECT n, audit_softdelete.row_as_of('ao_hot', '{"id": 1}', at) = row AS exact
  FROM ao_hot_states ORDER BY n;

-- What the trail cannot tell is refused.
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)',
                         '"Stock Items"', '{"id": 1}', :'t0'::timestamptz - interval '1 hour'));
-- a row changed, then gone without an audit row of its deletion (the
-- triggers off for a replica's writes)
CREATE TABLE ao_lost (id int PRIMARY KEY, qty int);
INSERT INTO ao_lost VALUES (1, 1), (2, 2);
SELECT audit_softdelete.enable('ao_lost', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ao_lost SET qty = 10;
SET session_replication_role = replica;
DELETE FROM ao_lost WHERE id = 1;
RESET session_replication_role;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ao_lost', '{"id": 1}', :'t'));
SELECT show_error(format('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_lost, %L)', :'t'));
SELECT audit_softdelete.row_as_of('ao_lost', '{"id": 2}', :'t');
-- the key in the message as the audit rows spell it, not as asked
CREATE TABLE ao_lost_num (id numeric PRIMARY KEY, qty int);
INSERT INTO ao_lost_num VALUES (1.50, 1);
SELECT audit_softdelete.enable('ao_lost_num', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
UPDATE ao_lost_num SET qty = 2;
SET session_replication_role = replica;
DELETE FROM ao_lost_num;
RESET session_replication_role;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ao_lost_num', '{"id": 1.5}', :'t'));
CREATE TABLE ao_trunc (id int PRIMARY KEY);
INSERT INTO ao_trunc VALUES (1);
SELECT audit_softdelete.enable('ao_trunc', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS t \gset
TRUNCATE ao_trunc;
SELECT show_error(format('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_trunc, %L)', :'t'));
SELECT count(*) AS after_truncate FROM audit_softdelete.table_as_of(NULL::ao_trunc, now());
SELECT audit_softdelete.enable('ao_trunc', audit => false, stamps => false, soft_delete => 'off');
SELECT show_error('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_trunc, now())');
SELECT audit_softdelete.enable('ao_trunc', stamps => false, soft_delete => 'off');
SELECT show_error(format('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_trunc, %L)', :'t'));
CREATE TABLE ao_nokey (a int);
SELECT audit_softdelete.enable('ao_nokey', stamps => false, soft_delete => 'off');
SELECT show_error('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_nokey, now())');
CREATE TABLE ao_plain (id int PRIMARY KEY);
SELECT show_error('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_plain, now())');
SELECT show_error('SELECT audit_softdelete.table_as_of(1, now())');
SELECT show_error('SELECT audit_softdelete.table_as_of(NULL::"Stock Items", NULL)');
SELECT show_error('SELECT audit_softdelete.row_as_of(''"Stock Items"'', NULL, now())');
SELECT show_error('SELECT audit_softdelete.row_as_of(''"Stock Items"'', ''{"sku": 1}'', now())');

-- As the caller: SELECT on audit_logs and on the table are both needed,
-- and row-level security on the table applies.
CREATE ROLE ao_reader;
GRANT SELECT ON ao_viewed_all TO ao_reader;
SET ROLE ao_reader;
SELECT show_error('SELECT * FROM audit_softdelete.table_as_of(NULL::ao_viewed_all, now())');
RESET ROLE;
GRANT SELECT ON audit_softdelete.audit_logs TO ao_reader;
SET ROLE ao_reader;
SELECT show_error('SELECT * FROM audit_softdelete.table_as_of(NULL::"Stock Items", now())');
SELECT count(*) AS visible FROM audit_softdelete.table_as_of(NULL::ao_viewed_all, now());
RESET ROLE;
-- a key changed since is refused before the row's columns are read: a
-- reader of the key column alone is told so, not refused the table
CREATE TABLE ao_rekeyed (id int PRIMARY KEY, secret text);
INSERT INTO ao_rekeyed VALUES (1, 's');
SELECT audit_softdelete.enable('ao_rekeyed', stamps => false, soft_delete => 'off');
SELECT clock_timestamp() AS before_rekey \gset
UPDATE ao_rekeyed SET id = 2;
GRANT SELECT (id) ON ao_rekeyed TO ao_reader;
SET ROLE ao_reader;
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ao_rekeyed', '{"id": 2}', :'before_rekey'));
RESET ROLE;
ALTER TABLE ao_viewed_all ENABLE ROW LEVEL SECURITY;
CREATE POLICY ao_only_2 ON ao_viewed_all FOR SELECT USING (id = 2);
SET ROLE ao_reader;
SELECT id FROM audit_softdelete.table_as_of(NULL::ao_viewed_all, :'t') ORDER BY id;
-- a row the policy hides is not there, rather than lost (asked as of
-- before its soft delete, whose audit row comes after)
SELECT audit_softdelete.row_as_of('ao_viewed_all', '{"id": 1}', :'before_viewed_delete') AS hidden,
       audit_softdelete.row_as_of('ao_viewed_all', '{"id": 2}', :'before_viewed_delete') ->> 'qty' AS shown_qty;
RESET ROLE;

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE ao_reader;
