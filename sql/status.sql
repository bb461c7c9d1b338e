-- audit_softdelete.status: one row per tracked table, with the problems
-- of its setup, each with the SQL that fixes it.  A healthy setup has
-- none; each kind of breakage shows, and running its fix clears it.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET audit_softdelete.actor = 'setup';

CREATE TABLE st_plain (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('st_plain');
INSERT INTO st_plain (id, v) SELECT g, 'v' || g FROM generate_series(1, 5) g;
DELETE FROM st_plain WHERE id = 5;
CREATE TABLE st_view (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('st_view', soft_delete => 'view', columns => '{"created_by": "author"}');
CREATE TABLE st_part (id int, k int, secret text, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
CREATE TABLE st_part1 PARTITION OF st_part FOR VALUES IN (1);
SELECT audit_softdelete.enable('st_part', stamps => false, redact_columns => '{secret}');
INSERT INTO st_part VALUES (1, 1), (2, 1);
CREATE TABLE st_audit_only (id int PRIMARY KEY);
SELECT audit_softdelete.enable('st_audit_only', stamps => false, soft_delete => 'off');

-- What the tests print: everything but the time of the last audit row.
CREATE VIEW st_status AS
SELECT table_name, enabled, stamps, soft_delete, audit, live_view, triggers,
       missing_columns, wrong_columns, unique_with_deleted, live_rows, deleted_rows,
       rows_estimated, audit_rows, audit_rows_estimated, last_audit_at IS NOT NULL AS has_last_audit,
       problems
  FROM audit_softdelete.status
 WHERE table_name::text LIKE 'st\_%';
-- The problems only, one a line, the database's name masked.
CREATE VIEW st_problems AS
SELECT s.table_name, replace(p, current_database(), '<db>') AS problem
  FROM audit_softdelete.status s, unnest(s.problems) p
 WHERE s.table_name::text LIKE 'st\_%'
 ORDER BY s.table_name::text, 2;
-- Each distinct fix, to run with \gexec.
CREATE VIEW st_fixes AS
SELECT DISTINCT substring(p FROM ' Fix: (.*)$') AS fix
  FROM audit_softdelete.status s, unnest(s.problems) p
 WHERE s.table_name::text LIKE 'st\_%'
 ORDER BY 1;

-- Healthy: no problem anywhere.
\x on
SELECT * FROM st_status ORDER BY table_name::text;
\x off
-- One table, by its name or, in view mode, by its live view's; an
-- untracked table has no row.
SELECT table_name, live_view, problems FROM audit_softdelete.table_status('st_view');
SELECT count(*) FROM audit_softdelete.table_status('pg_class');

-- The guards are switched off by a superuser for what follows, and on
-- again before each status is read.
CREATE PROCEDURE st_guards(on_ boolean) LANGUAGE plpgsql AS $$
DECLARE
    e text;
BEGIN
    FOREACH e IN ARRAY '{audit_softdelete_guard_triggers, audit_softdelete_verify_triggers, audit_softdelete_verify_trigger_drops}'::text[] LOOP
        EXECUTE format('ALTER EVENT TRIGGER %I %s', e, CASE WHEN on_ THEN 'ENABLE ALWAYS' ELSE 'DISABLE' END);
    END LOOP;
END
$$;

-- 1. Triggers dropped, disabled, made replica-only, replaced.
CALL st_guards(false);
DROP TRIGGER audit_softdelete_audit ON st_plain;
ALTER TABLE st_plain DISABLE TRIGGER audit_softdelete_stamp;
ALTER TABLE st_plain ENABLE REPLICA TRIGGER audit_softdelete_soft_delete;
CREATE OR REPLACE TRIGGER audit_softdelete_audit_truncate AFTER TRUNCATE ON st_plain
    FOR EACH STATEMENT WHEN (false) EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
CALL st_guards(true);
SELECT table_name, triggers FROM st_status WHERE table_name = 'st_plain'::regclass;
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;
SELECT table_name, triggers FROM st_status WHERE table_name = 'st_plain'::regclass;

-- 2. The same on a partition: a row trigger's clone disabled, a TRUNCATE
-- trigger dropped.
CALL st_guards(false);
ALTER TABLE st_part1 DISABLE TRIGGER audit_softdelete_audit;
DROP TRIGGER audit_softdelete_soft_delete_truncate ON st_part1;
CALL st_guards(true);
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;

-- 3. The live view of view mode dropped (DROP VIEW is allowed), its
-- DELETE trigger replaced.
DROP VIEW st_view;
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;
CALL st_guards(false);
CREATE OR REPLACE TRIGGER audit_softdelete_view_delete INSTEAD OF DELETE ON st_view
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CALL st_guards(true);
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;
DELETE FROM st_view;

-- 4. Columns: deleted_at dropped while soft delete is on, a stamp column
-- retyped to one the stamp trigger cannot fill, a mapped actor column
-- made a generated one.
ALTER TABLE st_plain DROP COLUMN deleted_at;
ALTER TABLE st_plain ALTER COLUMN updated_at TYPE text;
ALTER TABLE st_view_all DROP COLUMN author;
ALTER TABLE st_view_all ADD COLUMN author text GENERATED ALWAYS AS ('x') STORED;
SELECT table_name, missing_columns, wrong_columns FROM st_status
 WHERE missing_columns <> '{}' OR wrong_columns <> '{}' ORDER BY table_name::text;
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;
SELECT format_type(atttypid, atttypmod), attgenerated = '' AS plain FROM pg_attribute
 WHERE (attrelid, attname) IN (('st_plain'::regclass, 'deleted_at'), ('st_plain'::regclass, 'updated_at'),
                               ('st_view_all'::regclass, 'author'))
 ORDER BY attrelid::regclass::text, attname;

-- 5. Unique indexes that keep a soft-deleted row's key taken: a UNIQUE
-- constraint and a unique index; one already partial on deleted_at is fine.
ALTER TABLE st_plain ADD CONSTRAINT st_plain_v_key UNIQUE (v);
CREATE UNIQUE INDEX st_plain_lower_v ON st_plain (lower(v)) WHERE id > 0;
CREATE UNIQUE INDEX st_plain_ok ON st_plain (v, id) WHERE deleted_at IS NULL;
SELECT table_name, unique_with_deleted FROM st_status WHERE unique_with_deleted <> '{}';
SELECT * FROM st_problems;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;
INSERT INTO st_plain (id, v) VALUES (1004, 'w');
DELETE FROM st_plain WHERE id = 1004;
INSERT INTO st_plain (id, v) VALUES (1005, 'w');   -- accepted now

-- 6. The extension's event triggers disabled, or no longer ALWAYS: every
-- enabled table is unguarded.
ALTER EVENT TRIGGER audit_softdelete_verify_triggers DISABLE;
ALTER EVENT TRIGGER audit_softdelete_ddl_log ENABLE;
ALTER EVENT TRIGGER audit_softdelete_follow_column_rename ENABLE REPLICA;
SELECT * FROM st_problems WHERE table_name = 'st_plain'::regclass;
SELECT count(*) AS tables_told FROM st_status WHERE problems <> '{}';
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;

-- 7. Sessions started as replicas skip the triggers: set for a role, and
-- for a role in this database.  A SET in this session is not a problem.
CREATE ROLE st_replica;
ALTER ROLE st_replica SET session_replication_role = replica;
SELECT current_database() AS db \gset
ALTER ROLE st_replica IN DATABASE :"db" SET session_replication_role = 'replica';
SET session_replication_role = replica;
SELECT * FROM st_problems WHERE table_name = 'st_plain'::regclass;
RESET session_replication_role;
SELECT fix FROM st_fixes \gexec
SELECT * FROM st_problems;

-- 8. Who sees what: the setup to anyone; rows to who may read the table
-- (a table under row-level security only estimated: its policies are its
-- owner's code, which must not run as whoever reads the status, here one
-- that writes down who reads); audit figures to who may read audit_logs.
CREATE ROLE st_reader;
GRANT SELECT ON st_plain TO st_reader;
CREATE TABLE st_spy_log (who text);
GRANT INSERT ON st_spy_log TO PUBLIC;
CREATE FUNCTION st_spy() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO st_spy_log VALUES (current_user);
    RETURN true;
END
$$;
ALTER TABLE st_plain ENABLE ROW LEVEL SECURITY;
CREATE POLICY st_low ON st_plain FOR SELECT TO st_reader USING (id < 3 AND st_spy());
SET ROLE st_reader;
SELECT table_name, live_rows, deleted_rows, rows_estimated, audit_rows, last_audit_at, problems
  FROM audit_softdelete.status WHERE table_name::text LIKE 'st\_%' ORDER BY table_name::text;
RESET ROLE;
SELECT count(*) AS policy_runs_while_reading_status FROM st_spy_log;
-- (the policy does run when the reader reads the table itself)
SET ROLE st_reader;
SELECT count(*) > 0 AS reader_sees_rows FROM st_plain;
RESET ROLE;
SELECT count(*) > 0 AS policy_ran_for_the_reader FROM st_spy_log;
TRUNCATE st_spy_log;
GRANT SELECT ON audit_softdelete.audit_logs TO st_reader;
SET ROLE st_reader;
SELECT table_name, live_rows, deleted_rows, audit_rows, last_audit_at IS NOT NULL AS has_last_audit
  FROM audit_softdelete.status WHERE table_name::text LIKE 'st\_%' ORDER BY table_name::text;
-- the internal functions stay closed
SELECT audit_softdelete._read_as_caller('SELECT ''{}''::jsonb');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT audit_softdelete._read_as_caller('SELECT ''{}''::jsonb');
\echo SQLSTATE :SQLSTATE
ALTER TABLE st_plain DISABLE ROW LEVEL SECURITY;
SELECT table_name, live_rows, deleted_rows, rows_estimated FROM st_status WHERE table_name = 'st_plain'::regclass;

-- 9. Big tables: rows estimated past 1 MB, audit rows past 10,000, from
-- the statistics; the last audit row among the newest.  In a database of
-- its own: the statistics and the size of audit_logs stay out of the
-- other tests.
CREATE DATABASE st_big_db;
\c st_big_db
SET client_min_messages = warning;
CREATE EXTENSION audit_softdelete;
SET audit_softdelete.actor = 'setup';
CREATE TABLE st_big (id int PRIMARY KEY, pad text);
SELECT audit_softdelete.enable('st_big');
INSERT INTO st_big SELECT g, repeat('x', 100) FROM generate_series(1, 12000) g;
DELETE FROM st_big WHERE id <= 3000;
ANALYZE st_big;
ANALYZE audit_softdelete.audit_logs;
SELECT rows_estimated, live_rows BETWEEN 8000 AND 10000 AS live_about_9000,
       deleted_rows BETWEEN 2000 AND 4000 AS deleted_about_3000,
       audit_rows_estimated, audit_rows BETWEEN 14000 AND 16000 AS audit_about_15000,
       last_audit_at IS NOT NULL AS has_last_audit, problems
  FROM audit_softdelete.status WHERE table_name = 'st_big'::regclass;
\c :db
DROP DATABASE st_big_db;
SET client_min_messages = warning;
SET audit_softdelete.actor = 'setup';

-- 10. A disabled table: listed, nothing expected of it.
SELECT audit_softdelete.disable('st_audit_only');
SELECT * FROM st_status WHERE table_name = 'st_audit_only'::regclass;

-- 11. Triggers a migration attached by hand (enable() with
-- create_triggers => false): recognised under their own names; a missing
-- one is fixed by its own CREATE TRIGGER, a missing column by ALTER TABLE
-- (enable() would refuse to add its triggers next to them); a second
-- trigger calling the same function, and one calling a function whose
-- feature is off, are fixed by dropping them.
CREATE TABLE st_hand (id int PRIMARY KEY, v text, created_at timestamptz, created_by text,
                      updated_at timestamptz, updated_by text);
CREATE TRIGGER st_hand_stamps BEFORE INSERT OR UPDATE ON st_hand
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER st_hand_log AFTER INSERT OR UPDATE OR DELETE ON st_hand
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER st_hand_log_truncate AFTER TRUNCATE ON st_hand
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
SELECT audit_softdelete.enable('st_hand', soft_delete => 'off', create_triggers => false);
INSERT INTO st_hand (id, v) VALUES (1, 'a');
SELECT table_name, triggers, problems FROM st_status WHERE table_name = 'st_hand'::regclass;
DROP TRIGGER st_hand_log ON st_hand;
ALTER TABLE st_hand DROP COLUMN updated_by;
SET client_min_messages = error;
CREATE TRIGGER st_hand_stamps_again BEFORE INSERT OR UPDATE ON st_hand
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER st_hand_soft_delete BEFORE DELETE ON st_hand
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
SET client_min_messages = warning;
SELECT triggers, missing_columns FROM st_status WHERE table_name = 'st_hand'::regclass;
SELECT problem FROM st_problems WHERE table_name = 'st_hand'::regclass;
SELECT fix FROM st_fixes \gexec
SELECT triggers, problems FROM st_status WHERE table_name = 'st_hand'::regclass;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'st_hand'::regclass ORDER BY 1;
-- and the setup works again: the update is stamped and audited
UPDATE st_hand SET v = 'b' WHERE id = 1;
SELECT updated_by FROM st_hand;
SELECT action, new_values ->> 'v' AS v FROM audit_softdelete.audit_logs
 WHERE table_name = 'st_hand' ORDER BY id;

DROP VIEW st_status, st_problems, st_fixes;
DROP PROCEDURE st_guards(boolean);
DROP TABLE st_plain, st_part, st_audit_only, st_hand, st_spy_log;
DROP FUNCTION st_spy();
DROP VIEW st_view;
DROP TABLE st_view_all;
REVOKE SELECT ON audit_softdelete.audit_logs FROM st_reader;
DROP ROLE st_reader, st_replica;
