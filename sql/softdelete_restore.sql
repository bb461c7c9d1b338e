-- restore(): a soft-deleted row and exactly what its delete cascaded to.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE rs_projects (id int PRIMARY KEY, name text);
CREATE TABLE rs_tasks (project_id int REFERENCES rs_projects ON DELETE CASCADE, n int,
                       title text, PRIMARY KEY (project_id, n));
CREATE TABLE rs_comments (id int PRIMARY KEY, project_id int, n int, body text,
                          FOREIGN KEY (project_id, n) REFERENCES rs_tasks ON DELETE CASCADE);
SELECT audit_softdelete.enable(t) FROM unnest(ARRAY['rs_projects', 'rs_tasks', 'rs_comments']) t;
INSERT INTO rs_projects VALUES (1, 'apollo'), (2, 'gemini');
INSERT INTO rs_tasks VALUES (1, 1, 'design'), (1, 2, 'build'), (1, 3, 'test'), (2, 1, 'plan');
INSERT INTO rs_comments VALUES (10, 1, 1, 'ok'), (11, 1, 2, 'late'), (12, 1, 2, 'spam');

CREATE TEMP VIEW rs_state AS
SELECT 'project' AS kind, id::text AS key, deleted_at IS NOT NULL AS deleted FROM rs_projects
UNION ALL SELECT 'task', project_id || '/' || n, deleted_at IS NOT NULL FROM rs_tasks
UNION ALL SELECT 'comment', id::text, deleted_at IS NOT NULL FROM rs_comments
ORDER BY 1, 2;

-- Deleted on their own, earlier: task 1/3 and comment 12.
DELETE FROM rs_tasks WHERE project_id = 1 AND n = 3;
DELETE FROM rs_comments WHERE id = 12;
-- Then the project, with what remains of it.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
DELETE FROM rs_projects WHERE id = 1;
COMMIT;
SELECT * FROM rs_state;

-- restore() brings back the project and what its delete took with it, not
-- what was deleted before on its own.  It returns the count.
BEGIN;
SELECT audit_softdelete.set_actor('bob');
SELECT audit_softdelete.restore('rs_projects', '{"id": 1}');
COMMIT;
SELECT * FROM rs_state;
-- logged as RESTORE, by the restoring actor, and stamped
SELECT table_name, row_pk, actor, changed_columns FROM audit_softdelete.audit_logs
 WHERE action = 'RESTORE' AND table_name LIKE 'rs\_%' ORDER BY id;
SELECT updated_by FROM rs_projects WHERE id = 1;
-- the rows deleted on their own can be restored on their own
SELECT audit_softdelete.restore('rs_tasks', '{"project_id": 1, "n": 3}');
SELECT audit_softdelete.restore('rs_comments', '{"id": 12}');
SELECT count(*) FILTER (WHERE deleted) AS still_deleted FROM rs_state;

-- A second delete and restore of the same parent works the same way.
DELETE FROM rs_projects WHERE id = 1;
SELECT audit_softdelete.restore('rs_projects', '{"id": 1}');
SELECT count(*) FILTER (WHERE deleted) AS still_deleted FROM rs_state;

-- A child cannot come back before its parent: it would reference a deleted
-- row, which its foreign key forbids (23503, nothing restored); the
-- parent's restore brings it back.
DELETE FROM rs_projects WHERE id = 2;
SELECT audit_softdelete.restore('rs_tasks', '{"project_id": 2, "n": 1}');
\echo SQLSTATE :SQLSTATE
SELECT count(*) FILTER (WHERE deleted) AS still_deleted FROM rs_state;
SELECT audit_softdelete.restore('rs_projects', '{"id": 2}');

