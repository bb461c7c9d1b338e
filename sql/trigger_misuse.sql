-- The trigger function refuses to run anywhere enable() would not put it.
-- Such triggers are refused when created (hand_attached); these are the
-- checks made when they fire, with that check switched off.
\set VERBOSITY default
ALTER EVENT TRIGGER audit_softdelete_verify_triggers DISABLE;

CREATE TABLE misuse_t (id int, created_at timestamptz, created_by text,
                       updated_at timestamptz, updated_by text);
INSERT INTO misuse_t (id) VALUES (1);

-- Called directly.
SELECT audit_softdelete.stamp_trigger();
\echo SQLSTATE :SQLSTATE

-- Attached by hand to a table that was never enabled.
CREATE TRIGGER by_hand BEFORE INSERT OR UPDATE ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
INSERT INTO misuse_t (id) VALUES (2);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

SELECT audit_softdelete.enable('misuse_t', soft_delete => 'off');

-- FOR EACH STATEMENT
CREATE TRIGGER by_hand BEFORE INSERT ON misuse_t
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.stamp_trigger();
INSERT INTO misuse_t (id) VALUES (3);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

-- AFTER instead of BEFORE
CREATE TRIGGER by_hand AFTER UPDATE ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
UPDATE misuse_t SET id = id;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

-- BEFORE DELETE
CREATE TRIGGER by_hand BEFORE DELETE ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
DELETE FROM misuse_t;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

-- On a table enabled with stamps off.
SELECT audit_softdelete.enable('misuse_t', stamps => false, soft_delete => 'off');
CREATE TRIGGER by_hand BEFORE INSERT ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
INSERT INTO misuse_t (id) VALUES (4);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

-- The audit trigger functions refuse the same way.
SELECT audit_softdelete.audit_trigger();
\echo SQLSTATE :SQLSTATE
CREATE TRIGGER by_hand BEFORE INSERT ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
INSERT INTO misuse_t (id) VALUES (5);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;
CREATE TRIGGER by_hand AFTER INSERT ON misuse_t
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_trigger();
INSERT INTO misuse_t (id) VALUES (5);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;
-- on a table enabled with audit off
SELECT audit_softdelete.enable('misuse_t', stamps => false, soft_delete => 'off', audit => false);
CREATE TRIGGER by_hand AFTER INSERT ON misuse_t
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
INSERT INTO misuse_t (id) VALUES (5);
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;
CREATE TRIGGER by_hand AFTER TRUNCATE ON misuse_t
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
TRUNCATE misuse_t;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER by_hand ON misuse_t;

ALTER EVENT TRIGGER audit_softdelete_verify_triggers ENABLE ALWAYS;

-- None of those statements wrote a row.
SELECT id FROM misuse_t ORDER BY id;

DROP TABLE misuse_t;
