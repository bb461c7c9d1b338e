-- Marking a row deleted is an UPDATE that fires the table's UPDATE
-- triggers.  A role with the TRIGGER privilege may have added one: its code
-- must never run with the table owner's rights on that role's own DELETE.
\set SHOW_CONTEXT never
CREATE ROLE str_bob;
CREATE ROLE str_editor;
GRANT CREATE ON SCHEMA public TO str_bob;
-- who each trigger ran as, and whether that role is the table's owner
CREATE TABLE str_seen (seq serial, tbl text, trg text, who name);
GRANT INSERT ON str_seen TO PUBLIC;
GRANT USAGE ON SEQUENCE str_seen_seq_seq TO PUBLIC;

-- a table owned by the superuser running the tests
CREATE TABLE str_admin (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('str_admin');
INSERT INTO str_admin VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');
GRANT SELECT, DELETE, TRIGGER ON str_admin TO str_bob;
GRANT SELECT, UPDATE, DELETE ON str_admin TO str_editor;

SET ROLE str_bob;
CREATE FUNCTION str_bob_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.str_seen (tbl, trg, who) VALUES (TG_TABLE_NAME, TG_NAME, current_user);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE str_bob SUPERUSER';
    END IF;
    RETURN NEW;
END $$;
-- A row trigger: the marking takes the row-level path, as the deleting role.
CREATE TRIGGER str_bob_row BEFORE UPDATE ON str_admin
    FOR EACH ROW EXECUTE FUNCTION str_bob_fn();
DELETE FROM str_admin WHERE id = 1;
-- A statement trigger sends the marking through an UPDATE statement, which
-- would need the owner's rights for a role without UPDATE: refused.
CREATE TRIGGER str_bob_stmt AFTER UPDATE ON str_admin
    FOR EACH STATEMENT EXECUTE FUNCTION str_bob_fn();
\set VERBOSITY default
DELETE FROM str_admin WHERE id = 2;
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
RESET ROLE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'str_bob';
SELECT tbl, trg, who = 'str_bob' AS as_bob FROM str_seen ORDER BY seq;
SELECT id, deleted_at IS NOT NULL AS deleted FROM str_admin WHERE id <= 2 ORDER BY id;

-- A role that may UPDATE the table runs that statement itself: the
-- triggers run as that role.
TRUNCATE str_seen;
SET ROLE str_editor;
DELETE FROM str_admin WHERE id = 2;
RESET ROLE;
SELECT tbl, trg, who = 'str_editor' AS as_editor FROM str_seen ORDER BY seq;

-- The owner's own statement trigger (its function owned by the owner, no
-- WHEN clause) runs as the owner, and a DELETE-only role soft-deletes.
DROP TRIGGER str_bob_stmt ON str_admin;
DROP TRIGGER str_bob_row ON str_admin;
CREATE FUNCTION str_owner_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.str_seen (tbl, trg, who) VALUES (TG_TABLE_NAME, TG_NAME, current_user);
    RETURN NULL;
END $$;
CREATE TRIGGER str_owner_stmt AFTER UPDATE ON str_admin
    FOR EACH STATEMENT EXECUTE FUNCTION str_owner_fn();
TRUNCATE str_seen;
SET ROLE str_bob;
DELETE FROM str_admin WHERE id = 3;
RESET ROLE;
SELECT s.tbl, s.trg, s.who = pg_get_userbyid(c.relowner) AS as_owner
  FROM str_seen s, pg_class c WHERE c.oid = 'str_admin'::regclass ORDER BY s.seq;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by IS NOT NULL AS has_deleted_by
  FROM str_admin WHERE id = 3;

-- A WHEN clause is code its trigger's creator wrote, whatever function
-- the trigger calls: refused as well.
SET ROLE str_bob;
CREATE TRIGGER str_bob_when AFTER UPDATE ON str_admin FOR EACH ROW
    WHEN (pg_catalog.length(NEW.v) > 0) EXECUTE FUNCTION str_owner_fn();
DELETE FROM str_admin WHERE id = 4;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted FROM str_admin WHERE id = 4;
DROP TRIGGER str_bob_when ON str_admin;
-- the owner's DELETE runs as the owner anyway
DELETE FROM str_admin WHERE id = 4;
SELECT id, deleted_at IS NOT NULL AS deleted FROM str_admin WHERE id = 4;

-- A partition is marked through the row-level path too: a row trigger on
-- a partitioned table runs as the deleting role.
CREATE TABLE str_parts (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
CREATE TABLE str_parts_1 PARTITION OF str_parts FOR VALUES FROM (0) TO (100);
SELECT audit_softdelete.enable('str_parts');
INSERT INTO str_parts VALUES (1, 'a'), (2, 'b');
GRANT SELECT, DELETE, TRIGGER ON str_parts, str_parts_1 TO str_bob;
TRUNCATE str_seen;
SET ROLE str_bob;
CREATE TRIGGER str_bob_row BEFORE UPDATE ON str_parts
    FOR EACH ROW EXECUTE FUNCTION str_bob_fn();
DELETE FROM str_parts WHERE id = 1;
RESET ROLE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'str_bob';
SELECT tbl, trg, who = 'str_bob' AS as_bob FROM str_seen ORDER BY seq;
SELECT id, deleted_at IS NOT NULL AS deleted FROM str_parts ORDER BY id;
SELECT action, row_pk, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name = 'str_parts' AND action <> 'INSERT' ORDER BY id;

-- On that path the partition's bound is checked, as an UPDATE of the
-- partition checks it: a marking that would move the row is refused.
CREATE TABLE str_bydel (id int, deleted_at timestamptz) PARTITION BY LIST (deleted_at);
CREATE TABLE str_bydel_live PARTITION OF str_bydel FOR VALUES IN (NULL);
CREATE TABLE str_bydel_gone PARTITION OF str_bydel DEFAULT;
SELECT audit_softdelete.enable('str_bydel', stamps => false);
INSERT INTO str_bydel (id) VALUES (1);
DELETE FROM str_bydel;
\echo SQLSTATE :SQLSTATE
SELECT tableoid::regclass AS partition, id, deleted_at IS NULL AS live FROM str_bydel;

DROP TABLE str_admin, str_parts, str_bydel, str_seen;
DROP FUNCTION str_bob_fn(), str_owner_fn();
REVOKE CREATE ON SCHEMA public FROM str_bob;
DROP ROLE str_bob, str_editor;
