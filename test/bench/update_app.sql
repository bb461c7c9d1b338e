-- Variant 5's UPDATE: what variant 2 stores needs the old row (old_values
-- holds the old qty and stamps), read locked, as the extension's BEFORE
-- trigger locks it, so that it is the row the UPDATE replaces even under
-- concurrency.  The old updated_by is in the diff only when it changes, as
-- the extension writes it; qty + 1 and now() always change (one statement a
-- transaction).  The new stamps are left out of new_values and
-- changed_columns: the audit row's actor and xact_start (now()) imply them.
\set id random(1, :rows)
WITH u AS (
    UPDATE bench_items b SET qty = b.qty + 1, updated_at = now(), updated_by = 'bench'
      FROM (SELECT id, qty, updated_at, updated_by FROM bench_items
             WHERE id = :id FOR UPDATE) o
     WHERE b.id = o.id
    RETURNING jsonb_build_object('id', b.id) AS pk, b.qty,
              o.qty AS old_qty, o.updated_at AS old_updated_at, o.updated_by AS old_updated_by)
INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, old_values, new_values, changed_columns, actor)
SELECT 'UPDATE', pk, jsonb_hash_extended(pk, 0),
       CASE WHEN old_updated_by IS DISTINCT FROM 'bench'
            THEN jsonb_build_object('qty', old_qty, 'updated_at', old_updated_at, 'updated_by', old_updated_by)
            ELSE jsonb_build_object('qty', old_qty, 'updated_at', old_updated_at) END,
       jsonb_build_object('qty', qty), '{qty}'::text[],
       'bench' FROM u;
