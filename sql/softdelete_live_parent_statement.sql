-- A statement remembers the parents its rows found live, so that a bulk
-- INSERT of the children of a few parents asks once per parent.  What it
-- remembered is forgotten when a soft delete runs in the statement, and it
-- is kept per foreign key: neither may let a child of a soft-deleted row in.
\set VERBOSITY default

CREATE TABLE lps_parent (id int PRIMARY KEY, deleted_at timestamptz, deleted_by text);
SELECT audit_softdelete.enable('lps_parent', stamps => false);
CREATE TABLE lps_child (id int PRIMARY KEY,
                        parent_id int REFERENCES lps_parent ON DELETE CASCADE,
                        deleted_at timestamptz, deleted_by text);
SELECT audit_softdelete.enable('lps_child', stamps => false);
INSERT INTO lps_parent VALUES (1), (2);

-- many children of two parents in one statement
INSERT INTO lps_child SELECT g, 1 + g % 2 FROM generate_series(1, 100) g;
SELECT parent_id, count(*) FROM lps_child GROUP BY parent_id ORDER BY parent_id;

-- A trigger of the statement soft-deletes parent 1 after its second new
-- child was checked (and remembered): the third is refused, and the
-- statement leaves nothing behind.
CREATE FUNCTION lps_delete_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 102 THEN
        DELETE FROM lps_parent WHERE id = NEW.parent_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_delete_parent AFTER INSERT ON lps_child
    FOR EACH ROW EXECUTE FUNCTION lps_delete_parent();
INSERT INTO lps_child VALUES (101, 1), (102, 1), (103, 1);
SELECT count(*) AS new_children FROM lps_child WHERE id > 100;
SELECT id, deleted_at IS NOT NULL AS deleted FROM lps_parent ORDER BY id;
SELECT count(*) AS deleted_children FROM lps_child WHERE deleted_at IS NOT NULL;
DROP TRIGGER zz_delete_parent ON lps_child;

-- The same in a transaction, statement by statement: what one statement
-- found live does not outlive it.
BEGIN;
INSERT INTO lps_child VALUES (201, 2), (202, 2);
DELETE FROM lps_parent WHERE id = 2;
INSERT INTO lps_child VALUES (203, 2), (204, 2);
ROLLBACK;

-- Two keys whose values are the same bytes: parent 1 of lps_a is live,
-- parent 1 of lps_b soft-deleted.
CREATE TABLE lps_a (id int PRIMARY KEY, deleted_at timestamptz, deleted_by text);
CREATE TABLE lps_b (id int PRIMARY KEY, deleted_at timestamptz, deleted_by text);
SELECT audit_softdelete.enable('lps_a', stamps => false);
SELECT audit_softdelete.enable('lps_b', stamps => false);
INSERT INTO lps_a VALUES (1);
INSERT INTO lps_b VALUES (1);
DELETE FROM lps_b WHERE id = 1;
CREATE TABLE lps_ab (id int PRIMARY KEY,
                     a_id int REFERENCES lps_a, b_id int REFERENCES lps_b);
INSERT INTO lps_ab VALUES (1, 1, NULL), (2, 1, NULL), (3, 1, 1);
SELECT count(*) FROM lps_ab;
INSERT INTO lps_ab VALUES (1, 1, NULL), (2, 1, NULL), (3, 1, NULL);
SELECT count(*) FROM lps_ab;

-- A savepoint rolled back inside a transaction releases its locks; the
-- children inserted after it are checked again.
BEGIN;
SAVEPOINT s;
INSERT INTO lps_child VALUES (301, 2), (302, 2);
ROLLBACK TO SAVEPOINT s;
DELETE FROM lps_parent WHERE id = 2;
INSERT INTO lps_child VALUES (303, 2);
ROLLBACK;

DROP TABLE lps_ab, lps_a, lps_b, lps_child, lps_parent;
DROP FUNCTION lps_delete_parent();
