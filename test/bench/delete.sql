\set k :k + 1
\set id :client_id * :stride + :k
DELETE FROM bench_items WHERE id = :id;
