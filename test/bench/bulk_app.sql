-- The bulk workload for variant 5: the same UPDATE, the application writing
-- each row's audit row in the same statement, as update_app.sql does for one.
WITH u AS (
    UPDATE bench_items SET qty = qty + 1, updated_at = now(), updated_by = 'bench'
    RETURNING id, qty, updated_at)
INSERT INTO ref_audit_logs (action, row_pk, old_values, new_values, changed_columns, actor)
SELECT 'UPDATE', jsonb_build_object('id', id), jsonb_build_object('qty', qty - 1),
       jsonb_build_object('qty', qty, 'updated_at', updated_at, 'updated_by', 'bench'),
       '{qty,updated_at,updated_by}', 'bench' FROM u;
