-- set_context() attaches a JSON document to the audit rows of one
-- transaction, like set_actor().

CREATE TABLE ctx_t (id int PRIMARY KEY);
SELECT audit_softdelete.enable('ctx_t', stamps => false, soft_delete => 'off');

BEGIN;
SELECT audit_softdelete.set_context('{"request_id": "req-1", "path": "/orders"}');
INSERT INTO ctx_t VALUES (1);
SHOW audit_softdelete.context;
SELECT audit_softdelete.set_context('{"request_id": "req-2"}');
INSERT INTO ctx_t VALUES (2);
COMMIT;
-- gone after COMMIT, and after ROLLBACK
INSERT INTO ctx_t VALUES (3);
BEGIN;
SELECT audit_softdelete.set_context('{"ticket": 7}');
ROLLBACK;
INSERT INTO ctx_t VALUES (4);
-- SET LOCAL works too; NULL clears
BEGIN;
SET LOCAL audit_softdelete.context = '{"job": "nightly"}';
INSERT INTO ctx_t VALUES (5);
SELECT audit_softdelete.set_context(NULL);
INSERT INTO ctx_t VALUES (6);
COMMIT;
SELECT row_pk, context FROM audit_softdelete.audit_logs WHERE table_name = 'ctx_t' ORDER BY id;

-- A context that is not JSON is refused when it is set.
BEGIN;
SET LOCAL audit_softdelete.context = 'not json';
\echo SQLSTATE :SQLSTATE
ROLLBACK;
SELECT audit_softdelete.set_context('{"unterminated": ');
\echo SQLSTATE :SQLSTATE

DROP TABLE ctx_t;
