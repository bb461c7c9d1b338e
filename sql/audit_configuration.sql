-- The audit trail records changes to auditing itself: enable() with other
-- options (CONFIGURE, with the options that changed, before and after),
-- disable() (DISABLE, with the options it had) and enable() again after
-- disable() (ENABLE), whoever calls them and whatever the table's own
-- options (audit => false too).  The first enable() is in tracked_tables,
-- which keeps who made it and when.
\set SHOW_CONTEXT never
CREATE ROLE acf_alice;
CREATE ROLE acf_carol;
GRANT acf_alice TO acf_carol;
GRANT CREATE ON SCHEMA public TO acf_alice;
CREATE VIEW acf_trail AS
SELECT table_name, action,
       CASE WHEN actor = session_user THEN 'session_user' ELSE actor END AS actor,
       row_pk, old_values - 'columns' AS old_values, new_values - 'columns' AS new_values,
       changed_columns
  FROM audit_softdelete.audit_logs
 WHERE table_name LIKE 'acf\_%' AND action IN ('ENABLE', 'CONFIGURE', 'DISABLE')
 ORDER BY id;

SET ROLE acf_alice;
CREATE TABLE acf_docs (id int PRIMARY KEY, body text, secret text);
SELECT audit_softdelete.enable('acf_docs');
-- the same options again: no change, no row
SELECT audit_softdelete.enable('acf_docs');
RESET ROLE;
SELECT count(*) AS configuration_rows FROM acf_trail;

-- A member of the owner's role turns the audit trail off: recorded, with
-- the session's identity, the actor named, and the options that changed.
SET ROLE acf_carol;
BEGIN;
SELECT audit_softdelete.set_actor('carol@example');
SELECT audit_softdelete.enable('acf_docs', audit => false);
COMMIT;
INSERT INTO acf_docs (id, body) VALUES (1, 'unaudited');
SELECT audit_softdelete.enable('acf_docs', audit => false, stamps => false,
                               exclude_columns => '{secret}');
SELECT audit_softdelete.disable('acf_docs');
SELECT audit_softdelete.enable('acf_docs', soft_delete => 'view');
RESET ROLE;
SELECT * FROM acf_trail;
SELECT count(*) FILTER (WHERE db_user = session_user) AS by_session_user,
       count(*) FILTER (WHERE actor = 'carol@example') AS by_carol,
       count(DISTINCT table_id) AS table_ids,
       bool_and(table_oid = 'acf_docs_all'::regclass) AS table_oid
  FROM audit_softdelete.audit_logs
 WHERE table_name LIKE 'acf\_%' AND action IN ('ENABLE', 'CONFIGURE', 'DISABLE');
SELECT enabled_by, disabled_by FROM audit_softdelete.tracked_tables
 WHERE relid = 'acf_docs_all'::regclass;
-- the whole options: the column mapping too
SELECT action, new_values -> 'columns' ->> 'deleted_at' AS deleted_at
  FROM audit_softdelete.audit_logs WHERE table_name = 'acf_docs' AND action = 'ENABLE'
 ORDER BY id;

-- A refused enable() records nothing.
SET ROLE acf_alice;
SELECT audit_softdelete.enable('acf_docs', exclude_columns => '{nothere}');
RESET ROLE;
SELECT count(*) AS configuration_rows FROM acf_trail;

DROP VIEW acf_docs;
DROP TABLE acf_docs_all;
DROP VIEW acf_trail;
REVOKE CREATE ON SCHEMA public FROM acf_alice;
DROP ROLE acf_carol, acf_alice;
