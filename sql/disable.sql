-- disable(): triggers gone, columns and tracked_tables row kept; enabling
-- again continues with the same table_id.

CREATE TABLE disable_t (id int PRIMARY KEY, title text);
SELECT audit_softdelete.enable('disable_t');
SELECT table_id AS first_table_id FROM audit_softdelete.tracked_tables
 WHERE relid = 'disable_t'::regclass \gset
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO disable_t (id, title) VALUES (1, 'stamped');
COMMIT;

BEGIN;
SELECT audit_softdelete.set_actor('admin');
SELECT audit_softdelete.disable('disable_t');
COMMIT;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'disable_t'::regclass;
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns_kept
  FROM pg_attribute WHERE attrelid = 'disable_t'::regclass AND attnum > 0;
SELECT enabled, table_id = :first_table_id AS same_table_id,
       disabled_by = current_user AS disabled_by_me, disabled_at IS NOT NULL AS has_disabled_at
  FROM audit_softdelete.tracked_tables WHERE relid = 'disable_t'::regclass;

-- Writes are no longer stamped; the stamps already written stay.
BEGIN;
SELECT audit_softdelete.set_actor('bob');
INSERT INTO disable_t (id, title) VALUES (2, 'not stamped');
UPDATE disable_t SET title = 'edited, not stamped' WHERE id = 1;
COMMIT;
SELECT id, title, created_by, updated_by FROM disable_t ORDER BY id;

-- A second disable() is a no-op with a notice.
SELECT audit_softdelete.disable('disable_t');

-- Enabling again: same table_id, stamps again.
SELECT audit_softdelete.enable('disable_t');
SELECT enabled, table_id = :first_table_id AS same_table_id, disabled_by, disabled_at
  FROM audit_softdelete.tracked_tables WHERE relid = 'disable_t'::regclass;
BEGIN;
SELECT audit_softdelete.set_actor('carol');
UPDATE disable_t SET title = 'stamped again' WHERE id = 2;
COMMIT;
SELECT id, title, created_by, updated_by FROM disable_t ORDER BY id;

-- Renaming the table keeps its row (relid is an OID) and its table_id.
ALTER TABLE disable_t RENAME TO disable_renamed;
SELECT relid, table_id = :first_table_id AS same_table_id
  FROM audit_softdelete.tracked_tables WHERE relid = 'disable_renamed'::regclass;

DROP TABLE disable_renamed;
