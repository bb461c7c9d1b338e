-- A statement remembers the parents its rows found live, so that a bulk
-- INSERT of the children of a few parents asks once per parent.  What it
-- remembered is forgotten when a soft delete runs in the statement, or the
-- row found live changes since, and it is kept per foreign key: none may
-- let a child of a soft-deleted row in.
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

-- The same with a soft delete by an UPDATE of deleted_at, as an
-- application may write it (it takes no lock that waits for the child's):
-- the parent found live has a newer version since, and the third child,
-- asked again, is refused.
CREATE FUNCTION lps_update_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IN (102, 112) THEN
        UPDATE lps_parent SET deleted_at = now() WHERE id = NEW.parent_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_update_parent AFTER INSERT ON lps_child
    FOR EACH ROW EXECUTE FUNCTION lps_update_parent();
INSERT INTO lps_child VALUES (101, 1), (102, 1), (103, 1);
SELECT count(*) AS new_children FROM lps_child WHERE id > 100;
SELECT id, deleted_at IS NOT NULL AS deleted FROM lps_parent ORDER BY id;
-- COPY, whose AFTER triggers fire at its end too, of parent 2
COPY lps_child (id, parent_id) FROM stdin;
111	2
112	2
113	2
\.
SELECT count(*) AS new_children FROM lps_child WHERE id > 100;
SELECT id, deleted_at IS NOT NULL AS deleted FROM lps_parent ORDER BY id;
DROP TRIGGER zz_update_parent ON lps_child;

-- A trigger moves the key of parent 21 to 31 and gives 21 to parent 23,
-- soft-deleted (a deferred key lets the first two children wait for a row
-- of key 21 until commit): the third child names another row than the
-- first two did, and is refused.
INSERT INTO lps_parent VALUES (21), (23);
DELETE FROM lps_parent WHERE id = 23;
CREATE TABLE lps_moved (id int PRIMARY KEY,
                        parent_id int REFERENCES lps_parent DEFERRABLE INITIALLY DEFERRED);
CREATE FUNCTION lps_move_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 2 THEN
        UPDATE lps_parent SET id = 31 WHERE id = 21;
        UPDATE lps_parent SET id = 21 WHERE id = 23;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_move_key AFTER INSERT ON lps_moved
    FOR EACH ROW EXECUTE FUNCTION lps_move_key();
INSERT INTO lps_moved VALUES (1, 21), (2, 21), (3, 21);
SELECT count(*) FROM lps_moved;
SELECT id, deleted_at IS NOT NULL AS deleted FROM lps_parent WHERE id > 20 ORDER BY id;
DROP TABLE lps_moved;

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

-- Long keys (a text key compressed in its index): what the statement
-- remembers stays within a few megabytes, also after the statement (200
-- keys of 100 kB: 20 MB), until the next statement's check.
CREATE TABLE lps_long (k text PRIMARY KEY, deleted_at timestamptz, deleted_by text);
SELECT audit_softdelete.enable('lps_long', stamps => false);
CREATE TABLE lps_long_child (id int PRIMARY KEY, k text REFERENCES lps_long);
INSERT INTO lps_long SELECT g || repeat('x', 100000) FROM generate_series(1, 200) g;
INSERT INTO lps_long_child SELECT g, (1 + g % 200) || repeat('x', 100000) FROM generate_series(1, 400) g;
SELECT sum(total_bytes) < 8 * 1024 * 1024 AS bounded
  FROM pg_backend_memory_contexts WHERE name = 'audit_softdelete live parents';
DROP TABLE lps_long_child, lps_long;

DROP TABLE lps_ab, lps_a, lps_b, lps_child, lps_parent;
DROP FUNCTION lps_delete_parent(), lps_update_parent(), lps_move_key();
