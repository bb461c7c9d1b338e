-- The UPDATE of wal_floor.sql's variant: as variant 5's (update_app.sql),
-- the old row read locked, the stamps set by the statement, the audit row
-- written in the same statement, but into min_audit.
\set id random(1, :rows)
WITH u AS (
    UPDATE bench_items b SET qty = b.qty + 1, updated_at = now(), updated_by = 'bench'
      FROM (SELECT id, qty, updated_at, updated_by FROM bench_items
             WHERE id = :id FOR UPDATE) o
     WHERE b.id = o.id
    RETURNING jsonb_build_object('id', b.id) AS pk, b.qty,
              o.qty AS old_qty, o.updated_at AS old_updated_at, o.updated_by AS old_updated_by)
INSERT INTO min_audit (row_pk_hash, table_id, session_id, action, row_pk, old_values, new_values, actor)
SELECT jsonb_hash_extended(pk, 0), 1, 1, 'U', pk,
       CASE WHEN old_updated_by IS DISTINCT FROM 'bench'
            THEN jsonb_build_object('qty', old_qty, 'updated_at', old_updated_at, 'updated_by', old_updated_by)
            ELSE jsonb_build_object('qty', old_qty, 'updated_at', old_updated_at) END,
       jsonb_build_object('qty', qty),
       'bench' FROM u;
