-- When the only row triggers a soft delete's marking UPDATE would fire are
-- the extension's own (stamp before, audit after), mark_deleted.c does
-- their work itself instead of firing them.  It must leave exactly what
-- firing them leaves: the same stamps, the same audit row, and nothing
-- from a trigger that would not fire (disabled, or not for this
-- session_replication_role).
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'marker';

-- ot_own has only enable()'s triggers; ot_other also a user's row trigger
-- before and after UPDATE, which doing nothing sends its marking through
-- the executor's trigger firing.
CREATE FUNCTION ot_nothing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RETURN NEW; END $$;
CREATE FUNCTION ot_make(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, email text, n numeric,
                        live boolean GENERATED ALWAYS AS (deleted_at IS NULL) STORED,
                        deleted_at timestamptz, deleted_by text,
                        updated_at timestamptz, updated_by text,
                        CHECK (deleted_at IS NULL OR email IS DISTINCT FROM %L))', tbl, 'keep@x');
    EXECUTE format('CREATE UNIQUE INDEX ON %I (email) WHERE deleted_at IS NULL', tbl);
    PERFORM audit_softdelete.enable(tbl::regclass);
    EXECUTE format('INSERT INTO %I (id, email, n) SELECT g, g || %L, g * 1.5 FROM generate_series(1, 6) g',
                   tbl, '@x');
    EXECUTE format('INSERT INTO %I (id, email) VALUES (7, %L)', tbl, 'keep@x');
END $$;
SELECT ot_make('ot_own'), ot_make('ot_other');
CREATE TRIGGER b_user BEFORE UPDATE ON ot_other FOR EACH ROW EXECUTE FUNCTION ot_nothing();
CREATE TRIGGER a_user AFTER UPDATE ON ot_other FOR EACH ROW EXECUTE FUNCTION ot_nothing();

-- The same soft deletes on both, then the rows and their audit rows side
-- by side: the columns that differ between the two tables are left out.
CREATE FUNCTION ot_compare(first_id int, last_id int) RETURNS TABLE
    (id int, same_row boolean, same_audit boolean, action text, audit_rows bigint)
LANGUAGE sql AS $$
    SELECT o.id,
           (to_jsonb(o) - 'id') = (to_jsonb(x) - 'id'),
           (SELECT jsonb_agg(jsonb_build_array(l.action, l.row_pk, l.old_values, l.new_values,
                                               l.changed_columns, l.actor) ORDER BY l.id)
              FROM audit_softdelete.audit_logs l
             WHERE l.table_name = 'ot_own' AND l.row_pk = jsonb_build_object('id', o.id))
           IS NOT DISTINCT FROM
           (SELECT jsonb_agg(jsonb_build_array(l.action, l.row_pk, l.old_values, l.new_values,
                                               l.changed_columns, l.actor) ORDER BY l.id)
              FROM audit_softdelete.audit_logs l
             WHERE l.table_name = 'ot_other' AND l.row_pk = jsonb_build_object('id', o.id)),
           (SELECT max(l.action) FILTER (WHERE l.action <> 'INSERT' AND l.action <> 'UPDATE')
              FROM audit_softdelete.audit_logs l
             WHERE l.table_name = 'ot_own' AND l.row_pk = jsonb_build_object('id', o.id)),
           (SELECT count(*) FROM audit_softdelete.audit_logs l
             WHERE l.table_name = 'ot_own' AND l.row_pk = jsonb_build_object('id', o.id))
      FROM ot_own o JOIN ot_other x USING (id)
     WHERE o.id BETWEEN first_id AND last_id
     ORDER BY o.id
$$;

-- 1. Everything on: stamped by the deleting actor, one SOFT_DELETE row
-- holding the whole row as it was.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
DELETE FROM ot_own WHERE id = 1;
DELETE FROM ot_other WHERE id = 1;
SELECT id, deleted_at = now() AS deleted_now, deleted_by, updated_at = now() AS stamped_now,
       updated_by, live FROM ot_own WHERE id = 1;
COMMIT;
SELECT * FROM ot_compare(1, 1);
SELECT old_values - 'created_at' - 'updated_at' AS old_values,
       new_values - 'deleted_at' - 'updated_at' AS new_values, changed_columns,
       old_values->'created_at' = old_values->'updated_at' AS old_stamps_as_created,
       (new_values->>'deleted_at')::timestamptz = xact_start AS stamped_as_deleted
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'ot_own' AND action = 'SOFT_DELETE';

-- A soft delete the CHECK constraint refuses leaves no audit row and no mark.
\set VERBOSITY terse
DELETE FROM ot_own WHERE id = 7;
\set VERBOSITY default
SELECT count(*) AS audit_rows_of_7 FROM audit_softdelete.audit_logs
 WHERE table_name = 'ot_own' AND row_pk = '{"id": 7}' AND action <> 'INSERT' AND action <> 'UPDATE';

