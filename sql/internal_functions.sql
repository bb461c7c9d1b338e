-- The internal functions (named "_..."): no role but the extension owner
-- may execute them, and those that change something act only on behalf of
-- a role calling a public function, even when the owner calls them.  The
-- public functions keep working for ordinary roles.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE if_parent (id int PRIMARY KEY);
CREATE TABLE if_child (id int PRIMARY KEY, parent int REFERENCES if_parent ON DELETE CASCADE);
SELECT audit_softdelete.enable('if_parent', stamps => false);
SELECT audit_softdelete.enable('if_child', stamps => false);
INSERT INTO if_parent VALUES (1), (2);
INSERT INTO if_child VALUES (10, 1), (20, 2);
DELETE FROM if_parent;
CREATE VIEW if_state AS
SELECT 'parent' AS t, id, deleted_at IS NOT NULL AS deleted FROM if_parent
UNION ALL SELECT 'child', id, deleted_at IS NOT NULL FROM if_child
ORDER BY 1 DESC, 2;
GRANT SELECT ON if_state TO PUBLIC;
SELECT count(*) AS bookkeeping FROM audit_softdelete.soft_delete_cascades;

CREATE ROLE if_grantee;
GRANT SELECT, UPDATE ON if_parent, if_child TO if_grantee;

-- A grantee may not take the cascade bookkeeping: there is no function
-- that hands it out (restore() takes it itself, for what it restored).
SET ROLE if_grantee;
SELECT * FROM audit_softdelete._take_cascaded('if_parent', '{"id": 1}',
                                              (SELECT deleted_at FROM if_parent WHERE id = 1));
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT count(*) AS bookkeeping FROM audit_softdelete.soft_delete_cascades;

-- No internal function is executable by a role without grants...
SELECT p.oid::regprocedure AS executable
  FROM pg_proc p
 WHERE p.pronamespace = 'audit_softdelete'::regnamespace AND p.proname LIKE '\_%'
   AND has_function_privilege('if_grantee', p.oid, 'EXECUTE');
-- ... and calling any of them is refused with 42501, before it runs.
SET ROLE if_grantee;
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig, p.proname,
                    (SELECT string_agg('NULL::' || format_type(a.t, NULL), ', ' ORDER BY a.i)
                       FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)) AS args
               FROM pg_proc p
              WHERE p.pronamespace = 'audit_softdelete'::regnamespace AND p.proname LIKE '\_%'
              ORDER BY p.proname
    LOOP
        BEGIN
            EXECUTE format('SELECT audit_softdelete.%I(%s)', f.proname, coalesce(f.args, ''));
            RAISE NOTICE '%: ran', f.sig;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE '%: % %', f.sig, SQLSTATE, SQLERRM;
        END;
    END LOOP;
END
$$;
RESET ROLE;

