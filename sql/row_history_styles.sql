-- row_history() of a key whose text follows a session setting: an
-- interval key is written as the writer's IntervalStyle prints it, a
-- bytea key as its bytea_output does.  The key is looked for in every
-- style, so the rows of every writer are found, from a session in any.
\set test_db db_asd_row_history_styles
\i sql/include/own_database.sql

CREATE TABLE hs_spans (span interval PRIMARY KEY, v int);
CREATE TABLE hs_blobs (b bytea, span interval, v int, PRIMARY KEY (b, span));
SELECT audit_softdelete.enable('hs_spans', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('hs_blobs', stamps => false, soft_delete => 'off');
SET IntervalStyle = 'postgres';
INSERT INTO hs_spans VALUES ('-1 day +02:03:04.5', 0);
INSERT INTO hs_blobs VALUES ('\x00ff41', '1 year 2 mons', 0);
SET IntervalStyle = 'postgres_verbose';
UPDATE hs_spans SET v = 1;
SET bytea_output = 'escape';
UPDATE hs_blobs SET v = 1;
SET IntervalStyle = 'sql_standard';
UPDATE hs_spans SET v = 2;
UPDATE hs_blobs SET v = 2;
SET IntervalStyle = 'iso_8601';
RESET bytea_output;
UPDATE hs_spans SET v = 3;
UPDATE hs_blobs SET v = 3;
RESET IntervalStyle;
SELECT table_name, row_pk, new_values FROM audit_softdelete.audit_logs
 WHERE action <> 'ENABLE' ORDER BY id;

-- all of them, asked from a session in each style
SET IntervalStyle = 'postgres';
SELECT count(*) FROM audit_softdelete.row_history('hs_spans', '{"span": "-1 day +02:03:04.5"}');
SELECT count(*) FROM audit_softdelete.row_history('hs_blobs', '{"b": "\\x00ff41", "span": "1 year 2 mons"}');
SET IntervalStyle = 'sql_standard';
SET bytea_output = 'escape';
SELECT count(*) FROM audit_softdelete.row_history('hs_spans', '{"span": "-1 +2:03:04.5"}');
SELECT count(*) FROM audit_softdelete.row_history('hs_blobs', '{"b": "\\x00ff41", "span": "1-2"}');
SET IntervalStyle = 'iso_8601';
SELECT count(*) FROM audit_softdelete.row_history('hs_spans', '{"span": "P-1DT2H3M4.5S"}');
SET IntervalStyle = 'postgres_verbose';
SELECT count(*) FROM audit_softdelete.row_history('hs_blobs', '{"b": "\\x00ff41", "span": "@ 1 year 2 mons"}');
RESET IntervalStyle;
RESET bytea_output;
-- once the row is gone too, by its values
DELETE FROM hs_spans;
SELECT action FROM audit_softdelete.row_history('hs_spans', '{"span": "-1 days 2 hours 3 minutes 4.5 seconds"}');

\c :regress_db
DROP DATABASE :test_db;
