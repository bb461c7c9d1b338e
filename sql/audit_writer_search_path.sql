-- A DBA's trigger on audit_logs makes the audit row go through the
-- executor, as the extension owner (a superuser): the trigger runs with
-- that owner's rights for every role that writes an audited table.  The
-- writing role's search_path must not decide what the trigger's function
-- calls: it could put a schema of its own first, with a now() that takes
-- the owner's rights.  The extension acts as its owner for such a role
-- with search_path "pg_catalog, pg_temp".
\set SHOW_CONTEXT never
CREATE ROLE awsp_mallory;
CREATE SCHEMA awsp_trap AUTHORIZATION awsp_mallory;
CREATE TABLE awsp_seen (seq serial, who name, search_path text);
GRANT INSERT ON awsp_seen TO PUBLIC;
GRANT USAGE ON SEQUENCE awsp_seen_seq_seq TO PUBLIC;

-- the DBA's trigger, calling now() unqualified
CREATE FUNCTION awsp_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM now();
    INSERT INTO public.awsp_seen (who, search_path) VALUES (current_user, current_setting('search_path'));
    RETURN NULL;
END $$;
CREATE TRIGGER awsp_copy AFTER INSERT ON audit_softdelete.audit_logs
    FOR EACH ROW EXECUTE FUNCTION awsp_copy();
CREATE TABLE awsp_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('awsp_t', soft_delete => 'off');
GRANT INSERT ON awsp_t TO awsp_mallory;

-- The role's now(): records who runs it, and takes the superuser's rights
-- if it may.
SET ROLE awsp_mallory;
CREATE FUNCTION awsp_trap.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.awsp_seen (who, search_path) VALUES (current_user, 'awsp_trap.now()');
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
        EXECUTE 'ALTER ROLE awsp_mallory SUPERUSER';
    END IF;
    RETURN pg_catalog.now();
END $$;
SET search_path = awsp_trap, pg_catalog, public;
INSERT INTO awsp_t VALUES (1, 'a');
RESET search_path;
RESET ROLE;

-- the trigger ran as the extension owner, with the pinned search_path; the
-- role's function never ran, and the role is no superuser
SELECT who = current_user AS as_extension_owner, search_path FROM awsp_seen ORDER BY seq;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'awsp_mallory';
SELECT action, row_pk FROM audit_softdelete.audit_logs WHERE table_name = 'awsp_t' ORDER BY id;
TRUNCATE awsp_seen;

-- A role with the extension owner's privileges keeps its search_path.
SET search_path = public, pg_catalog;
INSERT INTO awsp_t VALUES (2, 'b');
RESET search_path;
SELECT who = current_user AS as_extension_owner, search_path FROM awsp_seen ORDER BY seq;

DROP TRIGGER awsp_copy ON audit_softdelete.audit_logs;
DROP TABLE awsp_t, awsp_seen;
DROP FUNCTION awsp_copy();
DROP SCHEMA awsp_trap CASCADE;
DROP ROLE awsp_mallory;
