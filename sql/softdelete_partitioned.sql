-- Soft delete of a partitioned table: enabled once at the top, rows marked
-- in whichever partition holds them; a row moving between partitions is
-- never taken for a delete.
SET audit_softdelete.actor = 'setup';

CREATE TABLE sp_events (id int, region text, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE sp_events_eu PARTITION OF sp_events FOR VALUES IN ('eu');
CREATE TABLE sp_events_us PARTITION OF sp_events FOR VALUES IN ('us');
SELECT audit_softdelete.enable('sp_events', stamps => false);
INSERT INTO sp_events VALUES (1, 'eu', 1), (2, 'us', 2), (3, 'eu', 3);

DELETE FROM sp_events WHERE id = 1;
DELETE FROM sp_events_us WHERE id = 2;           -- through the partition
SELECT tableoid::regclass AS partition, id, deleted_at IS NOT NULL AS deleted
  FROM sp_events ORDER BY id;

-- An UPDATE that moves rows to another partition (PostgreSQL runs it as a
-- DELETE and an INSERT) moves them; it deletes nothing.
UPDATE sp_events SET region = 'us', v = 30 WHERE id = 3;
UPDATE sp_events SET region = 'eu' WHERE id = 2;     -- a deleted row can move too
SELECT tableoid::regclass AS partition, id, v, deleted_at IS NOT NULL AS deleted
  FROM sp_events ORDER BY id;
SELECT action, row_pk, changed_columns FROM audit_softdelete.audit_logs
 WHERE table_name = 'sp_events' AND action <> 'INSERT' ORDER BY id;

-- restore() finds the row in its partition.
SELECT audit_softdelete.restore('sp_events', '{"id": 1, "region": "eu"}');
SELECT id, deleted_at IS NOT NULL AS deleted FROM sp_events WHERE id = 1;

DROP TABLE sp_events;
RESET audit_softdelete.actor;
