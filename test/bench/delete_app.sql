-- Variant 5's soft DELETE: the row marked deleted and stamped as the
-- extension does (updated_at/updated_by too, left out of new_values as the
-- audit row implies them), the whole old row in old_values, read locked; a
-- row already deleted is left alone, as the extension leaves it.
\set k :k + 1
\set id :client_id * :stride + :k
WITH u AS (
    UPDATE bench_items b SET updated_at = now(), updated_by = 'bench',
                             deleted_at = now(), deleted_by = 'bench'
      FROM (SELECT * FROM bench_items WHERE id = :id AND deleted_at IS NULL FOR UPDATE) o
     WHERE b.id = o.id
    RETURNING jsonb_build_object('id', b.id) AS pk, to_jsonb(o) AS old, b.deleted_at)
INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, old_values, new_values, changed_columns, actor)
SELECT 'SOFT_DELETE', pk, jsonb_hash_extended(pk, 0), old,
       jsonb_build_object('deleted_at', deleted_at, 'deleted_by', 'bench'),
       '{deleted_at,deleted_by}'::text[],
       'bench' FROM u;
