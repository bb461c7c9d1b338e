-- Every way of writing rows goes through the stamping trigger.

CREATE TABLE paths_t (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('paths_t');

-- COPY
BEGIN;
SELECT audit_softdelete.set_actor('copier');
COPY paths_t (id, qty) FROM stdin;
1	10
2	20
\.
COMMIT;
SELECT id, qty, created_by, updated_by FROM paths_t ORDER BY id;

-- INSERT ... SELECT and a multi-row VALUES
BEGIN;
SELECT audit_softdelete.set_actor('bulk');
INSERT INTO paths_t (id, qty) SELECT g, g * 10 FROM generate_series(3, 4) g;
INSERT INTO paths_t (id, qty) VALUES (5, 50), (6, 60);
COMMIT;
SELECT id, created_by FROM paths_t WHERE id >= 3 ORDER BY id;

CREATE TEMP TABLE paths_before AS SELECT id, created_at FROM paths_t;

-- INSERT ... ON CONFLICT DO UPDATE: the existing row keeps its created_*,
-- the new row gets all four.
BEGIN;
SELECT audit_softdelete.set_actor('upserter');
INSERT INTO paths_t (id, qty) VALUES (1, 11), (7, 70)
    ON CONFLICT (id) DO UPDATE SET qty = excluded.qty;
SELECT p.id, p.qty, p.created_by, p.updated_by,
       p.created_at = b.created_at AS created_at_kept
  FROM paths_t p LEFT JOIN paths_before b USING (id) WHERE p.id IN (1, 7) ORDER BY p.id;
-- ON CONFLICT DO UPDATE that changes nothing, and DO NOTHING, leave the row alone
SELECT audit_softdelete.set_actor('noop');
INSERT INTO paths_t (id, qty) VALUES (2, 20) ON CONFLICT (id) DO UPDATE SET qty = excluded.qty;
INSERT INTO paths_t (id, qty) VALUES (3, 99) ON CONFLICT DO NOTHING;
SELECT id, qty, updated_by FROM paths_t WHERE id IN (2, 3) ORDER BY id;
COMMIT;

-- MERGE
BEGIN;
SELECT audit_softdelete.set_actor('merger');
MERGE INTO paths_t p
USING (VALUES (4, 41), (8, 80)) AS s(id, qty) ON p.id = s.id
WHEN MATCHED THEN UPDATE SET qty = s.qty
WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (s.id, s.qty);
SELECT p.id, p.qty, p.created_by, p.updated_by, p.created_at = b.created_at AS created_at_kept
  FROM paths_t p LEFT JOIN paths_before b USING (id) WHERE p.id IN (4, 8) ORDER BY p.id;
COMMIT;

-- UPDATE ... FROM and a writable CTE
BEGIN;
SELECT audit_softdelete.set_actor('joiner');
UPDATE paths_t p SET qty = p.qty + v.d FROM (VALUES (5, 1)) v(id, d) WHERE p.id = v.id;
WITH moved AS (UPDATE paths_t SET qty = qty + 1 WHERE id = 6 RETURNING id)
INSERT INTO paths_t (id, qty) SELECT id + 100, 0 FROM moved;
COMMIT;
SELECT id, qty, created_by, updated_by FROM paths_t WHERE id IN (5, 6, 106) ORDER BY id;

-- RETURNING shows the stamped row.
BEGIN;
SELECT audit_softdelete.set_actor('returner');
INSERT INTO paths_t (id, qty) VALUES (9, 90) RETURNING id, created_by, updated_by;
UPDATE paths_t SET qty = 91 WHERE id = 9 RETURNING id, created_by, updated_by;
COMMIT;

DROP TABLE paths_t;
