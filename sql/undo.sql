-- undo() and undo_transaction(): logged changes taken back as new, audited
-- writes, refused over a later change of the same columns unless forced.
\set test_db db_asd_undo
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';

-- the audit rows from :from on, stamps left out
CREATE FUNCTION trail(from_id bigint) RETURNS TABLE (id bigint, tbl text, action text,
                                                     old jsonb, new jsonb, context jsonb)
LANGUAGE sql AS $$
    SELECT l.id, l.table_name, l.action,
           l.old_values - '{created_at,created_by,updated_at,updated_by}'::text[],
           l.new_values - '{created_at,created_by,updated_at,updated_by}'::text[],
           l.context
      FROM audit_softdelete.audit_logs l WHERE l.id >= from_id ORDER BY l.id $$;
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE "Items" (id int PRIMARY KEY, name text, qty int,
                      total int GENERATED ALWAYS AS (qty * 10) STORED);
INSERT INTO "Items" (id, name, qty) VALUES (1, 'bolt', 1), (2, 'nut', 2);
SELECT audit_softdelete.enable('"Items"');

-- UPDATE: the old values of its changed columns come back; the undo is
-- logged, its context names the audit row, and it can be undone in turn
UPDATE "Items" SET qty = 10, name = 'big bolt' WHERE id = 1;
SELECT last_id() AS a \gset
UPDATE "Items" SET qty = 5 WHERE id = 2;
SELECT audit_softdelete.undo(:a);
SELECT id, name, qty, total, updated_by FROM "Items" ORDER BY id;
SELECT * FROM trail(:a);
SELECT audit_softdelete.undo(last_id());
SELECT id, name, qty FROM "Items" WHERE id = 1;

-- a later change of a column it would write: refused, naming the columns
-- and the audit rows; nothing written; force overwrites.  A later change
-- of other columns is no conflict.
UPDATE "Items" SET qty = 11 WHERE id = 1;
SELECT last_id() AS a \gset
UPDATE "Items" SET name = 'other' WHERE id = 1;
UPDATE "Items" SET qty = 12 WHERE id = 1;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a));
SELECT last_id() = :a + 2 AS nothing_written;
SELECT audit_softdelete.undo(:a + 1);                -- the name: no conflict
SELECT audit_softdelete.undo(:a, force => true);
SELECT id, name, qty FROM "Items" WHERE id = 1;

-- INSERT: the row is soft-deleted; SOFT_DELETE: restored; RESTORE:
-- soft-deleted again; a hard DELETE: the whole row back, created_* kept
INSERT INTO "Items" (id, name, qty) VALUES (3, 'gear', 3);
SELECT audit_softdelete.undo(last_id());
SELECT id, deleted_at IS NOT NULL AS deleted FROM "Items" WHERE id = 3;
SELECT audit_softdelete.undo(last_id());            -- undo the undo: restored
SELECT id, deleted_at IS NOT NULL AS deleted FROM "Items" WHERE id = 3;
SELECT audit_softdelete.undo(last_id());            -- a RESTORE: deleted again
SELECT id, deleted_at IS NOT NULL AS deleted FROM "Items" WHERE id = 3;
SELECT created_at AS created_2, coalesce(created_by, '-') AS creator_2 FROM "Items" WHERE id = 2 \gset
SET audit_softdelete.hard_delete = on;
DELETE FROM "Items" WHERE id = 2;
RESET audit_softdelete.hard_delete;
BEGIN;
SELECT audit_softdelete.set_actor('restorer');
SELECT audit_softdelete.undo(last_id());
COMMIT;
SELECT id, name, qty, total, created_at = :'created_2' AS same_created,
       coalesce(created_by, '-') = :'creator_2' AS same_creator, updated_by
  FROM "Items" WHERE id = 2;
SELECT action, context FROM audit_softdelete.audit_logs WHERE id = last_id();
-- a DELETE whose key has come back since cannot be undone
SET audit_softdelete.hard_delete = on;
DELETE FROM "Items" WHERE id = 2;
RESET audit_softdelete.hard_delete;
SELECT last_id() AS d \gset
INSERT INTO "Items" (id, name, qty) VALUES (2, 'new nut', 7);
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :d));

-- A soft delete's cascade is restored with it.
CREATE TABLE u_orders (id int PRIMARY KEY);
CREATE TABLE u_lines (id int PRIMARY KEY, order_id int REFERENCES u_orders ON DELETE CASCADE);
INSERT INTO u_orders VALUES (1);
INSERT INTO u_lines VALUES (1, 1), (2, 1);
SELECT audit_softdelete.enable('u_orders', stamps => false);
SELECT audit_softdelete.enable('u_lines', stamps => false);
DELETE FROM u_orders WHERE id = 1;
SELECT id AS soft_delete_id FROM audit_softdelete.audit_logs
 WHERE table_name = 'u_orders' AND action = 'SOFT_DELETE' \gset
SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted_lines FROM u_lines;
SELECT audit_softdelete.undo(:soft_delete_id);
SELECT (SELECT deleted_at IS NULL FROM u_orders) AS order_back,
       count(*) FILTER (WHERE deleted_at IS NULL) AS lines_back FROM u_lines;

-- undo_transaction: every change, newest first, across tables, in an order
-- the foreign keys accept (here physical deletes: soft delete off)
CREATE TABLE u_parents (id int PRIMARY KEY, note text);
CREATE TABLE u_children (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES u_parents);
INSERT INTO u_parents VALUES (1, 'kept');
SELECT audit_softdelete.enable('u_parents', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('u_children', stamps => false, soft_delete => 'off');
BEGIN;
INSERT INTO u_parents VALUES (2, 'new');
INSERT INTO u_children VALUES (20, 2);
UPDATE u_parents SET note = 'changed' WHERE id = 1;
UPDATE u_parents SET note = 'changed twice' WHERE id = 1;
SELECT pg_current_xact_id() AS tx \gset
COMMIT;
SELECT last_id() AS before_undo \gset
SELECT audit_softdelete.undo_transaction(:'tx');
SELECT * FROM u_parents ORDER BY id;
SELECT count(*) AS children FROM u_children;
SELECT tbl, action, old, new, context ->> 'undo' IS NOT NULL AS marked
  FROM trail(:before_undo + 1);
-- the whole transaction's changes can be undone in turn
SELECT audit_softdelete.undo_transaction(txid) FROM audit_softdelete.audit_logs
 WHERE id = last_id();
SELECT * FROM u_parents ORDER BY id;

-- every change is checked before anything is written
BEGIN;
UPDATE u_parents SET note = 'a' WHERE id = 1;
UPDATE u_parents SET note = 'b' WHERE id = 2;
SELECT pg_current_xact_id() AS tx \gset
COMMIT;
UPDATE u_parents SET note = 'later' WHERE id = 2;
SELECT last_id() AS before_undo \gset
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L)', :'tx'));
SELECT last_id() = :before_undo AS nothing_written, note FROM u_parents WHERE id = 1;
SELECT audit_softdelete.undo_transaction(:'tx', force => true);
SELECT * FROM u_parents ORDER BY id;

-- Column names as they are today: a column renamed since is followed; one
-- dropped since is skipped, with a NOTICE.
CREATE TABLE u_cols (id int PRIMARY KEY, a int, b int);
INSERT INTO u_cols VALUES (1, 1, 1);
SELECT audit_softdelete.enable('u_cols', stamps => false, soft_delete => 'off');
UPDATE u_cols SET a = 2, b = 2;
SELECT last_id() AS a \gset
ALTER TABLE u_cols RENAME COLUMN a TO a_renamed;
ALTER TABLE u_cols DROP COLUMN b;
SELECT audit_softdelete.undo(:a);
SELECT * FROM u_cols;

-- View mode: an INSERT is undone through the live view (a soft delete).
CREATE TABLE u_viewed (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('u_viewed', stamps => false, soft_delete => 'view');
INSERT INTO u_viewed VALUES (1, 1);
SELECT audit_softdelete.undo(last_id());
SELECT count(*) AS live FROM u_viewed;
SELECT id, deleted_at IS NOT NULL AS deleted FROM u_viewed_all;
SELECT audit_softdelete.undo(last_id());
SELECT count(*) AS live FROM u_viewed;

-- Refused: what cannot be undone, or not by this caller.
CREATE TABLE u_secret (id int PRIMARY KEY, pin text);
INSERT INTO u_secret VALUES (1, '1');
SELECT audit_softdelete.enable('u_secret', stamps => false, soft_delete => 'off',
                               redact_columns => '{pin}');
UPDATE u_secret SET pin = '2';
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', last_id()));
SET audit_softdelete.hard_delete = on;
TRUNCATE u_secret;
RESET audit_softdelete.hard_delete;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', last_id()));
SELECT audit_softdelete.enable('u_secret', stamps => true, soft_delete => 'off',
                               redact_columns => '{pin}');
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', last_id()));
SELECT show_error('SELECT audit_softdelete.undo(-1)');
SELECT show_error('SELECT audit_softdelete.undo_transaction(''1'')');
SELECT show_error('SELECT audit_softdelete.undo(NULL)');
SELECT id AS a FROM audit_softdelete.audit_logs WHERE table_name = 'u_cols' ORDER BY id LIMIT 1 \gset
SELECT audit_softdelete.disable('u_cols');
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a));
DROP TABLE u_cols;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :a));

CREATE ROLE u_clerk;
GRANT SELECT ON audit_softdelete.audit_logs TO u_clerk;
GRANT SELECT ON u_parents TO u_clerk;
SET ROLE u_clerk;
SELECT show_error(format('SELECT audit_softdelete.undo_transaction(%L, force => true)', :'tx'));
RESET ROLE;

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE u_clerk;
