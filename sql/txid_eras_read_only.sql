-- current_txid() in a read-only transaction of a cluster whose era is not
-- recorded yet: it cannot record it, and gives the era the first write
-- records.  A restore into another cluster is simulated as in txid_eras.
\set test_db db_asd_txid_eras_read_only
\i sql/include/own_database.sql
\i sql/include/show_error.sql
-- the era in a txid of the current transaction
CREATE FUNCTION era_of(txid xid8) RETURNS int LANGUAGE sql AS
$$ SELECT round((txid::text::numeric - pg_current_xact_id()::text::numeric) / 2::numeric ^ 48)::int $$;
CREATE TABLE t (id int PRIMARY KEY);
SELECT audit_softdelete.enable('t', stamps => false, soft_delete => 'off');
INSERT INTO t VALUES (1);
DELETE FROM audit_softdelete.txid_eras;
INSERT INTO audit_softdelete.txid_eras (system_identifier, era) VALUES (11, 0), (12, 1);
\c
BEGIN READ ONLY;
SELECT show_error('SELECT era_of(audit_softdelete.current_txid())');
SELECT era_of(audit_softdelete.current_txid()) AS era;
COMMIT;
SELECT count(*) AS recorded FROM audit_softdelete.txid_eras WHERE era = 2;
BEGIN;
INSERT INTO t VALUES (2);
SELECT era_of(txid) AS era, txid = audit_softdelete.current_txid() AS current
  FROM audit_softdelete.audit_logs WHERE row_pk = '{"id": 2}';
COMMIT;
SELECT count(*) AS recorded FROM audit_softdelete.txid_eras WHERE era = 2;

\c :regress_db
DROP DATABASE :test_db;
