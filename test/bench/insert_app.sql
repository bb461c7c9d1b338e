-- Variant 5's INSERT: the row stamped as the extension stamps it, and the
-- audit row variant 2 writes (the whole new row in new_values, less the
-- stamps its actor and xact_start imply), the row-key hash computed here
-- into a plain column.
WITH i AS (
    INSERT INTO bench_items AS b (id, name, price, qty, tags, attrs, created_at, created_by, updated_at, updated_by)
    VALUES (nextval('bench_items_new_id'), 'new item', 9.99, 1, '{a,b}', '{"color": "red"}',
            now(), 'bench', now(), 'bench')
    RETURNING jsonb_build_object('id', b.id) AS pk, to_jsonb(b) - '{created_at,created_by,updated_at,updated_by}'::text[] AS new)
INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, new_values, actor)
SELECT 'INSERT', pk, jsonb_hash_extended(pk, 0), new, 'bench' FROM i;
