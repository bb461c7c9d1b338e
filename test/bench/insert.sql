INSERT INTO bench_items (id, name, price, qty, tags, attrs)
VALUES (nextval('bench_items_new_id'), 'new item', 9.99, 1, '{a,b}', '{"color": "red"}');
