-- A soft delete by a role without the table owner's privileges may run
-- the owner's code as the owner: the UPDATE statement that marks the row
-- (a table with a statement-level UPDATE trigger) and the cascade to the
-- referencing rows.  That role's search_path must not decide what the
-- owner's functions call: it could put a schema of its own first, with a
-- now() that takes the owner's rights.  While the extension acts as the
-- owner for such a role, search_path is "pg_catalog, pg_temp".
\set SHOW_CONTEXT never
CREATE ROLE osp_mallory;
CREATE SCHEMA osp_trap AUTHORIZATION osp_mallory;
CREATE TABLE osp_seen (seq serial, who name, search_path text);
GRANT INSERT ON osp_seen TO PUBLIC;
GRANT USAGE ON SEQUENCE osp_seen_seq_seq TO PUBLIC;

-- the owner's (a superuser's) usual triggers, calling now() unqualified
CREATE FUNCTION osp_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := 'touched ' || (now() IS NOT NULL)::text;
    INSERT INTO public.osp_seen (who, search_path) VALUES (current_user, current_setting('search_path'));
    RETURN NEW;
END $$;
CREATE FUNCTION osp_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END $$;
CREATE TABLE osp_parent (id int PRIMARY KEY, note text);
CREATE TRIGGER osp_touch BEFORE UPDATE ON osp_parent FOR EACH ROW EXECUTE FUNCTION osp_touch();
CREATE TRIGGER osp_after AFTER UPDATE ON osp_parent FOR EACH STATEMENT EXECUTE FUNCTION osp_after();
CREATE TABLE osp_child (id int PRIMARY KEY,
                        parent_id int REFERENCES osp_parent ON DELETE CASCADE, note text);
CREATE TRIGGER osp_touch BEFORE UPDATE ON osp_child FOR EACH ROW EXECUTE FUNCTION osp_touch();
SELECT audit_softdelete.enable('osp_parent');
SELECT audit_softdelete.enable('osp_child');
INSERT INTO osp_parent VALUES (1, 'one'), (2, 'two');
INSERT INTO osp_child VALUES (10, 1, 'ten'), (20, 2, 'twenty');
GRANT SELECT, DELETE ON osp_parent TO osp_mallory;

-- The role's now(): records who runs it, and takes the superuser's rights
-- if it may.
SET ROLE osp_mallory;
CREATE FUNCTION osp_trap.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.osp_seen (who, search_path) VALUES (current_user, 'osp_trap.now()');
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
        EXECUTE 'ALTER ROLE osp_mallory SUPERUSER';
    END IF;
    RETURN pg_catalog.now();
END $$;
SET search_path = osp_trap, pg_catalog, public;
-- marked through an UPDATE statement run as the owner, which cascades to
-- osp_child as its owner
DELETE FROM osp_parent WHERE id OPERATOR(pg_catalog.=) 1;
RESET search_path;
RESET ROLE;

-- the owner's triggers ran as the owner, with the pinned search_path; the
-- role's function never ran, and the role is no superuser
SELECT who = current_user AS as_owner, search_path FROM osp_seen ORDER BY seq;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'osp_mallory';
SELECT 'parent' AS tbl, id, note, deleted_at IS NOT NULL AS deleted FROM osp_parent
UNION ALL
SELECT 'child', id, note, deleted_at IS NOT NULL FROM osp_child ORDER BY 1 DESC, 2;
TRUNCATE osp_seen;

-- The owner's own DELETE keeps its search_path: nothing is done for
-- another role.
SET search_path = public, pg_catalog;
DELETE FROM osp_parent WHERE id = 2;
RESET search_path;
SELECT who = current_user AS as_owner, search_path FROM osp_seen ORDER BY seq;
TRUNCATE osp_seen;

-- So does a role granted the owner's privileges.
ALTER TABLE osp_parent OWNER TO osp_mallory;
ALTER TABLE osp_child OWNER TO osp_mallory;
ALTER FUNCTION osp_touch() OWNER TO osp_mallory;
ALTER FUNCTION osp_after() OWNER TO osp_mallory;
SELECT audit_softdelete.restore('osp_parent', '{"id": 2}');
TRUNCATE osp_seen;
CREATE ROLE osp_member IN ROLE osp_mallory;
SET ROLE osp_member;
SET search_path = public, pg_catalog;
DELETE FROM osp_parent WHERE id OPERATOR(pg_catalog.=) 2;
RESET search_path;
RESET ROLE;
SELECT who, search_path FROM osp_seen ORDER BY seq;

DROP TABLE osp_child, osp_parent, osp_seen;
DROP FUNCTION osp_touch(), osp_after();
DROP SCHEMA osp_trap CASCADE;
DROP ROLE osp_member;
DROP ROLE osp_mallory;
