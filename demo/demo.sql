-- demo/demo.sql: the scenario shown by demo/demo.sh.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS audit_softdelete;
DROP SCHEMA IF EXISTS audit_softdelete_demo CASCADE;
CREATE SCHEMA audit_softdelete_demo;
SET search_path = audit_softdelete_demo, public;

\echo
\echo '## 1. An ordinary table, enabled with one call'
\echo
\echo 'CREATE TABLE documents (id int PRIMARY KEY, title text);'
\echo 'SELECT audit_softdelete.enable(''documents'', soft_delete => ''off'');'
CREATE TABLE documents (id int PRIMARY KEY, title text);
SELECT audit_softdelete.enable('documents', soft_delete => 'off') \gset
\echo
\echo 'The table now has stamp columns, filled by a C trigger:'
SELECT attname AS column, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'documents'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;

\echo
\echo '## 2. Alice inserts two documents (actor named with set_actor, for her transaction only)'
\echo
BEGIN;
SELECT audit_softdelete.set_actor('alice') \gset
INSERT INTO documents (id, title) VALUES (1, 'Quarterly report'), (2, 'Meeting notes');
COMMIT;
SELECT pg_sleep(0.2) \gset
SELECT id, title, created_by, to_char(created_at, 'HH24:MI:SS.MS') AS created_at,
       updated_by, to_char(updated_at, 'HH24:MI:SS.MS') AS updated_at
  FROM documents ORDER BY id;

\echo
\echo '## 3. Bob edits document 1 and tries to rewrite who created it'
\echo
\echo 'UPDATE documents SET title = ''Quarterly report (final)'', created_by = ''bob'' WHERE id = 1;'
BEGIN;
SELECT audit_softdelete.set_actor('bob') \gset
UPDATE documents SET title = 'Quarterly report (final)', created_by = 'bob' WHERE id = 1;
COMMIT;
SELECT id, title, created_by, to_char(created_at, 'HH24:MI:SS.MS') AS created_at,
       updated_by, to_char(updated_at, 'HH24:MI:SS.MS') AS updated_at
  FROM documents ORDER BY id;
\echo 'created_by stays alice; updated_by is bob, at the time of his transaction.'

\echo
\echo '## 4. The actor is gone after COMMIT: a pooled connection does not leak it'
\echo
SELECT audit_softdelete.current_actor() AS actor_now,
       session_user AS session_user;

\echo
\echo '## 5. An API that passes JWT claims (PostgREST, Supabase): the "sub" claim is the actor'
\echo
SET audit_softdelete.actor_setting = 'request.jwt.claims';
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "carol@example.com", "role": "editor"}', true) \gset
INSERT INTO documents (id, title) VALUES (3, 'Budget draft');
COMMIT;
RESET audit_softdelete.actor_setting;
SELECT id, title, created_by, updated_by FROM documents WHERE id = 3;

\echo
\echo '## 6. Typed actor columns: a uuid column gets a uuid, and refuses anything else'
\echo
CREATE TABLE invoices (id int PRIMARY KEY, amount numeric, created_by uuid, updated_by uuid);
SELECT audit_softdelete.enable('invoices', soft_delete => 'off') \gset
BEGIN;
SELECT audit_softdelete.set_actor('5d0d6c2a-7a53-4b9a-9b8e-1f2a3b4c5d6e') \gset
INSERT INTO invoices (id, amount) VALUES (1, 120.00);
COMMIT;
SELECT id, amount, created_by FROM invoices;
\echo
\echo 'With actor ''alice'' the insert fails with a clear error:'
\set ON_ERROR_STOP 0
BEGIN;
SELECT audit_softdelete.set_actor('alice') \gset
INSERT INTO invoices (id, amount) VALUES (2, 99.00);
ROLLBACK;
\set ON_ERROR_STOP 1

