-- View mode: dropping the table.  The live view depends on <name>_all, so
-- the table goes after it (or with it); its tracked_tables row goes with the
-- table, its audit rows stay.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE vz_parents (id int PRIMARY KEY);
CREATE TABLE vz_a (id int PRIMARY KEY, parent_id int REFERENCES vz_parents ON DELETE CASCADE);
CREATE TABLE vz_b (id int PRIMARY KEY);
CREATE TABLE vz_c (id int PRIMARY KEY);
SELECT audit_softdelete.enable('vz_parents');
SELECT audit_softdelete.enable('vz_a', soft_delete => 'view');
SELECT audit_softdelete.enable('vz_b', soft_delete => 'view');
SELECT audit_softdelete.enable('vz_c', soft_delete => 'view');
INSERT INTO vz_parents VALUES (1);
INSERT INTO vz_a VALUES (1, 1);
INSERT INTO vz_b VALUES (1);
INSERT INTO vz_c VALUES (1);
-- a soft delete that cascades into vz_a leaves bookkeeping for restore()
DELETE FROM vz_parents WHERE id = 1;
CREATE TEMP TABLE vz_ids AS
    SELECT c.relname, t.table_id FROM audit_softdelete.tracked_tables t
      JOIN pg_class c ON c.oid = t.relid WHERE c.relname LIKE 'vz\_%';
SELECT count(*) AS cascades FROM audit_softdelete.soft_delete_cascades c
  JOIN vz_ids i ON i.table_id = c.child_table_id WHERE i.relname = 'vz_a_all';

-- The table alone cannot go: its live view depends on it.
DROP TABLE vz_a_all;
\echo SQLSTATE :SQLSTATE
-- Nor can the view's name be dropped as a table.
DROP TABLE vz_a;
\echo SQLSTATE :SQLSTATE

-- The view, then the table.
BEGIN;
DROP VIEW vz_a;
DROP TABLE vz_a_all;
COMMIT;
-- With CASCADE, which also drops foreign keys and views of your own that
-- point at the table.
DROP TABLE vz_b_all CASCADE;
-- Or disable() first: the table gets its name back and drops as any table.
SELECT audit_softdelete.disable('vz_c');
DROP TABLE vz_c;

SELECT to_regclass('vz_a') AS vz_a, to_regclass('vz_b') AS vz_b, to_regclass('vz_c') AS vz_c;
-- no tracked_tables row is left, nor bookkeeping; the audit rows stay
SELECT i.relname, t.relid IS NOT NULL AS still_tracked,
       (SELECT count(*) FROM audit_softdelete.audit_logs l WHERE l.table_id = i.table_id) AS audit_rows
  FROM vz_ids i LEFT JOIN audit_softdelete.tracked_tables t ON t.table_id = i.table_id
 ORDER BY i.relname;
SELECT count(*) AS cascades FROM audit_softdelete.soft_delete_cascades c
  JOIN vz_ids i ON i.table_id = c.child_table_id WHERE i.relname = 'vz_a_all';

-- A table of the same name made later starts a new history.
CREATE TABLE vz_a (id int PRIMARY KEY);
SELECT audit_softdelete.enable('vz_a', soft_delete => 'view');
SELECT t.table_id <> i.table_id AS new_table_id
  FROM audit_softdelete.tracked_tables t, vz_ids i
 WHERE t.relid = 'vz_a_all'::regclass AND i.relname = 'vz_a_all';
DROP VIEW vz_a;
DROP TABLE vz_a_all, vz_parents;
SELECT count(*) AS vz_tracked FROM audit_softdelete.tracked_tables t
  JOIN pg_class c ON c.oid = t.relid WHERE c.relname LIKE 'vz\_%';
RESET audit_softdelete.actor;
