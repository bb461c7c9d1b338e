\set k :k + 1
\set id :client_id * :stride + :k
WITH u AS (
    UPDATE bench_items SET deleted_at = now(), deleted_by = 'bench'
     WHERE id = :id AND deleted_at IS NULL RETURNING *)
INSERT INTO ref_audit_logs (action, row_pk, old_values, new_values, changed_columns, actor)
SELECT 'SOFT_DELETE', jsonb_build_object('id', id),
       to_jsonb(u) - '{deleted_at,deleted_by}'::text[] || '{"deleted_at": null, "deleted_by": null}',
       jsonb_build_object('deleted_at', deleted_at, 'deleted_by', deleted_by),
       '{deleted_at,deleted_by}', 'bench' FROM u;
