-- View mode and the audit trail: audit rows name a table in view mode by
-- the name the application uses, its live view's, before, during and after
-- view mode; table_id stays the key and row_history takes either name.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE va_docs (id int PRIMARY KEY, title text);
SELECT audit_softdelete.enable('va_docs');
SELECT table_id AS docs_id FROM audit_softdelete.tracked_tables
 WHERE relid = 'va_docs'::regclass \gset
INSERT INTO va_docs VALUES (1, 'in trigger mode');
SELECT audit_softdelete.enable('va_docs', soft_delete => 'view');
INSERT INTO va_docs VALUES (2, 'draft');
UPDATE va_docs SET title = 'final' WHERE id = 2;
DELETE FROM va_docs WHERE id = 2;
SELECT audit_softdelete.restore('va_docs', '{"id": 2}');
-- a write straight to the table is logged under the same name
UPDATE va_docs_all SET title = 'edited on the table' WHERE id = 1;
SELECT audit_softdelete.enable('va_docs', soft_delete => 'trigger');
UPDATE va_docs SET title = 'back in trigger mode' WHERE id = 1;

SELECT table_name, action, row_pk, table_oid = 'va_docs'::regclass AS table_oid_is_the_table
  FROM audit_softdelete.audit_logs WHERE table_id = :docs_id ORDER BY id;

-- row_history by the view's name and by the table's gives the same rows
SELECT audit_softdelete.enable('va_docs', soft_delete => 'view');
SELECT table_name, action FROM audit_softdelete.row_history('va_docs', '{"id": 2}');
SELECT count(*) AS by_table_name FROM audit_softdelete.row_history('va_docs_all', '{"id": 2}');

-- purge() and a TRUNCATE allowed by hard_delete are logged under it too
DELETE FROM va_docs WHERE id = 2;
UPDATE va_docs_all SET deleted_at = deleted_at - interval '2 days' WHERE id = 2;
SELECT audit_softdelete.purge('va_docs', interval '1 day');
SET audit_softdelete.hard_delete = on;
TRUNCATE va_docs_all;
RESET audit_softdelete.hard_delete;
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_id = :docs_id AND action IN ('DELETE', 'TRUNCATE') ORDER BY id;

-- An error that quotes PostgreSQL's own foreign key message still names the
-- table that holds the rows.
INSERT INTO va_docs VALUES (3, 'referenced');
CREATE TABLE va_notes (id int PRIMARY KEY, doc_id int REFERENCES va_docs_all ON DELETE RESTRICT);
INSERT INTO va_notes VALUES (30, 3);
DELETE FROM va_docs WHERE id = 3;
\echo SQLSTATE :SQLSTATE

-- A partitioned table in view mode: its partitions' rows are logged under
-- the view's name; a partition truncated on its own is named itself.
CREATE TABLE va_events (id int, day int, note text, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE va_events_1 PARTITION OF va_events FOR VALUES IN (1);
CREATE TABLE va_events_2 PARTITION OF va_events FOR VALUES IN (2);
SELECT audit_softdelete.enable('va_events', soft_delete => 'view');
SELECT table_id AS events_id FROM audit_softdelete.tracked_tables
 WHERE relid = 'va_events_all'::regclass \gset
INSERT INTO va_events VALUES (1, 1, 'a');
UPDATE va_events SET day = 2 WHERE id = 1;
DELETE FROM va_events WHERE id = 1;
SET audit_softdelete.hard_delete = on;
TRUNCATE va_events_2;
RESET audit_softdelete.hard_delete;
SELECT table_name, action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_id = :events_id ORDER BY id;
SELECT count(*) AS events_history FROM audit_softdelete.row_history('va_events', '{"id": 1, "day": 2}');
SELECT count(*) AS from_partition FROM audit_softdelete.row_history('va_events_2', '{"id": 1, "day": 2}');

DROP TABLE va_notes;
SELECT audit_softdelete.disable('va_docs');
SELECT audit_softdelete.disable('va_events');
DROP TABLE va_docs, va_events;
RESET audit_softdelete.actor;
