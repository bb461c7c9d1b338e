-- audit_logs attached by a DBA as a partition of a table of theirs: its
-- partition bound is a constraint the direct write would not check, so the
-- audit rows go through the executor, which does.
\set SHOW_CONTEXT never
CREATE TABLE awp_t (id int PRIMARY KEY, v text);
SELECT audit_softdelete.enable('awp_t', stamps => false, soft_delete => 'off');
CREATE TABLE awp_all_logs (LIKE audit_softdelete.audit_logs INCLUDING DEFAULTS INCLUDING GENERATED)
    PARTITION BY RANGE (id);
-- a bound that the rows written so far are inside of, and new ones outside
SELECT coalesce(max(id), 0) + 1 AS awp_bound FROM audit_softdelete.audit_logs \gset
ALTER TABLE awp_all_logs ATTACH PARTITION audit_softdelete.audit_logs
    FOR VALUES FROM (MINVALUE) TO (:awp_bound);
SET client_min_messages = debug1;
\set VERBOSITY terse
INSERT INTO awp_t VALUES (1, 'a');
\set VERBOSITY default
RESET client_min_messages;
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs WHERE table_name = 'awp_t';
SELECT count(*) AS rows_of_awp_t FROM awp_t;
-- with a bound that takes them, they are written, through the executor
ALTER TABLE awp_all_logs DETACH PARTITION audit_softdelete.audit_logs;
ALTER TABLE awp_all_logs ATTACH PARTITION audit_softdelete.audit_logs
    FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
SET client_min_messages = debug1;
INSERT INTO awp_t VALUES (2, 'b');
RESET client_min_messages;
SELECT action, row_pk FROM awp_all_logs WHERE table_name = 'awp_t';
-- detached, directly again
ALTER TABLE awp_all_logs DETACH PARTITION audit_softdelete.audit_logs;
SET client_min_messages = debug1;
INSERT INTO awp_t VALUES (3, 'c');
RESET client_min_messages;
SELECT action, row_pk FROM audit_softdelete.audit_logs WHERE table_name = 'awp_t' ORDER BY id;

DROP TABLE awp_all_logs, awp_t;
