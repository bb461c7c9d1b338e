-- audit_logs is written only by the extension's triggers, as the extension
-- owner.  An ordinary role that owns an audited table writes audit rows
-- through it and can do nothing else to the trail.

CREATE ROLE sec_app;
GRANT CREATE ON SCHEMA public TO sec_app;
CREATE ROLE sec_auditor;

SET ROLE sec_app;
CREATE TABLE sec_orders (id int PRIMARY KEY, total numeric);
SELECT audit_softdelete.enable('sec_orders', soft_delete => 'off');
BEGIN;
SELECT audit_softdelete.set_actor('shop-frontend');
INSERT INTO sec_orders (id, total) VALUES (1, 9.99);
UPDATE sec_orders SET total = 19.99;
COMMIT;

-- The writing role cannot read, write, delete or truncate the trail.
SELECT count(*) FROM audit_softdelete.audit_logs;
\echo SQLSTATE :SQLSTATE
INSERT INTO audit_softdelete.audit_logs (table_id, table_oid, schema_name, table_name, action, db_user)
VALUES (1, 1, 'public', 'fake', 'INSERT', 'fake');
\echo SQLSTATE :SQLSTATE
UPDATE audit_softdelete.audit_logs SET actor = 'someone else';
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.audit_logs;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.audit_logs;
\echo SQLSTATE :SQLSTATE
-- nor through the extension's sequences
SELECT nextval('audit_softdelete.audit_logs_id_seq');
\echo SQLSTATE :SQLSTATE
-- nor change the tracked options of its own table other than by enable()
UPDATE audit_softdelete.tracked_tables SET audit = false;
\echo SQLSTATE :SQLSTATE
RESET ROLE;

-- The owner of the extension sees the rows, with the writing role as
-- db_user and the application's actor.
SELECT action, actor, db_user = session_user AS db_user_is_session_user,
       old_values, new_values - 'created_at' - 'updated_at' AS new_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'sec_orders' ORDER BY id;

-- Privileges on audit_logs: none for PUBLIC, none for the writer.
SELECT r AS role, p AS privilege, has_table_privilege(r, 'audit_softdelete.audit_logs', p) AS granted
  FROM unnest(ARRAY['sec_app', 'sec_auditor']) r,
       unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
 ORDER BY 1, 2;

-- A DBA grants read access as the README shows.
GRANT SELECT ON audit_softdelete.audit_logs TO sec_auditor;
SET ROLE sec_auditor;
SELECT action, actor FROM audit_softdelete.audit_logs WHERE table_name = 'sec_orders' ORDER BY id;
DELETE FROM audit_softdelete.audit_logs;
\echo SQLSTATE :SQLSTATE
RESET ROLE;

-- The triggers do not run anything through the writer's search_path: a
-- writer whose search_path puts its own schema first, with objects named
-- like the ones the extension uses, changes nothing.
CREATE SCHEMA sec_evil AUTHORIZATION sec_app;
SET ROLE sec_app;
CREATE TABLE sec_evil.audit_logs (table_id int, table_oid oid, schema_name text, table_name text,
    action text, row_pk jsonb, old_values jsonb, new_values jsonb, changed_columns text[],
    actor text, context jsonb, db_user text, client_addr inet, application_name text);
CREATE FUNCTION sec_evil.inet_client_addr() RETURNS inet LANGUAGE sql AS $$ SELECT '6.6.6.6'::inet $$;
SET search_path = sec_evil, public;
UPDATE sec_orders SET total = 29.99;
RESET search_path;
SELECT count(*) AS rows_in_evil_table FROM sec_evil.audit_logs;
RESET ROLE;
SELECT action, client_addr, new_values ->> 'total' AS total
  FROM audit_softdelete.audit_logs WHERE table_name = 'sec_orders' ORDER BY id DESC LIMIT 1;

DROP SCHEMA sec_evil CASCADE;
DROP TABLE sec_orders;
REVOKE SELECT ON audit_softdelete.audit_logs FROM sec_auditor;
REVOKE CREATE ON SCHEMA public FROM sec_app;
DROP ROLE sec_app;
DROP ROLE sec_auditor;
