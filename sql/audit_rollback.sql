-- Rolled-back transactions and savepoints leave no audit rows; committed
-- ones leave exactly theirs.

CREATE TABLE rb_t (id int PRIMARY KEY, v int);
SELECT audit_softdelete.enable('rb_t', stamps => false, soft_delete => 'off');

BEGIN;
INSERT INTO rb_t VALUES (1, 1);
UPDATE rb_t SET v = 2;
ROLLBACK;

BEGIN;
INSERT INTO rb_t VALUES (2, 1);
SAVEPOINT s1;
UPDATE rb_t SET v = 99 WHERE id = 2;
INSERT INTO rb_t VALUES (3, 3);
ROLLBACK TO SAVEPOINT s1;
UPDATE rb_t SET v = 5 WHERE id = 2;
SAVEPOINT s2;
DELETE FROM rb_t;
RELEASE SAVEPOINT s2;
COMMIT;

-- A statement that fails halfway takes the audit rows of its first rows
-- with it.
INSERT INTO rb_t VALUES (4, 4), (4, 4);
\echo SQLSTATE :SQLSTATE

-- An error raised in a later trigger of the same statement, too.
CREATE FUNCTION rb_fail() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'refused by a later trigger'; END $$;
CREATE TRIGGER zz_fail AFTER INSERT ON rb_t FOR EACH ROW EXECUTE FUNCTION rb_fail();
INSERT INTO rb_t VALUES (5, 5);
DROP TRIGGER zz_fail ON rb_t;

SELECT action, row_pk, old_values, new_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'rb_t' ORDER BY id;

DROP TABLE rb_t;
DROP FUNCTION rb_fail();
