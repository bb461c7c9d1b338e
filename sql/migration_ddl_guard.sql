-- The DDL log is append-only: nothing in migration_ddl is ever changed or
-- deleted, by the extension owner and other superusers neither.  INSERT
-- stays open to the owner, for pg_dump's restore (it writes the rows back
-- with COPY: test/scripts/dump_restore.sh).
\set SHOW_CONTEXT never

CREATE TABLE mdg_t (id int);
SELECT id AS mdg_row FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.mdg_t' \gset
SELECT count(*) AS rows_before FROM audit_softdelete.migration_ddl \gset

-- the extension owner, the superuser that created it
SELECT r.rolname = current_user AS the_owner
  FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner
 WHERE e.extname = 'audit_softdelete';
UPDATE audit_softdelete.migration_ddl SET actor = 'nobody' WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_ddl WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE

-- another superuser
CREATE ROLE mdg_super SUPERUSER;
SET ROLE mdg_super;
UPDATE audit_softdelete.migration_ddl SET actor = 'nobody' WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_ddl WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE
RESET ROLE;

-- a role a DBA granted every privilege on the table
CREATE ROLE mdg_granted;
GRANT SELECT, UPDATE, DELETE, TRUNCATE ON audit_softdelete.migration_ddl TO mdg_granted;
SET ROLE mdg_granted;
UPDATE audit_softdelete.migration_ddl SET actor = 'nobody' WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_ddl WHERE id = :mdg_row;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE ALL ON audit_softdelete.migration_ddl FROM mdg_granted;

-- every row is as it was, and the log is still written
SELECT object_identity, actor IS DISTINCT FROM 'nobody' AS unchanged
  FROM audit_softdelete.migration_ddl WHERE id = :mdg_row;
CREATE INDEX mdg_t_id ON mdg_t (id);
SELECT count(*) >= :rows_before AS none_gone,
       count(*) FILTER (WHERE object_identity = 'public.mdg_t_id') AS index_logged
  FROM audit_softdelete.migration_ddl;

-- the guard's function guards nothing else: BEFORE UPDATE, DELETE or
-- TRUNCATE only
CREATE TRIGGER mdg_wrong AFTER UPDATE ON mdg_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();
CREATE TRIGGER mdg_wrong_event BEFORE INSERT ON mdg_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();
INSERT INTO mdg_t VALUES (1);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER mdg_wrong_event ON mdg_t;
INSERT INTO mdg_t VALUES (1);
UPDATE mdg_t SET id = 2;
\echo SQLSTATE :SQLSTATE

DROP TABLE mdg_t;
DROP ROLE mdg_super, mdg_granted;
