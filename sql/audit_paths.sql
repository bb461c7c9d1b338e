-- Every way of writing rows is audited, once per row.

CREATE TABLE ap_t (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ap_t', stamps => false, soft_delete => 'off');
CREATE TEMP VIEW ap_log AS
SELECT action, row_pk, old_values, new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'ap_t' ORDER BY id;

COPY ap_t FROM stdin;
1	10
2	20
\.
INSERT INTO ap_t VALUES (3, 30), (4, 40);
INSERT INTO ap_t SELECT 5, 50;
INSERT INTO ap_t VALUES (1, 11), (6, 60) ON CONFLICT (id) DO UPDATE SET qty = excluded.qty;
INSERT INTO ap_t VALUES (2, 99) ON CONFLICT DO NOTHING;
INSERT INTO ap_t VALUES (2, 20) ON CONFLICT (id) DO UPDATE SET qty = excluded.qty;
MERGE INTO ap_t t USING (VALUES (3, 31), (7, 70), (4, NULL)) s(id, qty) ON t.id = s.id
WHEN MATCHED AND s.qty IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET qty = s.qty
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.qty);
UPDATE ap_t SET qty = qty + 1 WHERE id IN (5, 6);
WITH d AS (DELETE FROM ap_t WHERE id = 7 RETURNING id) INSERT INTO ap_t SELECT id + 1, 0 FROM d;
DELETE FROM ap_t WHERE id > 5;
SELECT * FROM ap_log;
-- every row that exists has an INSERT, and the last logged values are its own
SELECT t.id, t.qty,
       (SELECT coalesce(l.new_values -> 'qty', l.old_values -> 'qty')
          FROM audit_softdelete.audit_logs l
         WHERE l.table_name = 'ap_t' AND l.row_pk = jsonb_build_object('id', t.id)
           AND l.new_values ? 'qty'
         ORDER BY l.id DESC LIMIT 1) = to_jsonb(t.qty) AS last_logged_matches
  FROM ap_t t ORDER BY t.id;

-- Partitioned tables: rows in every partition are logged under the
-- partitioned table; an UPDATE that moves a row between partitions is one
-- UPDATE, not a DELETE and an INSERT.
CREATE TABLE ap_part (id int, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ap_part_eu PARTITION OF ap_part FOR VALUES IN ('eu');
CREATE TABLE ap_part_us (v int, region text NOT NULL, id int NOT NULL);
ALTER TABLE ap_part ATTACH PARTITION ap_part_us FOR VALUES IN ('us');
SELECT audit_softdelete.enable('ap_part', stamps => false, soft_delete => 'off');
INSERT INTO ap_part VALUES (1, 'eu', 1), (2, 'us', 2), (3, 'eu', 3);
UPDATE ap_part SET region = 'us', v = 10 WHERE id = 1;       -- moves eu -> us
UPDATE ap_part SET region = 'eu' WHERE id IN (2, 3);         -- 2 moves, 3 stays: no change
UPDATE ap_part SET v = v + 1 WHERE id = 2;                   -- stays in eu
DELETE FROM ap_part WHERE id = 3;
SELECT table_name, action, row_pk, old_values, new_values, changed_columns
  FROM audit_softdelete.audit_logs WHERE table_name = 'ap_part' ORDER BY id;
SELECT DISTINCT table_oid = 'ap_part'::regclass AS logged_under_parent
  FROM audit_softdelete.audit_logs WHERE table_name = 'ap_part';

-- A moved row that a BEFORE INSERT trigger of its new partition drops is
-- logged as the DELETE it then is, at the end of the statement.
CREATE FUNCTION ap_drop_row() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER ap_drop BEFORE INSERT ON ap_part_eu FOR EACH ROW EXECUTE FUNCTION ap_drop_row();
UPDATE ap_part SET region = 'eu' WHERE id = 1;
SELECT count(*) AS rows_left FROM ap_part WHERE id = 1;
SELECT action, row_pk, old_values, new_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'ap_part' ORDER BY id DESC LIMIT 1;
DROP TRIGGER ap_drop ON ap_part_eu;

-- TRUNCATE of a partitioned table writes one row.
TRUNCATE ap_part;
SELECT action, row_pk, old_values, new_values
  FROM audit_softdelete.audit_logs WHERE table_name = 'ap_part' ORDER BY id DESC LIMIT 1;

-- Inheritance children are tables of their own: enabling the parent does
-- not audit rows stored in a child, enabling the child does, under its own
-- table_id, also when they are written through the parent.
CREATE TABLE ap_parent (id int PRIMARY KEY, v int);
CREATE TABLE ap_child (extra text, PRIMARY KEY (id)) INHERITS (ap_parent);
SELECT audit_softdelete.enable('ap_parent', stamps => false, soft_delete => 'off');
INSERT INTO ap_child VALUES (1, 1, 'x');
SELECT audit_softdelete.enable('ap_child', stamps => false, soft_delete => 'off');
INSERT INTO ap_child VALUES (2, 2, 'y');
UPDATE ap_parent SET v = v + 10;
INSERT INTO ap_parent VALUES (3, 3);
SELECT table_name, action, row_pk, old_values, new_values
  FROM audit_softdelete.audit_logs WHERE table_name IN ('ap_parent', 'ap_child') ORDER BY id;

DROP VIEW ap_log;
DROP TABLE ap_t, ap_part, ap_parent CASCADE;
DROP FUNCTION ap_drop_row();
