-- The audit row is written directly while audit_logs is as the extension
-- made it, and through the executor when a DBA has added something only the
-- executor honours (a trigger, an expression index): either way, the same
-- row, and what the DBA added works.

CREATE TABLE aw_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('aw_t', stamps => false, soft_delete => 'off');
CREATE TEMP VIEW aw_log AS
SELECT id > 0 AS has_id, logged_at BETWEEN now() AND statement_timestamp() AS logged_in_txn,
       txid = pg_current_xact_id() AS this_txid, table_name, action, row_pk,
       row_pk_hash = pg_catalog.jsonb_hash_extended(row_pk, 0) AS row_pk_hash_ok,
       new_values, actor, db_user = session_user AS db_user_ok,
       application_name = current_setting('application_name') AS app_ok,
       context, migration_id
  FROM audit_softdelete.audit_logs WHERE table_name = 'aw_t';

-- directly
BEGIN;
SELECT audit_softdelete.set_actor('direct');
SELECT audit_softdelete.set_context('{"path": "direct"}');
INSERT INTO aw_t VALUES (1, 'a');
SELECT * FROM aw_log ORDER BY row_pk;
COMMIT;

-- a trigger on audit_logs (here: copying rows elsewhere) is honoured
CREATE TABLE aw_copies (action text, row_pk jsonb);
CREATE FUNCTION aw_copy() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO aw_copies VALUES (NEW.action, NEW.row_pk); RETURN NEW; END $$;
CREATE TRIGGER aw_copy AFTER INSERT ON audit_softdelete.audit_logs
    FOR EACH ROW EXECUTE FUNCTION aw_copy();
BEGIN;
SELECT audit_softdelete.set_actor('through the executor');
SELECT audit_softdelete.set_context('{"path": "executor"}');
INSERT INTO aw_t VALUES (2, 'b');
SELECT * FROM aw_log WHERE row_pk = '{"id": 2}';
COMMIT;
SELECT * FROM aw_copies;
DROP TRIGGER aw_copy ON audit_softdelete.audit_logs;

-- an expression index is maintained
CREATE INDEX aw_actor_lower ON audit_softdelete.audit_logs (lower(actor));
BEGIN;
SELECT audit_softdelete.set_actor('Expression-Index');
INSERT INTO aw_t VALUES (3, 'c');
COMMIT;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM audit_softdelete.audit_logs
 WHERE lower(actor) = 'expression-index';
SELECT count(*) AS found_through_expression_index FROM audit_softdelete.audit_logs
 WHERE lower(actor) = 'expression-index';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX audit_softdelete.aw_actor_lower;

-- a CHECK constraint of the DBA's is enforced
ALTER TABLE audit_softdelete.audit_logs ADD CONSTRAINT aw_no_forbidden CHECK (actor <> 'forbidden');
BEGIN;
SELECT audit_softdelete.set_actor('forbidden');
\set VERBOSITY terse
INSERT INTO aw_t VALUES (5, 'e');
\set VERBOSITY default
\echo SQLSTATE :SQLSTATE
ROLLBACK;
ALTER TABLE audit_softdelete.audit_logs DROP CONSTRAINT aw_no_forbidden;

-- a rule that swallows the audit row refuses the change instead
CREATE RULE aw_swallow AS ON INSERT TO audit_softdelete.audit_logs DO INSTEAD NOTHING;
INSERT INTO aw_t VALUES (6, 'f');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS row_6 FROM aw_t WHERE id = 6;
DROP RULE aw_swallow ON audit_softdelete.audit_logs;

-- and back to the direct path
INSERT INTO aw_t VALUES (4, 'd');
SELECT count(*) AS rows_logged, count(DISTINCT id) AS distinct_ids
  FROM audit_softdelete.audit_logs WHERE table_name = 'aw_t';

DROP VIEW aw_log;
DROP TABLE aw_t, aw_copies;
DROP FUNCTION aw_copy();
