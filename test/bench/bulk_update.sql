-- The bulk workload: every row of bench_items updated by one statement.
UPDATE bench_items SET qty = qty + 1;
