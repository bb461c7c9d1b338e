-- The per-backend cache of table options and columns (src/relinfo.c)
-- forgets a dropped relation: its entry, seen here as the entry's memory
-- context (named after the relation), is removed at the next use of the
-- cache, instead of staying for the life of the backend.  The live view of
-- a table in view mode has an entry of its own.
CREATE TABLE rc_gone (id int PRIMARY KEY);
CREATE TABLE rc_kept (id int PRIMARY KEY);
CREATE TABLE rc_viewed (id int PRIMARY KEY);
SELECT audit_softdelete.enable('rc_gone');
SELECT audit_softdelete.enable('rc_kept');
SELECT audit_softdelete.enable('rc_viewed', soft_delete => 'view');
INSERT INTO rc_gone VALUES (1);
INSERT INTO rc_kept VALUES (1);
INSERT INTO rc_viewed VALUES (1);
DELETE FROM rc_viewed;

CREATE TEMP VIEW rc_entries AS
SELECT ident, count(*) AS entries
  FROM pg_backend_memory_contexts
 WHERE name = 'audit_softdelete relinfo entry' AND ident LIKE 'rc\_%'
 GROUP BY ident ORDER BY ident;
SELECT * FROM rc_entries;

-- dropped: the table, and the live view (disable drops it)
DROP TABLE rc_gone;
SELECT audit_softdelete.disable('rc_viewed');
-- the next write through the cache removes their entries (the table of
-- the view, renamed back to rc_viewed, keeps its stale entry until used)
INSERT INTO rc_kept VALUES (2);
SELECT * FROM rc_entries;

-- a table dropped in a transaction that rolls back: its entry, removed
-- in the transaction, is built again
CREATE TABLE rc_back (id int PRIMARY KEY);
SELECT audit_softdelete.enable('rc_back');
INSERT INTO rc_back VALUES (1);
BEGIN;
DROP TABLE rc_back;
INSERT INTO rc_kept VALUES (3);
ROLLBACK;
INSERT INTO rc_back VALUES (2);
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_name = 'rc_back' ORDER BY id;
SELECT * FROM rc_entries;

-- a renamed schema: audit rows written after the rename name the new
-- schema, in the backend that had the tables' entries (the rename changes
-- pg_namespace only, not the tables), for a write and for the soft delete
-- cascaded through a foreign key
CREATE SCHEMA rc_before;
CREATE TABLE rc_before.parent (id int PRIMARY KEY);
CREATE TABLE rc_before.child (id int PRIMARY KEY,
    parent_id int REFERENCES rc_before.parent ON DELETE CASCADE);
SELECT audit_softdelete.enable('rc_before.parent', soft_delete => 'trigger');
SELECT audit_softdelete.enable('rc_before.child', soft_delete => 'trigger');
INSERT INTO rc_before.parent VALUES (1), (2);
INSERT INTO rc_before.child VALUES (10, 1), (20, 2);
DELETE FROM rc_before.parent WHERE id = 1;
ALTER SCHEMA rc_before RENAME TO rc_after;
UPDATE rc_after.child SET id = 21 WHERE id = 20;
DELETE FROM rc_after.parent WHERE id = 2;
SELECT schema_name, table_name, action, row_pk
  FROM audit_softdelete.audit_logs
 WHERE schema_name IN ('rc_before', 'rc_after') AND action <> 'ENABLE'
 ORDER BY id;
SELECT audit_softdelete.disable('rc_after.child');
SELECT audit_softdelete.disable('rc_after.parent');
DROP SCHEMA rc_after CASCADE;

DROP VIEW rc_entries;
DROP TABLE rc_kept, rc_viewed, rc_back;