\echo
\echo '## 7. The audit trail: every change, who made it, and what changed'
\echo
BEGIN;
SELECT audit_softdelete.set_actor('dave') \gset
SELECT audit_softdelete.set_context('{"request_id": "req-42", "path": "/documents/2"}') \gset
DELETE FROM documents WHERE id = 2;
COMMIT;
SELECT action, actor, row_pk,
       old_values - 'created_at' - 'updated_at' AS before,
       new_values - 'created_at' - 'updated_at' AS after,
       context
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'documents' AND schema_name = 'audit_softdelete_demo'
 ORDER BY id;
\echo 'The history of one row, by its key (through the row-history index):'
SELECT logged_at::time(0) AS at, action, actor, changed_columns
  FROM audit_softdelete.row_history('documents', '{"id": 2}');
\echo '(old values of created_at and updated_at are logged too, left out here to keep the lines short;'
\echo ' new_values leaves out the new stamps: the row''s actor and xact_start say them.)'

\echo
\echo '## 8. Soft delete: DELETE keeps the rows, cascades like the foreign keys say'
\echo
\echo 'CREATE TABLE projects (id int PRIMARY KEY, name text);'
\echo 'CREATE TABLE tasks (id int PRIMARY KEY, project_id int REFERENCES projects ON DELETE CASCADE, title text);'
\echo 'Both enabled with soft_delete => ''view'': their names now show only live rows.'
CREATE TABLE projects (id int PRIMARY KEY, name text);
CREATE TABLE tasks (id int PRIMARY KEY, project_id int REFERENCES projects ON DELETE CASCADE, title text);
SELECT audit_softdelete.enable('projects', soft_delete => 'view') \gset
SELECT audit_softdelete.enable('tasks', soft_delete => 'view') \gset
INSERT INTO projects VALUES (1, 'Apollo'), (2, 'Gemini');
INSERT INTO tasks VALUES (10, 1, 'design'), (11, 1, 'build'), (20, 2, 'plan');
\echo
\echo 'Erin deletes task 11 on its own, then Frank deletes project 1 (the application''s plain DELETE):'
BEGIN;
SELECT audit_softdelete.set_actor('erin') \gset
DELETE FROM tasks WHERE id = 11;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('frank') \gset
DELETE FROM projects WHERE id = 1 RETURNING id, name;
COMMIT;
\echo 'What the application sees (the names are views of the live rows):'
SELECT p.id AS project, p.name, t.id AS task, t.title
  FROM projects p LEFT JOIN tasks t ON t.project_id = p.id ORDER BY 1, 3;
\echo 'What is kept (projects_all and tasks_all hold every row):'
SELECT 'project' AS kind, id, deleted_by FROM projects_all
UNION ALL SELECT 'task', id, deleted_by FROM tasks_all ORDER BY 1, 2;

\echo
\echo '## 9. Restore: project 1 comes back with exactly what its delete took along'
\echo
SELECT audit_softdelete.restore('projects', '{"id": 1}') AS rows_restored;
SELECT p.id AS project, p.name, t.id AS task, t.title
  FROM projects p LEFT JOIN tasks t ON t.project_id = p.id ORDER BY 1, 3;
\echo 'Task 11, deleted on its own before, stays deleted.'
SELECT action, actor, table_name, row_pk
  FROM audit_softdelete.audit_logs
 WHERE schema_name = 'audit_softdelete_demo' AND table_name IN ('projects', 'tasks')
   AND action IN ('SOFT_DELETE', 'RESTORE')
 ORDER BY id;

\echo
\echo '## 10. What audit_softdelete knows about the enabled tables'
\echo
SELECT relid, table_id, stamps, soft_delete, audit, view_name
  FROM audit_softdelete.tracked_tables
 WHERE relid IN (SELECT oid FROM pg_class WHERE relnamespace = 'audit_softdelete_demo'::regnamespace)
 ORDER BY table_id;

RESET search_path;
DROP SCHEMA audit_softdelete_demo CASCADE;
-- the demo's audit rows go with it
DELETE FROM audit_softdelete.audit_logs WHERE schema_name = 'audit_softdelete_demo';
\echo
\echo 'Demo finished; its schema audit_softdelete_demo and its audit rows were dropped.'
