-- A key whose text depends on the writing session's settings inside a
-- range, a multirange or a composite value (a tstzrange prints its bounds
-- in the TimeZone, a composite its interval field in the IntervalStyle):
-- an audit row holds the key as its writer printed it, so row_history(),
-- row_as_of(), table_as_of(), revert_table_to() and undo() compare such
-- keys as values, as they compare a timestamptz or interval key.  They
-- compared the JSON, and the row's audit rows written under another
-- TimeZone were another row's: row_history() missed them, row_as_of()
-- gave the row as it is now, table_as_of() and revert_table_to() failed
-- with "cannot be rebuilt", undo() of an INSERT took no notice of the
-- row's later change.
\set test_db db_asd_key_nested_settings
\i sql/include/own_database.sql
\i sql/include/show_error.sql
CREATE TYPE kns_slot AS (at timestamptz, n int);
CREATE TYPE kns_span AS (len interval, n int);
CREATE TABLE kns_range (k tstzrange PRIMARY KEY, v text);
CREATE TABLE kns_multi (k tstzmultirange PRIMARY KEY, v text);
CREATE TABLE kns_slot_t (k kns_slot PRIMARY KEY, v text);
CREATE TABLE kns_span_t (k kns_span PRIMARY KEY, v text);
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['kns_range', 'kns_multi', 'kns_slot_t', 'kns_span_t']) t;
CREATE VIEW kns_state AS
SELECT 'range' AS t, v, deleted_at IS NOT NULL AS deleted FROM kns_range
UNION ALL SELECT 'multi', v, deleted_at IS NOT NULL FROM kns_multi
UNION ALL SELECT 'slot', v, deleted_at IS NOT NULL FROM kns_slot_t
UNION ALL SELECT 'span', v, deleted_at IS NOT NULL FROM kns_span_t ORDER BY 1;
SELECT clock_timestamp() AS t0 \gset

-- written in Kolkata, changed in New York with intervals in ISO 8601
SET TimeZone = 'Asia/Kolkata';
INSERT INTO kns_range VALUES ('[2026-01-01 00:00+00,2026-02-01 00:00+00)', 'a');
INSERT INTO kns_multi VALUES ('{[2026-01-01 00:00+00,2026-02-01 00:00+00)}', 'a');
INSERT INTO kns_slot_t VALUES (ROW('2026-01-01 00:00+00', 1), 'a');
INSERT INTO kns_span_t VALUES (ROW('1 day 2 hours', 1), 'a');
SELECT clock_timestamp() AS t1 \gset
SET TimeZone = 'America/New_York';
SET IntervalStyle = 'iso_8601';
UPDATE kns_range SET v = 'b';
UPDATE kns_multi SET v = 'b';
UPDATE kns_slot_t SET v = 'b';
UPDATE kns_span_t SET v = 'b';
RESET IntervalStyle;
SET TimeZone = 'UTC';
-- the keys as their writers printed them
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE action IN ('INSERT', 'UPDATE') ORDER BY table_name, id;

-- read in UTC: the history of each row, all of it
SELECT (SELECT count(*) FROM audit_softdelete.row_history('kns_range', '{"k": "[\"2026-01-01 00:00:00+00\",\"2026-02-01 00:00:00+00\")"}')) AS range,
       (SELECT count(*) FROM audit_softdelete.row_history('kns_multi', '{"k": "{[\"2026-01-01 00:00:00+00\",\"2026-02-01 00:00:00+00\")}"}')) AS multi,
       (SELECT count(*) FROM audit_softdelete.row_history('kns_slot_t', '{"k": {"at": "2026-01-01T00:00:00+00:00", "n": 1}}')) AS slot,
       (SELECT count(*) FROM audit_softdelete.row_history('kns_span_t', '{"k": {"len": "1 day 02:00:00", "n": 1}}')) AS span;
-- the rows as they were
SELECT audit_softdelete.row_as_of('kns_range', '{"k": "[\"2026-01-01 00:00:00+00\",\"2026-02-01 00:00:00+00\")"}', :'t1') ->> 'v' AS range,
       audit_softdelete.row_as_of('kns_multi', '{"k": "{[\"2026-01-01 00:00:00+00\",\"2026-02-01 00:00:00+00\")}"}', :'t1') ->> 'v' AS multi,
       audit_softdelete.row_as_of('kns_slot_t', '{"k": {"at": "2026-01-01T00:00:00+00:00", "n": 1}}', :'t1') ->> 'v' AS slot,
       audit_softdelete.row_as_of('kns_span_t', '{"k": {"len": "1 day 02:00:00", "n": 1}}', :'t1') ->> 'v' AS span;
SELECT 'range' AS t, k::text, v FROM audit_softdelete.table_as_of(NULL::kns_range, :'t1')
UNION ALL SELECT 'multi', k::text, v FROM audit_softdelete.table_as_of(NULL::kns_multi, :'t1')
UNION ALL SELECT 'slot', k::text, v FROM audit_softdelete.table_as_of(NULL::kns_slot_t, :'t1')
UNION ALL SELECT 'span', k::text, v FROM audit_softdelete.table_as_of(NULL::kns_span_t, :'t1') ORDER BY 1;
-- before the INSERTs, nothing
SELECT show_error(format('SELECT count(*) FROM audit_softdelete.table_as_of(NULL::kns_range, %L)', :'t0'));
SELECT show_error(format('SELECT count(*) FROM audit_softdelete.table_as_of(NULL::kns_span_t, %L)', :'t0'));

-- the INSERT is not taken back over the later change of its row
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', id)) AS undo_insert
  FROM audit_softdelete.audit_logs WHERE action = 'INSERT' ORDER BY table_name;
SELECT * FROM kns_state;

-- the New York changes taken back, one by one
SELECT count(audit_softdelete.undo(id)) AS undone FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE';
SELECT * FROM kns_state;

-- changed again, and each table put back as it was at t1
UPDATE kns_range SET v = 'c';
UPDATE kns_multi SET v = 'c';
UPDATE kns_slot_t SET v = 'c';
UPDATE kns_span_t SET v = 'c';
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', t, :'t1')) AS revert
  FROM unnest(ARRAY['kns_range', 'kns_multi', 'kns_slot_t', 'kns_span_t']) t;
SELECT * FROM kns_state;

\c :regress_db
DROP DATABASE :test_db;
