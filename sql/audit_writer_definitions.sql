-- The audit row is written directly only while audit_logs is exactly as the
-- extension made it: a default, generated expression or CHECK constraint
-- that a DBA redefined (even under the same name) sends it through the
-- executor, which honours it, and restoring the extension's definition
-- brings the direct write back.  DEBUG1 says which way each verdict went;
-- it is made once per change of audit_logs.
\set SHOW_CONTEXT never

CREATE TABLE awd_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('awd_t', stamps => false, soft_delete => 'off');
CREATE TEMP VIEW awd_log AS
SELECT action, row_pk, logged_at = '2000-01-01 00:00+00' AS logged_at_2000,
       migration_id
  FROM audit_softdelete.audit_logs WHERE table_name = 'awd_t';

-- as installed: directly
ALTER TABLE audit_softdelete.audit_logs ALTER logged_at SET DEFAULT pg_catalog.statement_timestamp();
SET client_min_messages = debug1;
INSERT INTO awd_t VALUES (1, 'a');
RESET client_min_messages;

-- a default of the DBA's is what the audit rows get
ALTER TABLE audit_softdelete.audit_logs ALTER logged_at SET DEFAULT '2000-01-01 00:00+00';
SET client_min_messages = debug1;
INSERT INTO awd_t VALUES (2, 'b');
RESET client_min_messages;
INSERT INTO awd_t VALUES (3, 'c');
SELECT * FROM awd_log ORDER BY row_pk;
ALTER TABLE audit_softdelete.audit_logs ALTER logged_at SET DEFAULT pg_catalog.statement_timestamp();
SET client_min_messages = debug1;
INSERT INTO awd_t VALUES (4, 'd');
RESET client_min_messages;
SELECT * FROM awd_log WHERE row_pk = '{"id": 4}';

-- a default for migration_id, which audit rows leave to its default
ALTER TABLE audit_softdelete.audit_logs ALTER migration_id SET DEFAULT 7;
SET client_min_messages = debug1;
UPDATE awd_t SET v = 'aa' WHERE id = 1;
RESET client_min_messages;
SELECT * FROM awd_log WHERE action = 'UPDATE';
ALTER TABLE audit_softdelete.audit_logs ALTER migration_id DROP DEFAULT;

-- the CHECK redefined under its own name refuses DELETE: so does the
-- audited DELETE, which leaves the row in place
ALTER TABLE audit_softdelete.audit_logs DROP CONSTRAINT audit_logs_action_check,
    ADD CONSTRAINT audit_logs_action_check
        CHECK (action IN ('INSERT', 'UPDATE', 'SOFT_DELETE', 'RESTORE', 'TRUNCATE',
                          'ENABLE', 'CONFIGURE', 'DISABLE'))
        NOT VALID;   -- earlier tests' DELETE rows stay
SET client_min_messages = debug1;
\set VERBOSITY terse
DELETE FROM awd_t WHERE id = 2;
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
RESET client_min_messages;
SELECT count(*) AS row_2_kept FROM awd_t WHERE id = 2;
-- the extension's definition again: directly, and DELETE passes
ALTER TABLE audit_softdelete.audit_logs DROP CONSTRAINT audit_logs_action_check,
    ADD CONSTRAINT audit_logs_action_check
        CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'SOFT_DELETE', 'RESTORE', 'TRUNCATE',
                          'ENABLE', 'CONFIGURE', 'DISABLE'));
SET client_min_messages = debug1;
DELETE FROM awd_t WHERE id = 2;
RESET client_min_messages;
SELECT action, row_pk FROM awd_log WHERE action = 'DELETE';


DROP VIEW awd_log;
DROP TABLE awd_t;
