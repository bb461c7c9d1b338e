-- The stamping trigger: INSERT sets all four stamps, UPDATE sets updated_*
-- and keeps created_*; the time is the transaction's start time.

CREATE TABLE stamps_t (id int PRIMARY KEY, title text, body text);
SELECT audit_softdelete.enable('stamps_t');

-- INSERT: all four, from the transaction; one time for the whole transaction.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO stamps_t (id, title) VALUES (1, 'one');
SELECT pg_sleep(0.01);
INSERT INTO stamps_t (id, title) VALUES (2, 'two'), (3, 'three');
SELECT id, created_by, updated_by,
       created_at = now() AS created_now, updated_at = created_at AS updated_eq_created
  FROM stamps_t ORDER BY id;
SELECT now() <> clock_timestamp() AS clock_moved_on;
COMMIT;

-- Values the statement supplies are overwritten on INSERT.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO stamps_t (id, title, created_at, created_by, updated_at, updated_by)
VALUES (4, 'forged', '2000-01-01', 'mallory', '2000-01-01', 'mallory');
SELECT id, created_by, updated_by, created_at = now() AS created_now, updated_at = now() AS updated_now
  FROM stamps_t WHERE id = 4;
COMMIT;

-- Keep the times of the first transaction to compare later.
CREATE TEMP TABLE stamps_before AS SELECT id, created_at, updated_at FROM stamps_t;

-- UPDATE: updated_* move, created_* stay, even when the statement tries.
BEGIN;
SELECT audit_softdelete.set_actor('bob');
UPDATE stamps_t SET title = 'one, edited', created_at = '2000-01-01', created_by = 'mallory'
 WHERE id = 1;
SELECT s.id, s.title, s.created_by, s.updated_by,
       s.created_at = b.created_at AS created_at_kept,
       s.updated_at = now() AS updated_now
  FROM stamps_t s JOIN stamps_before b USING (id) WHERE s.id = 1;
COMMIT;

-- An UPDATE that changes nothing leaves the stamps as they were.
BEGIN;
SELECT audit_softdelete.set_actor('carol');
UPDATE stamps_t SET title = title WHERE id = 2;
UPDATE stamps_t SET title = 'two' WHERE id = 2;
SELECT s.id, s.updated_by, s.updated_at = b.updated_at AS updated_at_kept
  FROM stamps_t s JOIN stamps_before b USING (id) WHERE s.id = 2;
-- so does one that only tries to change the stamps themselves
UPDATE stamps_t SET updated_at = '2000-01-01', updated_by = 'mallory' WHERE id = 2;
SELECT s.id, s.updated_by, s.updated_at = b.updated_at AS updated_at_kept
  FROM stamps_t s JOIN stamps_before b USING (id) WHERE s.id = 2;
-- a NULL that becomes a value is a change, and so is a value that becomes NULL
UPDATE stamps_t SET body = 'now set' WHERE id = 3;
SELECT id, updated_by FROM stamps_t WHERE id = 3;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('dave');
UPDATE stamps_t SET body = NULL WHERE id = 3;
SELECT id, updated_by FROM stamps_t WHERE id = 3;
COMMIT;

-- A TOASTed value that the UPDATE does not touch is no change; one it
-- replaces is.
ALTER TABLE stamps_t ALTER COLUMN body SET STORAGE EXTERNAL;
BEGIN;
SELECT audit_softdelete.set_actor('erin');
UPDATE stamps_t SET body = repeat('toast', 2000) WHERE id = 4;
COMMIT;
SELECT reltoastrelid::regclass AS toast_table FROM pg_class WHERE oid = 'stamps_t'::regclass \gset
SELECT count(DISTINCT chunk_id) AS values_out_of_line FROM :toast_table;
BEGIN;
SELECT audit_softdelete.set_actor('frank');
UPDATE stamps_t SET body = body WHERE id = 4;
SELECT id, updated_by FROM stamps_t WHERE id = 4;
UPDATE stamps_t SET body = body || 'x' WHERE id = 4;
SELECT id, updated_by FROM stamps_t WHERE id = 4;
COMMIT;

-- Final state.
SELECT id, title, created_by, updated_by FROM stamps_t ORDER BY id;

-- timestamp without time zone columns get the transaction time in the
-- session's time zone, as now()::timestamp would.
CREATE TABLE stamps_local (id int, created_at timestamp, updated_at timestamp);
SELECT audit_softdelete.enable('stamps_local');
SET TimeZone = 'America/New_York';
BEGIN;
INSERT INTO stamps_local (id) VALUES (1);
SELECT created_at = now()::timestamp AS local_time, updated_at = created_at AS same
  FROM stamps_local;
COMMIT;
RESET TimeZone;

-- A domain over a time type keeps its constraint.
CREATE DOMAIN stamps_recent AS timestamptz CHECK (VALUE > '2100-01-01');
CREATE TABLE stamps_domain (id int, updated_at stamps_recent);
SELECT audit_softdelete.enable('stamps_domain');
INSERT INTO stamps_domain (id) VALUES (1);
\echo SQLSTATE :SQLSTATE

DROP TABLE stamps_t, stamps_local, stamps_domain;
DROP DOMAIN stamps_recent;
