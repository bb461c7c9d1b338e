-- The key "undo" of audit_softdelete.context is undo's own: undo() takes a
-- later audit row carrying {"undo": {"audit_id": N}} for the undo of audit
-- row N, and leaves both out of its check of later changes.  A role that
-- could set it would hide another role's later change from that check,
-- and an undo would overwrite it without force.  Only undo sets it.
\set SHOW_CONTEXT never
CREATE ROLE ucr_writer;
CREATE TABLE ucr_t (id int PRIMARY KEY, a text, b text);
SELECT audit_softdelete.enable('ucr_t', stamps => false, soft_delete => 'off');
INSERT INTO ucr_t VALUES (1, 'a0', 'b0');
GRANT SELECT, UPDATE ON ucr_t TO ucr_writer;
UPDATE ucr_t SET a = 'a1';                 -- the change to undo
SELECT max(id) AS first_id FROM audit_softdelete.audit_logs \gset
UPDATE ucr_t SET a = 'a2';                 -- a later change of the same column
SELECT max(id) AS later_id FROM audit_softdelete.audit_logs \gset

-- the writer cannot mark its change as the undo of the later one
SET ROLE ucr_writer;
\set VERBOSITY default
SELECT audit_softdelete.set_context(format('{"undo": {"audit_id": %s}}', :later_id)::jsonb);
\set VERBOSITY terse
SELECT format('{"undo": {"audit_id": %s}}', :later_id) AS forged \gset
SET audit_softdelete.context = :'forged';
UPDATE ucr_t SET b = 'b1';
RESET audit_softdelete.context;
SET audit_softdelete.context = '{"\u0075ndo": true}';
-- a key "undo" of its own, nested, is the writer's
BEGIN;
SELECT audit_softdelete.set_context('{"app": {"undo": "button"}}');
UPDATE ucr_t SET b = 'b2';
COMMIT;
RESET ROLE;

-- so the undo still sees the later change of "a", and is refused (55000)
\set VERBOSITY sqlstate
SELECT audit_softdelete.undo(:first_id);
\set VERBOSITY terse
SELECT a, b FROM ucr_t;

-- undo's own rows carry the key, added to the caller's context, which is
-- the caller's again after the undo
BEGIN;
SELECT audit_softdelete.set_context('{"ticket": 12}');
SELECT audit_softdelete.undo(:first_id, force => true);
SELECT current_setting('audit_softdelete.context') AS context_after;
COMMIT;
SELECT action, new_values, context - 'undo' AS context,
       context -> 'undo' ->> 'audit_id' = :'first_id' AS undoes_first
  FROM audit_softdelete.audit_logs WHERE table_name = 'ucr_t' AND id > :later_id ORDER BY id;

DROP TABLE ucr_t;
DROP ROLE ucr_writer;
