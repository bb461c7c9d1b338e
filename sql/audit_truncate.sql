-- TRUNCATE of an audited table writes one TRUNCATE row per statement.

CREATE TABLE tr_a (id int PRIMARY KEY);
CREATE TABLE tr_b (id int PRIMARY KEY);
SELECT audit_softdelete.enable('tr_a', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('tr_b', stamps => false, soft_delete => 'off');
INSERT INTO tr_a VALUES (1), (2);
INSERT INTO tr_b VALUES (1);
TRUNCATE tr_a;
TRUNCATE tr_a, tr_b;
BEGIN;
TRUNCATE tr_b;
ROLLBACK;
SELECT table_name, action, row_pk, old_values, new_values, changed_columns
  FROM audit_softdelete.audit_logs WHERE table_name IN ('tr_a', 'tr_b') ORDER BY id;

-- The trigger function refuses to be attached any other way: when the
-- trigger is created (hand_attached), and, with that check off, when it fires.
ALTER EVENT TRIGGER audit_softdelete_verify_triggers DISABLE;
CREATE TRIGGER by_hand AFTER INSERT ON tr_a FOR EACH ROW
    EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
ALTER EVENT TRIGGER audit_softdelete_verify_triggers ENABLE ALWAYS;
INSERT INTO tr_a VALUES (9);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON tr_a;

DROP TABLE tr_a, tr_b;
