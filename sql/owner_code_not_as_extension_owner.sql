-- enable() and table_status() run as the extension owner (a superuser).
-- Nothing they look at on a table may run the table owner's code with
-- those rights: here, the predicate of a unique index, which names an
-- "immutable" function of the owner's.  PostgreSQL calls such a function
-- with constant arguments whenever it simplifies the predicate.
\set SHOW_CONTEXT never
CREATE ROLE ocx_owner;
GRANT CREATE ON SCHEMA public TO ocx_owner;
CREATE TABLE ocx_seen (who name);
GRANT INSERT ON ocx_seen TO PUBLIC;

SET ROLE ocx_owner;
-- what the predicate calls: records who runs it, and takes the
-- superuser's rights if it may
CREATE FUNCTION ocx_take() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO public.ocx_seen VALUES (current_user);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE ocx_owner SUPERUSER';
    END IF;
END $$;
CREATE FUNCTION ocx_pred() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.ocx_take();
    RETURN true;
END $$;
CREATE TABLE ocx_t (id int PRIMARY KEY, code text);
SELECT audit_softdelete.enable('ocx_t');
CREATE UNIQUE INDEX ocx_t_code ON ocx_t (code) WHERE public.ocx_pred();
RESET ROLE;
TRUNCATE ocx_seen;

-- A new session (the index's predicate not yet simplified in it): the
-- owner reads its table's status, and enables it again.
\c -
SET ROLE ocx_owner;
SELECT table_name, unique_with_deleted FROM audit_softdelete.table_status('ocx_t');
RESET ROLE;
\c -
SET ROLE ocx_owner;
SELECT audit_softdelete.enable('ocx_t');
RESET ROLE;
-- the owner is no superuser; nobody but the owner ran its function
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'ocx_owner';
SELECT DISTINCT who FROM ocx_seen;

-- the warning still knows an index that leaves deleted rows out
SET ROLE ocx_owner;
DROP INDEX ocx_t_code;
CREATE UNIQUE INDEX ocx_t_code ON ocx_t (code) WHERE public.ocx_pred() AND deleted_at IS NULL;
SELECT audit_softdelete.enable('ocx_t');
SELECT table_name, unique_with_deleted FROM audit_softdelete.table_status('ocx_t');
RESET ROLE;

DROP TABLE ocx_t, ocx_seen;
DROP FUNCTION ocx_pred(), ocx_take();
REVOKE CREATE ON SCHEMA public FROM ocx_owner;
DROP ROLE ocx_owner;

-- table_status() counts a table's rows as its owner: planning the count
-- simplifies the table's index expressions, and so runs its owner's
-- functions.  A superuser reading the status of every table, as DBAs do,
-- must not run them with its rights.
CREATE ROLE ocx_owner;
GRANT CREATE ON SCHEMA public TO ocx_owner;
CREATE TABLE ocx_seen (who name);
GRANT INSERT ON ocx_seen TO PUBLIC;
SET ROLE ocx_owner;
CREATE FUNCTION ocx_take() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO public.ocx_seen VALUES (current_user);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE ocx_owner SUPERUSER';
    END IF;
END $$;
CREATE FUNCTION ocx_expr(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.ocx_take();
    RETURN t;
END $$;
CREATE TABLE ocx_t (id int PRIMARY KEY, code text);
SELECT audit_softdelete.enable('ocx_t');
INSERT INTO ocx_t VALUES (1, 'a'), (2, 'b');
DELETE FROM ocx_t WHERE id = 2;
CREATE INDEX ocx_t_expr ON ocx_t (public.ocx_expr('x'));
RESET ROLE;
TRUNCATE ocx_seen;
\c -
SELECT table_name, live_rows, deleted_rows, rows_estimated
  FROM audit_softdelete.status WHERE table_name = 'ocx_t'::regclass;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'ocx_owner';
SELECT DISTINCT who FROM ocx_seen;
-- a role that may not read the table gets no count, and cannot have the
-- owner count it directly
CREATE ROLE ocx_other;
SET ROLE ocx_other;
SELECT table_name, live_rows FROM audit_softdelete.status WHERE table_name = 'ocx_t'::regclass;
SELECT audit_softdelete._read_as_table_owner('ocx_t', 'SELECT pg_catalog.to_jsonb(1)');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT audit_softdelete._read_as_table_owner('ocx_t', 'SELECT pg_catalog.to_jsonb(1)');
\echo SQLSTATE :SQLSTATE

DROP TABLE ocx_t, ocx_seen;
DROP FUNCTION ocx_expr(text), ocx_take();
REVOKE CREATE ON SCHEMA public FROM ocx_owner;
DROP ROLE ocx_owner, ocx_other;
