-- row_history() and restore() take the same keys: what cannot be a key of
-- the table is refused alike (22023, 22004), not answered with no rows.
-- row_history() still finds history recorded under a key column's old
-- name: a key naming other columns is refused only when it finds nothing.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';
CREATE TABLE rhk_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('rhk_t');
INSERT INTO rhk_t VALUES (1, 'a');
SELECT action, row_pk FROM audit_softdelete.row_history('rhk_t', '{"id": 1}');

\set VERBOSITY default
SELECT action FROM audit_softdelete.row_history('rhk_t', '[1]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rhk_t', '[1]');
\echo SQLSTATE :SQLSTATE
SELECT action FROM audit_softdelete.row_history('rhk_t', '{"x": 1}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rhk_t', '{"x": 1}');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
SELECT action FROM audit_softdelete.row_history('rhk_t', '{}');
\echo SQLSTATE :SQLSTATE
SELECT action FROM audit_softdelete.row_history('rhk_t', '"x"');
\echo SQLSTATE :SQLSTATE
SELECT action FROM audit_softdelete.row_history('rhk_t', '{"id": null}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rhk_t', '{"id": null}');
\echo SQLSTATE :SQLSTATE

-- The key column renamed: its history so far is under {"id": ...}, later
-- rows under {"uid": ...}; each key finds its own.
ALTER TABLE rhk_t RENAME COLUMN id TO uid;
UPDATE rhk_t SET v = 'b';
SELECT action, row_pk FROM audit_softdelete.row_history('rhk_t', '{"id": 1}');
SELECT action, row_pk FROM audit_softdelete.row_history('rhk_t', '{"uid": 1}');
SELECT action FROM audit_softdelete.row_history('rhk_t', '{"nope": 1}');
\echo SQLSTATE :SQLSTATE
-- a value the key's column cannot hold is looked for as given (history
-- recorded under an older key type): no row, no error
SELECT count(*) FROM audit_softdelete.row_history('rhk_t', '{"uid": "abc"}');

DROP TABLE rhk_t;
RESET audit_softdelete.actor;

-- A timestamptz key is written as the writing session prints it, with its
-- TimeZone's offset (docs/guide.md, "Keys whose text depends on a session
-- setting"): row_history() looks for it spelled with every offset, so it
-- finds the audit rows of writers in any TimeZone; row_as_of() compares
-- such keys as values, table_as_of() reads them as values and prints them
-- again; restore() finds the row by the key's own equality.
-- (Changes written under three TimeZones, read from others.)
SET TimeZone = 'UTC';
CREATE TABLE rhk_ts (ts timestamptz PRIMARY KEY, v int);
SELECT audit_softdelete.enable('rhk_ts', stamps => false);
INSERT INTO rhk_ts VALUES ('2026-01-01 10:00+00', 1);
SELECT clock_timestamp() AS before_updates \gset
UPDATE rhk_ts SET v = 2;
SELECT clock_timestamp() AS between_updates \gset
SET TimeZone = 'Europe/Paris';
UPDATE rhk_ts SET v = 3;
SET TimeZone = 'Asia/Kolkata';
UPDATE rhk_ts SET v = 4;
SET TimeZone = 'America/New_York';
SELECT audit_softdelete.row_as_of('rhk_ts', '{"ts": "2026-01-01 10:00+00"}', :'before_updates') ->> 'v' AS v_before,
       audit_softdelete.row_as_of('rhk_ts', '{"ts": "2026-01-01 10:00+00"}', :'between_updates') ->> 'v' AS v_between,
       audit_softdelete.row_as_of('rhk_ts', '{"ts": "2026-01-01 10:00+00"}', now()) ->> 'v' AS v_now;
SELECT (SELECT v FROM audit_softdelete.table_as_of(NULL::rhk_ts, :'before_updates')) AS table_v_before,
       (SELECT v FROM audit_softdelete.table_as_of(NULL::rhk_ts, :'between_updates')) AS table_v_between;
SET TimeZone = 'UTC';
DELETE FROM rhk_ts;
SELECT action, row_pk FROM audit_softdelete.row_history('rhk_ts', '{"ts": "2026-01-01 10:00+00"}');
SET TimeZone = 'Europe/Paris';
SELECT action, row_pk FROM audit_softdelete.row_history('rhk_ts', '{"ts": "2026-01-01 10:00+00"}');
SELECT action FROM audit_softdelete.row_history('rhk_ts', '{"ts": "2026-01-01T10:00:00+00:00"}');
SELECT audit_softdelete.restore('rhk_ts', '{"ts": "2026-01-01 10:00+00"}');
RESET TimeZone;
SELECT audit_softdelete.disable('rhk_ts');
DROP TABLE rhk_ts;
