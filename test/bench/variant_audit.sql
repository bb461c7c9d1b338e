-- Variant 3: audit_softdelete, audit trail only.
SELECT audit_softdelete.enable('bench_items', stamps => false, soft_delete => 'off');
