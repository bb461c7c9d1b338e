#!/usr/bin/env bash
# test/bench/run-history.sh: how long reading the past and undoing take
# (issue 14): table_as_of() of a table of HISTORY_ROWS rows (100,000) with
# HISTORY_AUDIT_ROWS (1,000,000) audit rows written after the time asked
# for, row_as_of() of one of its rows, revert_table_to() of the last
# transaction, and undo_transaction() of a transaction of HISTORY_TX_ROWS
# (1,000) changes.  Medians of HISTORY_RUNS (3) runs, each timed by psql's
# \timing (reads: the second of two in one session, caches warm); the undo
# and revert runs each undo a fresh transaction.  Starts
# its own throwaway cluster; prints one line per measurement.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/test/lib/cluster.sh"

rows=${HISTORY_ROWS:-100000}
audit_rows=${HISTORY_AUDIT_ROWS:-1000000}
tx_rows=${HISTORY_TX_ROWS:-1000}
runs=${HISTORY_RUNS:-3}

asd_build_install "$root"
asd_cluster_start -c shared_buffers=512MB -c max_wal_size=4GB -c work_mem=64MB >/dev/null
trap 'asd_cluster_stop >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d postgres "$@"; }
ms() { # the time psql's \timing printed for the last statement of a script
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c '\timing on' "$@" 2>&1 |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
warm_ms() { # a read, run twice in one session: the second, warm, time
	ms -c "$1" -c "$1"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

q -c "CREATE EXTENSION audit_softdelete" \
  -c "CREATE TABLE h (id int PRIMARY KEY, name text, qty int, price numeric(10,2), note text)" \
  -c "INSERT INTO h SELECT g, 'item ' || g, g % 50, g / 10.0, 'note ' || g FROM generate_series(1, $rows) g" \
  -c "SELECT audit_softdelete.enable('h')"
t0=$(q -c "SELECT clock_timestamp()")
rounds=$(( (audit_rows + rows - 1) / rows ))
for i in $(seq 1 "$rounds"); do
	q -c "UPDATE h SET qty = qty + 1, note = note || '.' WHERE id <= $(( audit_rows / rounds ))"
done
q -c "VACUUM ANALYZE h" -c "ANALYZE audit_softdelete.audit_logs"
echo "audit_softdelete history benchmark: $rows rows, $(q -c "SELECT count(*) FROM audit_softdelete.audit_logs") audit rows after the time asked for; medians of $runs runs"
echo "commit $(git -C "$root" rev-parse --short HEAD), $("$PG_BINDIR/postgres" --version)"

for i in $(seq 1 "$runs"); do
	warm_ms "SELECT count(*) FROM audit_softdelete.table_as_of(NULL::h, '$t0')"
done | median | awk -v n="$rows" '{printf "table_as_of, %d rows, every row changed since: %.0f ms\n", n, $1}'
for i in $(seq 1 "$runs"); do
	warm_ms "SELECT audit_softdelete.row_as_of('h', '{\"id\": $((i * 7))}', '$t0')"
done | median | awk '{printf "row_as_of, a row changed %d times since: %.1f ms\n", '"$rounds"', $1}'

for i in $(seq 1 "$runs"); do
	tx=$(q -c "BEGIN" -c "UPDATE h SET price = price + 1 WHERE id <= $tx_rows" -c "SELECT audit_softdelete.current_txid()" -c "COMMIT")
	ms -c "SELECT audit_softdelete.undo_transaction('$tx')"
done | median | awk -v n="$tx_rows" '{printf "undo_transaction of a %d-row transaction: %.0f ms\n", n, $1}'
for i in $(seq 1 "$runs"); do
	t=$(q -c "SELECT clock_timestamp()")
	q -c "UPDATE h SET name = name || '!' WHERE id <= $tx_rows"
	ms -c "SELECT audit_softdelete.revert_table_to('h', '$t')"
done | median | awk -v n="$tx_rows" -v r="$rows" '{printf "revert_table_to over one %d-row UPDATE (table of %d rows): %.0f ms\n", n, r, $1}'
