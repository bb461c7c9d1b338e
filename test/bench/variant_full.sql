-- Variant 2: audit_softdelete with everything on.
SELECT audit_softdelete.enable('bench_items');
