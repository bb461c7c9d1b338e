-- The DDL log: event triggers record every DDL command, dropped object
-- and table rewrite in audit_softdelete.migration_ddl, one row per object.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'migrator';
SET application_name = 'md-test';

-- md_new() shows the rows written since it was last called.
CREATE FUNCTION md_new()
RETURNS TABLE (event text, command_tag text, object_type text, object_identity text,
               schema_name text, by_extension boolean, migration_id bigint, actor text)
LANGUAGE plpgsql AS $$
DECLARE
    seen bigint := coalesce(current_setting('md.seen', true), '0')::bigint;
BEGIN
    PERFORM set_config('md.seen', coalesce(max(d.id), seen)::text, false)
       FROM audit_softdelete.migration_ddl d;
    RETURN QUERY
        SELECT d.event, d.command_tag, d.object_type, d.object_identity, d.schema_name,
               d.by_extension, d.migration_id, d.actor
          FROM audit_softdelete.migration_ddl d
         WHERE d.id > seen
         ORDER BY d.id;
END
$$;
SELECT command_tag, object_identity FROM md_new() WHERE object_identity LIKE '%md_new%';

-- CREATE TABLE: each object the command makes, in order
CREATE TABLE md_t (id serial PRIMARY KEY, note text);
SELECT * FROM md_new();

-- indexes
CREATE INDEX md_t_note_idx ON md_t (note);
ALTER INDEX md_t_note_idx RENAME TO md_t_note_index;
DROP INDEX md_t_note_index;
SELECT * FROM md_new();

-- functions
CREATE FUNCTION md_f(i int) RETURNS int LANGUAGE sql AS 'SELECT i';
CREATE OR REPLACE FUNCTION md_f(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
ALTER FUNCTION md_f(int) STABLE;
DROP FUNCTION md_f(int);
SELECT * FROM md_new();

-- ALTER TABLE: adding a column without a default rewrites nothing;
-- changing a column's type rewrites the table (logged before the command
-- that caused it ends); dropping a column is a dropped object
ALTER TABLE md_t ADD COLUMN n int;
ALTER TABLE md_t ALTER COLUMN n TYPE bigint;
ALTER TABLE md_t DROP COLUMN n;
COMMENT ON TABLE md_t IS 'logged';
GRANT SELECT ON md_t TO PUBLIC;
SELECT * FROM md_new();

-- a drop cascading to several objects: each one, as PostgreSQL's notice
-- lists them, without what belongs to them (a table's row type, sequence,
-- indexes and defaults, a view's rule)
CREATE TABLE md_child (id int PRIMARY KEY, t int REFERENCES md_t);
CREATE VIEW md_v AS SELECT * FROM md_t;
CREATE FUNCTION md_rowf(r md_t) RETURNS int LANGUAGE sql AS 'SELECT r.id';
SELECT count(*) FROM md_new();
DROP TABLE md_t CASCADE;
SELECT * FROM md_new();
DROP TABLE md_child;
SELECT * FROM md_new();

-- temporary objects are not logged: they vanish with their session
CREATE TEMP TABLE md_tmp (id int);
CREATE INDEX ON md_tmp (id);
ALTER TABLE md_tmp ALTER COLUMN id TYPE bigint;
CREATE TRIGGER md_tmp_trg BEFORE UPDATE ON md_tmp
    FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE VIEW md_tmp_v AS SELECT * FROM md_tmp;
CREATE FUNCTION pg_temp.md_tmp_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP TABLE md_tmp CASCADE;
SELECT count(*) AS temporary_rows FROM md_new();

-- another extension is one row, created or dropped; its script's commands
-- are not logged one by one
CREATE EXTENSION tcn;
DROP EXTENSION tcn;
SELECT * FROM md_new();

-- The extension's own DDL is logged too, by_extension: what enable() and
-- disable() run, and what its event triggers run for the user's DDL (the
-- live view dropped before ALTER TABLE and made again after it, whose rows
-- follow the ALTER TABLE's own)
CREATE TABLE md_e (id int PRIMARY KEY);
SELECT audit_softdelete.enable('md_e', soft_delete => 'view', audit => false);
SELECT * FROM md_new();
ALTER TABLE md_e_all ADD COLUMN note text;
SELECT * FROM md_new();
SELECT audit_softdelete.disable('md_e');
SELECT * FROM md_new();
DROP TABLE md_e;
SELECT * FROM md_new();

-- who: session_user (not the current role), the actor, application_name;
-- an ordinary role's DDL is logged although it may not write the log
CREATE ROLE md_owner;
GRANT CREATE ON SCHEMA public TO md_owner;
SET SESSION AUTHORIZATION md_owner;
SET audit_softdelete.actor = 'alice';
CREATE TABLE md_owned (id int);
RESET SESSION AUTHORIZATION;
SELECT object_identity, db_user, actor, application_name
  FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.md_owned';
SET audit_softdelete.actor = 'migrator';
SELECT count(*) FROM md_new();

-- in the writing transaction: its txid and the statement's time; a
-- rolled-back command leaves no row
BEGIN;
CREATE TABLE md_tx (id int);
SELECT txid = pg_current_xact_id() AS same_txid,
       logged_at >= now() AND logged_at < statement_timestamp() AS statement_time
  FROM audit_softdelete.migration_ddl WHERE object_identity = 'public.md_tx';
ROLLBACK;
SELECT count(*) AS rolled_back FROM audit_softdelete.migration_ddl
 WHERE object_identity = 'public.md_tx';

-- Only the extension writes the log.  An ordinary role may neither read
-- it (until granted SELECT) nor write, change or empty it.
SET ROLE md_owner;
SELECT count(*) FROM audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE
INSERT INTO audit_softdelete.migration_ddl (event, command_tag, by_extension, db_user)
VALUES ('ddl_command_end', 'CREATE TABLE', false, 'forged');
\echo SQLSTATE :SQLSTATE
UPDATE audit_softdelete.migration_ddl SET actor = 'nobody';
\echo SQLSTATE :SQLSTATE
DELETE FROM audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE
TRUNCATE audit_softdelete.migration_ddl;
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON audit_softdelete.migration_ddl TO md_owner;
SET ROLE md_owner;
SELECT count(*) > 0 AS readable FROM audit_softdelete.migration_ddl;
UPDATE audit_softdelete.migration_ddl SET actor = 'nobody';
\echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE SELECT ON audit_softdelete.migration_ddl FROM md_owner;

-- The trigger function works only as the event triggers call it.
SELECT audit_softdelete.ddl_log_trigger();
\echo SQLSTATE :SQLSTATE
SET ROLE md_owner;
SELECT audit_softdelete.ddl_log_trigger();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
\set VERBOSITY default
CREATE EVENT TRIGGER md_wrong ON ddl_command_start
    EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
CREATE TABLE md_refused (id int);
\echo SQLSTATE :SQLSTATE
DROP EVENT TRIGGER md_wrong;

DROP TABLE md_owned;
REVOKE CREATE ON SCHEMA public FROM md_owner;
DROP ROLE md_owner;
DROP FUNCTION md_new();
