-- The trigger guard covers the triggers enable() creates, by their names:
-- the live view's INSTEAD OF DELETE trigger (view mode) too, and no other
-- trigger, whatever it is called and whatever function it calls.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';
CREATE ROLE tgn_owner;
CREATE ROLE tgn_bob;
GRANT CREATE ON SCHEMA public TO tgn_owner, tgn_bob;
SET ROLE tgn_owner;
CREATE TABLE tgn_docs (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('tgn_docs', soft_delete => 'view');
CREATE FUNCTION tgn_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$;

-- The live view's trigger: what would stop DELETE through the view from
-- soft-deleting is refused.
\set VERBOSITY default
DROP TRIGGER audit_softdelete_view_delete ON tgn_docs;
\set VERBOSITY terse
CREATE OR REPLACE TRIGGER audit_softdelete_view_delete INSTEAD OF DELETE ON tgn_docs
    FOR EACH ROW EXECUTE FUNCTION tgn_noop();
ALTER TRIGGER audit_softdelete_view_delete ON tgn_docs RENAME TO tgn_gone;
ALTER TRIGGER audit_softdelete_view_delete ON tgn_docs DEPENDS ON EXTENSION audit_softdelete;
RESET ROLE;
-- also after the command (the check before it switched off)
ALTER EVENT TRIGGER audit_softdelete_guard_triggers DISABLE;
DROP TRIGGER audit_softdelete_view_delete ON tgn_docs;
CREATE OR REPLACE TRIGGER audit_softdelete_view_delete INSTEAD OF DELETE ON tgn_docs
    FOR EACH ROW EXECUTE FUNCTION tgn_noop();
ALTER TRIGGER audit_softdelete_view_delete ON tgn_docs RENAME TO tgn_gone;
ALTER EVENT TRIGGER audit_softdelete_guard_triggers ENABLE ALWAYS;
SELECT tgname, tgfoid::regproc FROM pg_trigger WHERE tgrelid = 'tgn_docs'::regclass;
SET ROLE tgn_owner;
INSERT INTO tgn_docs VALUES (1, 'a');
DELETE FROM tgn_docs WHERE id = 1;
SELECT id, deleted_at IS NOT NULL AS deleted FROM tgn_docs_all;

-- A trigger named like the extension's, even calling one of its functions,
-- is not one of the triggers enable() creates: a role with the TRIGGER
-- privilege may add one, and the owner may drop it.
GRANT TRIGGER, INSERT ON tgn_docs_all TO tgn_bob;
SET ROLE tgn_bob;
CREATE TRIGGER audit_softdelete_bob AFTER INSERT OR UPDATE OR DELETE ON tgn_docs_all
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
SET ROLE tgn_owner;
DROP TRIGGER audit_softdelete_bob ON tgn_docs_all;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'tgn_docs_all'::regclass ORDER BY 1;

-- disable() drops the view and its trigger
SELECT audit_softdelete.disable('tgn_docs');
SELECT to_regclass('tgn_docs_all') AS all_table, to_regclass('tgn_docs')::text AS table_name;
DROP TABLE tgn_docs;
DROP FUNCTION tgn_noop();
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM tgn_owner, tgn_bob;
DROP ROLE tgn_owner, tgn_bob;
RESET audit_softdelete.actor;