-- The key may be spelled as the caller likes ("1" for 1): the row's own key
-- finds what its delete cascaded to.
DELETE FROM rs_projects WHERE id = 2;
SELECT audit_softdelete.restore('rs_projects', '{"id": "2"}');
SELECT count(*) AS bookkeeping_left FROM audit_softdelete.soft_delete_cascades c
  JOIN audit_softdelete.tracked_tables t ON t.table_id = c.parent_table_id
 WHERE t.relid = 'rs_projects'::regclass AND c.parent_pk = '{"id": 2}';

-- Errors: clear, and nothing changed.
SELECT audit_softdelete.restore('rs_projects', '{"id": 99}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_projects', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_tasks', '{"project_id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_tasks', '{"project_id": 1, "n": 1, "title": "x"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_projects', '{"id": "one"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_projects', '{"id": null}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_projects', '[1]');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_projects', NULL);
\echo SQLSTATE :SQLSTATE
CREATE TABLE rs_plain (id int PRIMARY KEY);
SELECT audit_softdelete.restore('rs_plain', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('rs_plain', soft_delete => 'off');
SELECT audit_softdelete.restore('rs_plain', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
CREATE TABLE rs_nokey (v int);
SELECT audit_softdelete.enable('rs_nokey');
SELECT audit_softdelete.restore('rs_nokey', '{"v": 1}');
\echo SQLSTATE :SQLSTATE

-- Caller's rights: without UPDATE on the table, no restore; a row hidden by
-- row-level security cannot be found.
CREATE ROLE rs_reader;
CREATE ROLE rs_editor;
GRANT SELECT ON rs_projects TO rs_reader;
GRANT SELECT, UPDATE ON rs_projects TO rs_editor;
DELETE FROM rs_projects WHERE id = 2;
SET ROLE rs_reader;
SELECT audit_softdelete.restore('rs_projects', '{"id": 2}');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
ALTER TABLE rs_projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY rs_only_one ON rs_projects TO rs_editor USING (id = 1);
SET ROLE rs_editor;
SELECT audit_softdelete.restore('rs_projects', '{"id": 2}');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP POLICY rs_only_one ON rs_projects;
ALTER TABLE rs_projects DISABLE ROW LEVEL SECURITY;
SELECT id, deleted_at IS NOT NULL AS deleted FROM rs_projects ORDER BY id;

-- A caller allowed to update the parent but not a child brings back the
-- parent only; the child, and its bookkeeping, wait for someone who may.
CREATE TABLE rs_p (id int PRIMARY KEY);
CREATE TABLE rs_c (id int PRIMARY KEY, p int REFERENCES rs_p ON DELETE CASCADE);
SELECT audit_softdelete.enable('rs_p', stamps => false);
SELECT audit_softdelete.enable('rs_c', stamps => false);
INSERT INTO rs_p VALUES (1);
INSERT INTO rs_c VALUES (10, 1);
DELETE FROM rs_p;
CREATE ROLE rs_narrow;
GRANT SELECT, UPDATE ON rs_p TO rs_narrow;
SET ROLE rs_narrow;
SELECT audit_softdelete.restore('rs_p', '{"id": 1}');
RESET ROLE;
SELECT 'p' AS t, id, deleted_at IS NOT NULL AS deleted FROM rs_p
UNION ALL SELECT 'c', id, deleted_at IS NOT NULL FROM rs_c ORDER BY 1 DESC;
SELECT count(*) AS bookkeeping_kept FROM audit_softdelete.soft_delete_cascades c
  JOIN audit_softdelete.tracked_tables t ON t.table_id = c.child_table_id
 WHERE t.relid = 'rs_c'::regclass;
REVOKE ALL ON rs_p FROM rs_narrow;
DROP ROLE rs_narrow;
DROP TABLE rs_c, rs_p;

-- A key with a timestamptz, deleted and restored under other time zones.
CREATE TABLE rs_orders (id int, placed timestamptz, PRIMARY KEY (id, placed));
CREATE TABLE rs_lines (n int PRIMARY KEY, order_id int, placed timestamptz,
                       FOREIGN KEY (order_id, placed) REFERENCES rs_orders ON DELETE CASCADE);
SELECT audit_softdelete.enable('rs_orders', stamps => false);
SELECT audit_softdelete.enable('rs_lines', stamps => false);
INSERT INTO rs_orders VALUES (1, '2026-01-01 12:00+00');
INSERT INTO rs_lines VALUES (1, 1, '2026-01-01 12:00+00'), (2, 1, '2026-01-01 12:00+00');
SET TimeZone = 'UTC';
DELETE FROM rs_orders;
-- the caller's own triggers run in the caller's time zone (but under
-- restore()'s search_path, like those of any function with SET search_path)
CREATE TABLE rs_seen (zone text, placed text);
CREATE FUNCTION rs_note_zone() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO public.rs_seen VALUES (current_setting('TimeZone'), NEW.placed::text); RETURN NEW; END $$;
CREATE TRIGGER zz_note BEFORE UPDATE ON rs_lines FOR EACH ROW EXECUTE FUNCTION rs_note_zone();
SET TimeZone = 'Europe/Paris';
SELECT audit_softdelete.restore('rs_orders', '{"id": 1, "placed": "2026-01-01T13:00:00+01:00"}');
RESET TimeZone;
SELECT n, deleted_at IS NOT NULL AS deleted FROM rs_lines ORDER BY n;
SELECT * FROM rs_seen;
DROP TABLE rs_lines, rs_orders, rs_seen;
DROP FUNCTION rs_note_zone();

-- A key is matched whole: a longer value is not cut to the column's length.
CREATE TABLE rs_codes (code varchar(3) PRIMARY KEY);
SELECT audit_softdelete.enable('rs_codes', stamps => false);
INSERT INTO rs_codes VALUES ('abc');
DELETE FROM rs_codes;
SELECT audit_softdelete.restore('rs_codes', '{"code": "abcd"}');
\echo SQLSTATE :SQLSTATE
SELECT code, deleted_at IS NOT NULL AS deleted FROM rs_codes;
DROP TABLE rs_codes;

-- An inheritance child is a table of its own: restoring through the parent
-- does not reach a row stored in the child.
CREATE TABLE rs_base (id int PRIMARY KEY);
CREATE TABLE rs_derived (PRIMARY KEY (id)) INHERITS (rs_base);
SELECT audit_softdelete.enable(t, stamps => false) FROM unnest(ARRAY['rs_base', 'rs_derived']) t;
INSERT INTO rs_derived VALUES (1);
DELETE FROM rs_derived;
SELECT audit_softdelete.restore('rs_base', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.restore('rs_derived', '{"id": 1}');
SELECT tableoid::regclass, id, deleted_at IS NOT NULL AS deleted FROM rs_base;
DROP TABLE rs_derived, rs_base;

-- A NOT NULL domain among the other columns does not get in the way.
CREATE DOMAIN rs_label AS text NOT NULL;
CREATE TABLE rs_dom (id int PRIMARY KEY, label rs_label);
SELECT audit_softdelete.enable('rs_dom', stamps => false);
INSERT INTO rs_dom VALUES (1, 'x');
DELETE FROM rs_dom;
SELECT audit_softdelete.restore('rs_dom', '{"id": 1}');
DROP TABLE rs_dom;
DROP DOMAIN rs_label;

DROP VIEW rs_state;
DROP TABLE rs_comments, rs_tasks, rs_projects, rs_plain, rs_nokey;
-- dropped tables take their bookkeeping with them
SELECT count(*) AS bookkeeping_of_dropped_tables FROM audit_softdelete.soft_delete_cascades c
 WHERE NOT EXISTS (SELECT 1 FROM audit_softdelete.tracked_tables t WHERE t.table_id = c.parent_table_id);
DROP ROLE rs_reader;
DROP ROLE rs_editor;
RESET audit_softdelete.actor;
