-- What CREATE EXTENSION creates, and the privileges on it.

SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'audit_softdelete';

-- Every object belongs to the extension.
SELECT pg_describe_object(classid, objid, objsubid) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'audit_softdelete')
 ORDER BY 1;

-- pg_dump keeps the rows of both tables and the values of their sequences.
SELECT c::regclass AS config_dump
  FROM pg_extension e, unnest(e.extconfig) c
 WHERE e.extname = 'audit_softdelete'
 ORDER BY c::regclass::text;

\d audit_softdelete.tracked_tables
\d audit_softdelete.audit_logs

-- No privilege on the audit trail for PUBLIC; tracked_tables, column_history
-- and txid_eras are readable.
SELECT c.relname, a.grantee::regrole, a.privilege_type
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.relnamespace = 'audit_softdelete'::regnamespace AND c.relkind = 'r'
   AND a.grantee = 0
 ORDER BY 1, 3;
SELECT has_table_privilege('public', 'audit_softdelete.audit_logs', 'SELECT') AS public_reads_logs;

-- Every function fixes its search_path, except the trigger functions,
-- which run per row and look nothing up through it, and jsonb_merge_agg,
-- an aggregate over pg_catalog.jsonb_concat.
SELECT p.proname, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'audit_softdelete'::regnamespace
 ORDER BY 1;

-- The settings exist once the library is loaded; the prefix is reserved.
LOAD 'audit_softdelete';
SELECT name, setting, context FROM pg_settings
 WHERE name LIKE 'audit\_softdelete.%' ORDER BY 1;
SET audit_softdelete.no_such_setting = 'x';
\echo SQLSTATE :SQLSTATE

-- DROP EXTENSION leaves enabled tables, their columns and their rows; the
-- triggers go with CASCADE.
CREATE TABLE install_t (id int PRIMARY KEY, note text);
SELECT audit_softdelete.enable('install_t');
INSERT INTO install_t (id, note) VALUES (1, 'kept') RETURNING now() AS inserted_at \gset
DROP EXTENSION audit_softdelete;
\echo SQLSTATE :SQLSTATE
DROP EXTENSION audit_softdelete CASCADE;
SELECT id, note, created_at = :'inserted_at'::timestamptz AS created_at_kept FROM install_t;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'install_t'::regclass;
CREATE EXTENSION audit_softdelete;
SELECT count(*) AS tracked_after_recreate FROM audit_softdelete.tracked_tables;
-- The same session goes on with the new extension's tables: nothing cached
-- from the dropped ones is used.
SELECT audit_softdelete.enable('install_t');
BEGIN;
SELECT audit_softdelete.set_actor('after-recreate');
UPDATE install_t SET note = 'kept, then edited';
COMMIT;
SELECT action, actor, old_values - 'updated_at' - 'updated_by' AS old_values,
       new_values - 'updated_at' AS new_values
  FROM audit_softdelete.audit_logs;
DROP TABLE install_t;
