-- More rows in progress at once than any fixed limit: a chain of BEFORE
-- UPDATE triggers on a partitioned table, each moving the next row from
-- inside its own, 21 deep.  Every move is an UPDATE: no row soft-deleted,
-- none new.
SET audit_softdelete.actor = 'creator';
CREATE TABLE rc (id int, region text, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE rc_a PARTITION OF rc FOR VALUES IN ('a');
CREATE TABLE rc_b PARTITION OF rc FOR VALUES IN ('b');
SELECT audit_softdelete.enable('rc');
INSERT INTO rc SELECT g, 'a' FROM generate_series(1, 21) g;
CREATE FUNCTION rc_chain() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
     IF NEW.id < 21 THEN
       UPDATE rc SET region = 'b' WHERE id = NEW.id + 1;
     END IF;
     RETURN NEW;
   END $$;
CREATE TRIGGER rc_chain BEFORE UPDATE ON rc
    FOR EACH ROW EXECUTE FUNCTION rc_chain();
SET audit_softdelete.actor = 'mover';
UPDATE rc SET region = 'b' WHERE id = 1;
SELECT tableoid::regclass AS partition, count(*) AS rows,
       count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
       count(*) FILTER (WHERE created_by = 'creator') AS created_by_kept,
       count(*) FILTER (WHERE updated_by = 'mover') AS updated_by_mover
  FROM rc GROUP BY 1;
SELECT action, count(*), count(DISTINCT row_pk) AS rows,
       count(DISTINCT changed_columns) AS kinds, min(changed_columns::text) AS changed_columns
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'rc' AND action <> 'INSERT' GROUP BY action;
DROP TABLE rc;
DROP FUNCTION rc_chain();
RESET audit_softdelete.actor;
