-- The audit trail: one row per change, a JSONB diff of the row.

CREATE TABLE ab_items (id int PRIMARY KEY, name text, qty int, note text);
SELECT audit_softdelete.enable('ab_items', stamps => false, soft_delete => 'off');

-- A view of the trail for this test, without ids, times or txids.
CREATE TEMP VIEW ab_log AS
SELECT action, row_pk, old_values, new_values, changed_columns, actor
  FROM audit_softdelete.audit_logs
 WHERE table_id = (SELECT table_id FROM audit_softdelete.tracked_tables
                    WHERE relid = 'ab_items'::regclass)
 ORDER BY id;

BEGIN;
SELECT audit_softdelete.set_actor('alice');
-- INSERT: the whole new row
INSERT INTO ab_items VALUES (1, 'apple', 3, NULL)
RETURNING statement_timestamp() AS insert_at \gset
-- UPDATE: only the changed columns, before and after, in column order
UPDATE ab_items SET note = 'fresh', qty = 4 WHERE id = 1
RETURNING statement_timestamp() AS update_at \gset
-- an UPDATE that changes nothing writes nothing
UPDATE ab_items SET qty = 4 WHERE id = 1;
UPDATE ab_items SET name = name;
-- DELETE: the whole old row
DELETE FROM ab_items WHERE id = 1
RETURNING statement_timestamp() AS delete_at \gset
COMMIT;
SELECT * FROM ab_log;

-- The audit row's bookkeeping columns.
SELECT DISTINCT table_oid = 'ab_items'::regclass AS table_oid_ok,
       schema_name, table_name,
       db_user = session_user AS db_user_ok,
       application_name = current_setting('application_name') AS application_name_ok,
       client_addr IS NULL AS unix_socket,
       migration_id
  FROM audit_softdelete.audit_logs WHERE table_name = 'ab_items';
-- one transaction's rows share its txid, in insert order, each at its own
-- statement's time (not the transaction's)
SELECT count(DISTINCT txid) AS txids, count(*) AS rows,
       bool_and(logged_at = CASE action WHEN 'INSERT' THEN :'insert_at'::timestamptz
                                        WHEN 'UPDATE' THEN :'update_at'::timestamptz
                                        WHEN 'DELETE' THEN :'delete_at'::timestamptz END)
           AS logged_at_statement_time
  FROM audit_softdelete.audit_logs WHERE table_name = 'ab_items';

-- jsonb_populate_record() rebuilds the row from what was logged.
INSERT INTO ab_items VALUES (2, 'pear', 1, 'ripe');
SELECT (jsonb_populate_record(NULL::ab_items, new_values)).*
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'ab_items' AND action = 'INSERT' AND row_pk = '{"id": 2}';

-- A composite primary key names every column of it; a table without one
-- logs row_pk NULL.
CREATE TABLE ab_pairs (a int, b text, v int, PRIMARY KEY (b, a));
CREATE TABLE ab_nokey (v int);
SELECT audit_softdelete.enable('ab_pairs', stamps => false, soft_delete => 'off');
SELECT audit_softdelete.enable('ab_nokey', stamps => false, soft_delete => 'off');
INSERT INTO ab_pairs VALUES (1, 'x', 10);
UPDATE ab_pairs SET v = 11;
INSERT INTO ab_nokey VALUES (5);
UPDATE ab_nokey SET v = 6;
SELECT table_name, action, row_pk, old_values, new_values
  FROM audit_softdelete.audit_logs WHERE table_name IN ('ab_pairs', 'ab_nokey') ORDER BY id;

-- With stamps on, a real change logs the old stamps with it; an UPDATE
-- that only tries to change the stamps writes nothing.
CREATE TABLE ab_stamped (id int PRIMARY KEY, v int);
SELECT audit_softdelete.enable('ab_stamped', soft_delete => 'off');
BEGIN;
SELECT audit_softdelete.set_actor('ann');
INSERT INTO ab_stamped (id, v) VALUES (1, 1);
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('bob');
UPDATE ab_stamped SET v = 2;
UPDATE ab_stamped SET updated_by = 'mallory', created_by = 'mallory';
COMMIT;
SELECT action, changed_columns, new_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'ab_stamped' ORDER BY id;
-- the new stamps are left out of new_values and changed_columns: the audit
-- row implies them (its xact_start and actor are the row's updated_*), and
-- its old_values keep the old ones
SELECT l.xact_start = s.updated_at AS updated_at_is_xact_start,
       l.actor = s.updated_by AS updated_by_is_actor,
       l.old_values ->> 'updated_by' AS old_updated_by,
       (l.old_values ->> 'updated_at')::timestamptz = i.xact_start AS old_updated_at_logged
  FROM audit_softdelete.audit_logs l, audit_softdelete.audit_logs i, ab_stamped s
 WHERE l.table_name = 'ab_stamped' AND l.action = 'UPDATE'
   AND i.table_name = 'ab_stamped' AND i.action = 'INSERT';

-- audit => false keeps the stamps and writes no audit rows of the table's
-- writes (its own change of options is one: CONFIGURE).
SELECT audit_softdelete.enable('ab_stamped', soft_delete => 'off', audit => false);
SELECT tgname FROM pg_trigger WHERE tgrelid = 'ab_stamped'::regclass ORDER BY 1;
UPDATE ab_stamped SET v = 3;
SELECT count(*) AS rows_after_audit_off FROM audit_softdelete.audit_logs WHERE table_name = 'ab_stamped';
-- and back on
SELECT audit_softdelete.enable('ab_stamped', soft_delete => 'off');
UPDATE ab_stamped SET v = 4;
SELECT count(*) AS rows_after_audit_on FROM audit_softdelete.audit_logs WHERE table_name = 'ab_stamped';

-- Disabling keeps every audit row; enabling again continues the same
-- table_id, and renaming the table keeps it too.
SELECT table_id AS ab_items_id FROM audit_softdelete.tracked_tables
 WHERE relid = 'ab_items'::regclass \gset
SELECT audit_softdelete.disable('ab_items');
INSERT INTO ab_items VALUES (3, 'plum', 1, NULL);
SELECT count(*) AS rows_kept FROM audit_softdelete.audit_logs WHERE table_id = :ab_items_id;
ALTER TABLE ab_items RENAME TO ab_things;
SELECT audit_softdelete.enable('ab_things', stamps => false, soft_delete => 'off');
UPDATE ab_things SET qty = 2 WHERE id = 3;
SELECT table_name, action, row_pk, changed_columns
  FROM audit_softdelete.audit_logs WHERE table_id = :ab_items_id ORDER BY id;

DROP VIEW ab_log;
DROP TABLE ab_things, ab_pairs, ab_nokey, ab_stamped;