-- Which of the triggers fire: ALTER TABLE ... DISABLE TRIGGER and ENABLE
-- REPLICA TRIGGER are refused on an enabled table, ENABLE ALWAYS is not
-- (a subscriber that audits what it applies).  As a replica applies
-- changes (session_replication_role = replica), only ALWAYS triggers fire.
ALTER TABLE ot_own ENABLE ALWAYS TRIGGER audit_softdelete_soft_delete;
ALTER TABLE ot_own ENABLE ALWAYS TRIGGER audit_softdelete_stamp;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER audit_softdelete_soft_delete;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER audit_softdelete_stamp;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER b_user;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER a_user;

-- 2. The audit trigger does not fire: marked and stamped, no audit row.
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM ot_own WHERE id = 2;
DELETE FROM ot_other WHERE id = 2;
COMMIT;
SELECT id, deleted_by, updated_at > created_at AS stamped, updated_by FROM ot_own WHERE id = 2;
SELECT * FROM ot_compare(2, 2);

-- 3. The stamp trigger does not fire: marked and audited, stamps as they were.
ALTER TABLE ot_own ENABLE ALWAYS TRIGGER audit_softdelete_audit;
ALTER TABLE ot_own ENABLE TRIGGER audit_softdelete_stamp;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER audit_softdelete_audit;
ALTER TABLE ot_other ENABLE TRIGGER audit_softdelete_stamp;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM ot_own WHERE id = 3;
DELETE FROM ot_other WHERE id = 3;
COMMIT;
SELECT id, deleted_by, updated_at > created_at AS stamped, updated_by FROM ot_own WHERE id = 3;
SELECT * FROM ot_compare(3, 3);

-- 4. Both fire: marked, stamped and audited.
ALTER TABLE ot_own ENABLE ALWAYS TRIGGER audit_softdelete_stamp;
ALTER TABLE ot_other ENABLE ALWAYS TRIGGER audit_softdelete_stamp;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM ot_own WHERE id = 4;
DELETE FROM ot_other WHERE id = 4;
COMMIT;
SELECT id, deleted_by, updated_at > created_at AS stamped, updated_by FROM ot_own WHERE id = 4;
SELECT * FROM ot_compare(4, 4);
-- ... and in origin mode (the default) too.
BEGIN;
DELETE FROM ot_own WHERE id = 5;
DELETE FROM ot_other WHERE id = 5;
COMMIT;
SELECT * FROM ot_compare(5, 5);

-- 5. A second trigger calling audit_trigger() (a WARNING says so): both
-- fire, two audit rows, as on a table whose marking fires its triggers.
CREATE TRIGGER audit_twice AFTER INSERT OR UPDATE OR DELETE ON ot_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER audit_twice AFTER INSERT OR UPDATE OR DELETE ON ot_other
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
BEGIN;
DELETE FROM ot_own WHERE id = 6;
DELETE FROM ot_other WHERE id = 6;
COMMIT;
SELECT * FROM ot_compare(6, 6);

SELECT * FROM ot_compare(1, 7);

-- 6. tableoid, which a CHECK constraint or a generated column may read,
-- is the table's while the marked row is checked and computed.
CREATE FUNCTION ot_make_oid(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, deleted_at timestamptz, deleted_by text,
                        deleted_in oid GENERATED ALWAYS AS
                            (CASE WHEN deleted_at IS NOT NULL THEN tableoid END) STORED,
                        CHECK (tableoid <> 0))', tbl);
    PERFORM audit_softdelete.enable(tbl::regclass);
    EXECUTE format('INSERT INTO %I (id) VALUES (1)', tbl);
END $$;
SELECT ot_make_oid('ot_oid_own'), ot_make_oid('ot_oid_other');
CREATE TRIGGER b_user BEFORE UPDATE ON ot_oid_other FOR EACH ROW EXECUTE FUNCTION ot_nothing();
DELETE FROM ot_oid_own WHERE id = 1;
DELETE FROM ot_oid_other WHERE id = 1;
SELECT 'ot_oid_own' AS tbl, deleted_in = 'ot_oid_own'::regclass AS deleted_in_it FROM ot_oid_own
UNION ALL
SELECT 'ot_oid_other', deleted_in = 'ot_oid_other'::regclass FROM ot_oid_other;
SELECT table_name, new_values->'deleted_in' = to_jsonb(table_name::regclass::oid) AS logged_oid
  FROM audit_softdelete.audit_logs
 WHERE table_name IN ('ot_oid_own', 'ot_oid_other') AND action = 'SOFT_DELETE'
 ORDER BY table_name;

DROP TABLE ot_oid_own, ot_oid_other;
DROP FUNCTION ot_make_oid(text);
DROP TABLE ot_own, ot_other;
DROP FUNCTION ot_compare(int, int);
DROP FUNCTION ot_make(text);
DROP FUNCTION ot_nothing();
