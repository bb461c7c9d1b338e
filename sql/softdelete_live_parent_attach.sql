-- ATTACH PARTITION of a table that has its own audit_softdelete_live_parent
-- check (it references a soft-delete table): PostgreSQL clones the
-- partitioned table's row triggers to the new partition, by name, and
-- refuses a name the partition already has.  The partition's own check
-- makes way for the partitioned table's, which covers it.
\set VERBOSITY default

CREATE TABLE lpa_parent (id int PRIMARY KEY);
SELECT audit_softdelete.enable('lpa_parent', stamps => false);
INSERT INTO lpa_parent VALUES (1), (2);
DELETE FROM lpa_parent WHERE id = 1;

-- the partitioned table references the soft-delete table too: the attach
-- goes through, and the partition keeps a check (the cloned one)
CREATE TABLE lpa_lines (id int, region text, parent_id int REFERENCES lpa_parent)
    PARTITION BY LIST (region);
CREATE TABLE lpa_lines_eu PARTITION OF lpa_lines FOR VALUES IN ('eu');
CREATE TABLE lpa_lines_us (id int, region text, parent_id int REFERENCES lpa_parent);
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
ALTER TABLE lpa_lines ATTACH PARTITION lpa_lines_us FOR VALUES IN ('us');
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' ORDER BY 1;
INSERT INTO lpa_lines VALUES (1, 'us', 1);
INSERT INTO lpa_lines_us VALUES (1, 'us', 1);
INSERT INTO lpa_lines VALUES (1, 'us', 2);

-- an attach that fails takes nothing with it: the table keeps its own check
CREATE TABLE lpa_lines_fr (id int, region text, parent_id int REFERENCES lpa_parent);
INSERT INTO lpa_lines_fr VALUES (1, 'de', 2);
ALTER TABLE lpa_lines ATTACH PARTITION lpa_lines_fr FOR VALUES IN ('fr');
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' AND tgrelid = 'lpa_lines_fr'::regclass;
INSERT INTO lpa_lines_fr VALUES (2, 'fr', 1);

-- detached, a partition gets a check of its own again
ALTER TABLE lpa_lines DETACH PARTITION lpa_lines_us;
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' AND tgrelid = 'lpa_lines_us'::regclass;
INSERT INTO lpa_lines_us VALUES (2, 'us', 1);

-- the partitioned table has no key onto a soft-delete table, its new
-- partition has: the check moves to the partitioned table, whose
-- partitions all get it, and the partition is not left without one
CREATE TABLE lpa_notes (id int, region text, parent_id int) PARTITION BY LIST (region);
CREATE TABLE lpa_notes_eu PARTITION OF lpa_notes FOR VALUES IN ('eu');
CREATE TABLE lpa_notes_us (id int, region text, parent_id int REFERENCES lpa_parent);
ALTER TABLE lpa_notes ATTACH PARTITION lpa_notes_us FOR VALUES IN ('us');
SELECT tgrelid::regclass AS tbl, tgparentid <> 0 AS cloned FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' AND tgrelid::regclass::text LIKE 'lpa_notes%' ORDER BY 1;
INSERT INTO lpa_notes VALUES (1, 'us', 1);
INSERT INTO lpa_notes VALUES (1, 'eu', 1);
INSERT INTO lpa_notes VALUES (1, 'us', 2);

DROP TABLE lpa_lines, lpa_lines_us, lpa_lines_fr, lpa_notes, lpa_parent;
