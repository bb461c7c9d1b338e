WITH i AS (
    INSERT INTO bench_items (id, name, price, qty, tags, attrs, created_at, created_by, updated_at, updated_by)
    VALUES (nextval('bench_items_new_id'), 'new item', 9.99, 1, '{a,b}', '{"color": "red"}',
            now(), 'bench', now(), 'bench')
    RETURNING *)
INSERT INTO ref_audit_logs (action, row_pk, new_values, actor)
SELECT 'INSERT', jsonb_build_object('id', i.id), to_jsonb(i), 'bench' FROM i;
