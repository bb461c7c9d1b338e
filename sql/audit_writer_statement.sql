-- A statement that changes many rows keeps audit_logs and its indexes open
-- from its second audit row to its end (src/audit_write.c): never past it,
-- never into a subtransaction of one of its triggers, and nothing kept
-- survives an error.  Each part below fails if one of those goes wrong:
-- DDL on audit_logs later in the transaction would find it "in use", an
-- index created then would miss entries, a rolled-back row would keep its
-- audit row, or a reference would leak (a WARNING here).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;

CREATE TABLE ws_t (id int PRIMARY KEY, v text);
CREATE TABLE ws_other (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('ws_t', stamps => false, soft_delete => 'off'),
       audit_softdelete.enable('ws_other', stamps => false, soft_delete => 'off');
INSERT INTO ws_t SELECT g, 'a' FROM generate_series(1, 5) g;
INSERT INTO ws_other SELECT g, 'a' FROM generate_series(1, 5) g;

CREATE TEMP VIEW ws_log AS
SELECT table_name, action, row_pk ->> 'id' AS id, new_values ->> 'v' AS v
  FROM audit_softdelete.audit_logs
 WHERE table_name IN ('ws_t', 'ws_other') AND action = 'UPDATE';

-- After a five-row UPDATE, the same transaction alters audit_logs and adds
-- an index to it; the next statement's rows go into that index too.
BEGIN;
UPDATE ws_t SET v = 'b';
CREATE INDEX ws_actor_idx ON audit_softdelete.audit_logs (actor, id);
ALTER TABLE audit_softdelete.audit_logs ALTER COLUMN application_name SET STATISTICS 200;
UPDATE ws_t SET v = 'c';
COMMIT;
SELECT bt_index_parent_check('audit_softdelete.ws_actor_idx', heapallindexed => true);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS in_new_index FROM audit_softdelete.audit_logs
 WHERE actor = current_user AND id > 0 AND table_name = 'ws_t' AND new_values ->> 'v' = 'c';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX audit_softdelete.ws_actor_idx;
ALTER TABLE audit_softdelete.audit_logs ALTER COLUMN application_name SET STATISTICS -1;

-- An error while the statement's AFTER triggers run (after some of its
-- audit rows were written) rolls back to the savepoint; the next statements
-- write as before.
CREATE FUNCTION ws_fail_on_3() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 3 AND NEW.v = 'fail' THEN
        RAISE EXCEPTION 'row 3 refused';
    END IF;
    RETURN NULL;
END $$;
-- fires after the extension's audit trigger (trigger names in order)
CREATE TRIGGER zz_ws_fail AFTER UPDATE ON ws_t FOR EACH ROW EXECUTE FUNCTION ws_fail_on_3();
BEGIN;
SAVEPOINT s;
UPDATE ws_t SET v = 'fail';
ROLLBACK TO s;
UPDATE ws_t SET v = 'd';
COMMIT;
SELECT v, count(*) FROM ws_log WHERE table_name = 'ws_t' GROUP BY v ORDER BY v;

-- The same error caught in PL/pgSQL.
DO $$
BEGIN
    UPDATE ws_t SET v = 'fail';
EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'caught: %', SQLERRM;
END $$;
UPDATE ws_t SET v = 'e';
SELECT v, count(*) FROM ws_log WHERE table_name = 'ws_t' GROUP BY v ORDER BY v;
DROP TRIGGER zz_ws_fail ON ws_t;

-- A trigger of the statement writes to another audited table, in
-- statements of its own and in a subtransaction it rolls back: each row of
-- both tables has exactly the audit rows of what was kept.
CREATE FUNCTION ws_touch_other() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ws_other SET v = NEW.v WHERE id = NEW.id;
    BEGIN
        UPDATE ws_other SET v = 'undone' WHERE id <> NEW.id;
        RAISE EXCEPTION 'undo it';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_ws_touch AFTER UPDATE ON ws_t FOR EACH ROW EXECUTE FUNCTION ws_touch_other();
UPDATE ws_t SET v = 'f';
DROP TRIGGER zz_ws_touch ON ws_t;
SELECT table_name, v, count(*) FROM ws_log WHERE v IN ('f', 'undone')
 GROUP BY table_name, v ORDER BY table_name, v;
SELECT * FROM ws_other ORDER BY id;

-- A soft DELETE writes its audit row from its BEFORE trigger, while its
-- statement runs: run by a trigger of the statement inside a subtransaction,
-- its rows are not kept (the subtransaction would end holding them).
CREATE TABLE ws_soft (id int PRIMARY KEY);
SELECT audit_softdelete.enable('ws_soft', stamps => false);
INSERT INTO ws_soft SELECT g FROM generate_series(1, 5) g;
CREATE FUNCTION ws_delete_soft() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        DELETE FROM ws_soft WHERE id = NEW.id;
    EXCEPTION WHEN others THEN
        RAISE;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_ws_delete AFTER UPDATE ON ws_t FOR EACH ROW EXECUTE FUNCTION ws_delete_soft();
UPDATE ws_t SET v = 'g';
DROP TRIGGER zz_ws_delete ON ws_t;
SELECT count(*) AS rows_kept, count(*) FILTER (WHERE deleted_at IS NOT NULL) AS marked
  FROM ws_soft;
SELECT action, count(*) FROM audit_softdelete.audit_logs
 WHERE table_name = 'ws_soft' GROUP BY action ORDER BY action;

-- COPY fires its AFTER triggers outside any statement's finish: each row
-- is written and closed on its own, as before.
COPY ws_t (id, v) FROM stdin;
6	copied
7	copied
\.
SELECT count(*) AS copied FROM audit_softdelete.audit_logs
 WHERE table_name = 'ws_t' AND action = 'INSERT' AND new_values ->> 'v' = 'copied';

-- The log's indexes hold every row written above.
SELECT bt_index_parent_check(i.indexrelid, heapallindexed => true)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
 WHERE i.indrelid = 'audit_softdelete.audit_logs'::regclass AND a.amname = 'btree';

DROP FUNCTION ws_fail_on_3();
DROP FUNCTION ws_touch_other();
DROP FUNCTION ws_delete_soft();
DROP TABLE ws_t, ws_other, ws_soft;
DROP EXTENSION amcheck;
