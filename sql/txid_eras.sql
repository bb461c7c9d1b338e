-- audit_logs.txid across dump and restore: pg_current_xact_id() plus the
-- era of the cluster << 48 (src/txid_era.c).  A restore into another
-- cluster is simulated here by rows of txid_eras naming other clusters;
-- test/scripts/txid_restore.sh does a real one.
\set test_db db_asd_txid_eras
\i sql/include/own_database.sql
CREATE FUNCTION my_eras() RETURNS TABLE (mine boolean, era int) LANGUAGE sql AS
$$ SELECT e.system_identifier = (SELECT system_identifier FROM pg_control_system()), e.era
     FROM audit_softdelete.txid_eras e ORDER BY e.era, 1 $$;
-- the offset of the newest audit row's txid
CREATE FUNCTION last_offset() RETURNS int LANGUAGE sql AS
$$ SELECT round((l.txid::text::numeric - pg_current_xact_id()::text::numeric + 1) / 2::numeric ^ 48)::int
     FROM audit_softdelete.audit_logs l ORDER BY l.id DESC LIMIT 1 $$;
CREATE TABLE t (id int PRIMARY KEY);
SELECT audit_softdelete.enable('t', stamps => false, soft_delete => 'off');

-- an empty log starts at era 0: txid is pg_current_xact_id()
SELECT * FROM my_eras();
BEGIN;
INSERT INTO t VALUES (1);
SELECT txid = pg_current_xact_id() AS raw, txid = audit_softdelete.current_txid() AS current
  FROM audit_softdelete.audit_logs;
COMMIT;
SELECT * FROM my_eras();

-- as restored from a dump whose trail two other clusters wrote: this
-- cluster, not recorded there, takes the era above theirs
DELETE FROM audit_softdelete.txid_eras;
INSERT INTO audit_softdelete.txid_eras (system_identifier, era) VALUES (11, 0), (12, 1);
\c
INSERT INTO t VALUES (2);
SELECT last_offset() AS era;
SELECT * FROM my_eras();
-- a transaction that recorded it and rolled back leaves nothing, and the
-- next records it again
DELETE FROM audit_softdelete.txid_eras WHERE era = 2;
\c
BEGIN;
INSERT INTO t VALUES (3);
SELECT count(*) AS recorded_in_transaction FROM audit_softdelete.txid_eras WHERE era = 2;
ROLLBACK;
SELECT count(*) AS after_rollback FROM audit_softdelete.txid_eras WHERE era = 2;
INSERT INTO t VALUES (3);
SELECT last_offset() AS era, (SELECT count(*) FROM audit_softdelete.txid_eras WHERE era = 2) AS recorded;

-- as restored from a 1.0 dump: rows and no eras; they become era 0 of an
-- unknown cluster (system identifier 0), this cluster era 1
DELETE FROM audit_softdelete.txid_eras;
\c
INSERT INTO t VALUES (4);
SELECT last_offset() AS era;
SELECT system_identifier = 0 AS unknown, era FROM audit_softdelete.txid_eras ORDER BY era;
SELECT audit_softdelete.undo_transaction(txid) AS undone FROM audit_softdelete.audit_logs
 WHERE row_pk = '{"id": 4}';
SELECT count(*) AS row_4 FROM t WHERE id = 4;

-- the extension dropped and created again in the same session: the era is
-- recorded in the new table, not taken from the dropped one
DROP EXTENSION audit_softdelete CASCADE;
CREATE EXTENSION audit_softdelete;
SELECT audit_softdelete.enable('t', stamps => false, soft_delete => 'off');
INSERT INTO t VALUES (5);
SELECT * FROM my_eras();

-- readable by all, written by the extension only
SELECT has_table_privilege('public', 'audit_softdelete.txid_eras', 'SELECT') AS readable,
       has_table_privilege('public', 'audit_softdelete.txid_eras', 'INSERT') AS writable;

\c :regress_db
DROP DATABASE :test_db;