-- Even the extension owner cannot make those that change something act
-- outside a public function: they check whom they act for themselves.
SELECT audit_softdelete._caller();
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._as_caller('DROP TABLE if_child CASCADE');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('if_child', false, false, '{}', false, '{}', '{}',
                                            'off', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._set_triggers('if_child', false, 'off', false);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._enable('if_child', false, 'off', false, '{}', '{}', '{}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._disable('if_child');
\echo SQLSTATE :SQLSTATE
-- nothing changed
SELECT relid, enabled, soft_delete, audit FROM audit_softdelete.tracked_tables ORDER BY table_id;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'if_child'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT * FROM if_state;

-- restore() works for a role allowed to update the rows, and brings back
-- what the delete cascaded to, bookkeeping and all.
SET ROLE if_grantee;
SELECT audit_softdelete.restore('if_parent', '{"id": 1}');
SELECT * FROM if_state;
RESET ROLE;
-- A child the restoring role may update but not read stays deleted, and
-- remembered, for someone who may: its restore would have to read it.
CREATE ROLE if_blind;
GRANT SELECT, UPDATE ON if_parent TO if_blind;
GRANT UPDATE ON if_child TO if_blind;
SET ROLE if_blind;
SELECT audit_softdelete.restore('if_parent', '{"id": 2}');
SELECT * FROM if_state;
RESET ROLE;
SELECT c.child_pk FROM audit_softdelete.soft_delete_cascades c;
SELECT audit_softdelete.restore('if_child', '{"id": 20}');

-- row_history() reads the audit rows as the caller: with SELECT on
-- audit_logs, and not without.
SET ROLE if_grantee;
SELECT action FROM audit_softdelete.row_history('if_parent', '{"id": 1}');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.audit_logs TO if_grantee;
SET ROLE if_grantee;
SELECT action, actor FROM audit_softdelete.row_history('if_parent', '{"id": 1}');
RESET ROLE;
REVOKE SELECT ON audit_softdelete.audit_logs FROM if_grantee;

-- enable(), disable() and the event triggers work for a table owner
-- without superuser rights: event triggers call their functions without
-- checking EXECUTE.
CREATE ROLE if_owner;
GRANT CREATE ON SCHEMA public TO if_owner;
SET ROLE if_owner;
CREATE TABLE if_owned (id int PRIMARY KEY, note text);
SELECT audit_softdelete.enable('if_owned', soft_delete => 'view', redact_columns => '{note}');
-- column renames are followed, the live view made again
ALTER TABLE if_owned_all RENAME COLUMN note TO remark;
SELECT enabled_by, redact_columns FROM audit_softdelete.tracked_tables
 WHERE relid = 'if_owned_all'::regclass;
INSERT INTO if_owned (id, remark) VALUES (1, 'x');
DELETE FROM if_owned;
SELECT audit_softdelete.restore('if_owned', '{"id": 1}');
SELECT id, remark FROM if_owned;
-- a new partition gets the TRUNCATE triggers; a primary key over a
-- redacted column is refused
CREATE TABLE if_parts (id int, region text, secret text) PARTITION BY LIST (region);
SELECT audit_softdelete.enable('if_parts', redact_columns => '{secret}');
CREATE TABLE if_parts_eu PARTITION OF if_parts FOR VALUES IN ('eu');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'if_parts_eu'::regclass AND tgname LIKE '%truncate' ORDER BY 1;
ALTER TABLE if_parts ADD PRIMARY KEY (id, region, secret);
\echo SQLSTATE :SQLSTATE
-- a dropped table leaves tracked_tables
DROP TABLE if_parts;
SELECT count(*) AS if_parts_tracked FROM audit_softdelete.tracked_tables t
  JOIN pg_class c ON c.oid = t.relid WHERE c.relname LIKE 'if\_parts%';
SELECT audit_softdelete.disable('if_owned');
SELECT enabled, disabled_by FROM audit_softdelete.tracked_tables
 WHERE relid = 'if_owned'::regclass;
RESET ROLE;

-- An internal function the library calls and the installed extension
-- lacks (SQL older than the library, or dropped by hand) is named, with a
-- hint, not reported as an internal error: both ways the library reaches
-- them.  Rolled back.
BEGIN;
ALTER EXTENSION audit_softdelete DROP FUNCTION audit_softdelete._key_condition(regclass, jsonb);
DROP FUNCTION audit_softdelete._key_condition(regclass, jsonb);
SELECT count(*) FROM audit_softdelete.row_history('if_parent', '{"id": 1}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
ALTER EXTENSION audit_softdelete DROP FUNCTION audit_softdelete._disable(regclass);
DROP FUNCTION audit_softdelete._disable(regclass);
SELECT audit_softdelete.disable('if_parent');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT count(*) > 0 AS history_after_rollback
  FROM audit_softdelete.row_history('if_parent', '{"id": 1}');

DROP TABLE if_owned;
DROP VIEW if_state;
DROP TABLE if_child, if_parent;
REVOKE CREATE ON SCHEMA public FROM if_owner;
REVOKE ALL ON SCHEMA public FROM if_owner;
DROP ROLE if_owner, if_grantee, if_blind;
