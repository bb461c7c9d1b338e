\set id random(1, :rows)
UPDATE bench_items SET qty = qty + 1 WHERE id = :id;
