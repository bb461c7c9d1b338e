#!/usr/bin/env bash
# test/scripts/txid_restore.sh: audit_logs.txid names one transaction after
# pg_dump and restore into a fresh cluster, whose transaction counter starts
# over.  Cluster 1 writes audit rows in a few thousand transactions; its
# database is dumped, cluster 1 stopped, and restored into a new cluster 2
# (another system identifier, its xids starting low again), where new
# audited writes must get txids above every restored one and equal to none
# (era 1: pg_current_xact_id() + 2^48); current_txid() names the new rows of
# its transaction; audit_softdelete.txid_eras lists both clusters; and
# undo_transaction() of a restored txid takes back that transaction only.
#
# Starts its own two throwaway clusters (test/lib/cluster.sh), one after the
# other; the suite's server in PGHOST/PGPORT is left alone.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/checks.sh"
. "$here/../lib/cluster.sh"

work=$(mktemp -d /tmp/asd_txid_restore.XXXXXX)
db=db_asd_txid_restore
cleanup() { asd_cluster_stop; rm -rf "$work"; }

# Cluster 1: three thousand audited transactions, one row each
asd_cluster_start 2>/dev/null
trap cleanup EXIT
psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE items (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('items', stamps => false, soft_delete => 'off');
DO $$
BEGIN
    FOR i IN 1..3000 LOOP
        INSERT INTO items VALUES (i, i);
        COMMIT;
    END LOOP;
END
$$;
SQL
sysid1=$(psql_q -d "$db" -c "SELECT system_identifier FROM pg_control_system()")
check "cluster 1 wrote an audit row in each of 3000 transactions" "3000|3000" \
	"$(psql_q -d "$db" -c "SELECT count(*) || '|' || count(DISTINCT txid) FROM audit_softdelete.audit_logs")"
check "cluster 1 is recorded as era 0" "$sysid1|0" \
	"$(psql_q -d "$db" -c "SELECT system_identifier || '|' || era FROM audit_softdelete.txid_eras")"
check "in era 0, txid is pg_current_xact_id()" "t" \
	"$(psql_q -d "$db" -c "BEGIN" -c "INSERT INTO items VALUES (0, 0)" \
		-c "SELECT (SELECT txid FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1) = pg_current_xact_id()" \
		-c "ROLLBACK")"
pg_dump -Fc -d "$db" -f "$work/$db.dump"
asd_cluster_stop

# Cluster 2: a fresh one, its counter far below cluster 1's
asd_cluster_start 2>/dev/null
trap cleanup EXIT
sysid2=$(psql_q -d postgres -c "SELECT system_identifier FROM pg_control_system()")
check "cluster 2 is another cluster" "t" "$([ "$sysid1" != "$sysid2" ] && echo t || echo f)"
psql_q -d postgres -c "CREATE DATABASE $db"
pg_restore --exit-on-error -d "$db" "$work/$db.dump"
check "the restore brought the audit rows back" "3000" \
	"$(psql_q -d "$db" -c "SELECT count(*) FROM audit_softdelete.audit_logs")"
check "cluster 2's counter starts below the restored txids" "t" \
	"$(psql_q -d "$db" -c "SELECT pg_current_xact_id()::text::numeric < max(txid::text::numeric) FROM audit_softdelete.audit_logs")"
restored=$(psql_q -d "$db" -c "SELECT max(id) FROM audit_softdelete.audit_logs")

# new audited writes, one transaction each, then one of three rows
psql_q -d "$db" <<'SQL'
DO $$
BEGIN
    FOR i IN 1..200 LOOP
        UPDATE items SET qty = qty + 1 WHERE id = i;
        COMMIT;
    END LOOP;
END
$$;
SQL
check "current_txid() is the txid of the transaction's audit rows" "3|true" \
	"$(psql_q -d "$db" -c "BEGIN" \
		-c "INSERT INTO items VALUES (3001, 1), (3002, 2)" \
		-c "DELETE FROM items WHERE id = 3001" \
		-c "SELECT count(*) || '|' || (audit_softdelete.current_txid()::text::numeric - pg_current_xact_id()::text::numeric = 2::numeric ^ 48) FROM audit_softdelete.audit_logs WHERE txid = audit_softdelete.current_txid()" \
		-c "COMMIT")"

check "every new txid is above every restored one" "t" \
	"$(psql_q -d "$db" -c "SELECT min(txid::text::numeric) FILTER (WHERE id > $restored) > max(txid::text::numeric) FILTER (WHERE id <= $restored) FROM audit_softdelete.audit_logs")"
check "no new txid is a restored one" "0" \
	"$(psql_q -d "$db" -c "SELECT count(*) FROM audit_softdelete.audit_logs n WHERE n.id > $restored AND n.txid IN (SELECT r.txid FROM audit_softdelete.audit_logs r WHERE r.id <= $restored)")"
check "the new transactions keep one txid each" "203|201" \
	"$(psql_q -d "$db" -c "SELECT count(*) || '|' || count(DISTINCT txid) FROM audit_softdelete.audit_logs WHERE id > $restored")"
check "txid_eras lists both clusters: 1 as era 0, 2 as era 1" \
	"$sysid1|0
$sysid2|1" \
	"$(psql_q -d "$db" -c "SELECT e.system_identifier || '|' || e.era FROM (SELECT DISTINCT system_identifier, era FROM audit_softdelete.txid_eras) e ORDER BY e.era")"

# a restored transaction whose raw xid a transaction of cluster 2 had too:
# without the era, "undo transaction X" would take back both
read -r old_tx old_row <<<"$(psql_q -F ' ' -d "$db" -c "SELECT r.txid, r.row_pk ->> 'id' FROM audit_softdelete.audit_logs r WHERE r.id <= $restored AND r.txid::text::numeric + 2::numeric ^ 48 IN (SELECT n.txid::text::numeric FROM audit_softdelete.audit_logs n WHERE n.id > $restored) ORDER BY r.id LIMIT 1")"
check "a transaction of cluster 2 had the raw xid of a restored one" "t" \
	"$([ -n "$old_tx" ] && echo t || echo f)"
check "undo_transaction() of the restored txid takes back its one INSERT (forced over the later UPDATE), nothing else" "1|0|3000" \
	"$(psql_q -d "$db" -c "SELECT audit_softdelete.undo_transaction('$old_tx', force => true)")|$(psql_q -d "$db" -c "SELECT (SELECT count(*) FROM items WHERE id = $old_row) || '|' || (SELECT count(*) FROM items)")"

exit $fail
