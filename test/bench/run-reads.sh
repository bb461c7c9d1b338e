#!/usr/bin/env bash
# test/bench/run-reads.sh: how fast the questions users ask of audit_logs
# are answered in a big log whose newest rows were written just before
# (issue 13).
#
# Starts a throwaway cluster (as the tests do) with autovacuum on, enables
# five tables (reads_schema.sql; one has a uuid key), and fills audit_logs
# to READS_TOTAL_ROWS rows:
#   - the older READS_TOTAL_ROWS - READS_NEW_ROWS rows, a month of history,
#     written directly by one INSERT ... SELECT (reads_history.sql), then
#     VACUUM ANALYZE, standing for the autovacuums of that month;
#   - the newest READS_NEW_ROWS rows by real audited writes through the
#     triggers, in READS_CLIENTS sessions: transactions of READS_BATCH_ROWS
#     rows (UPDATE of a range of rows, every tenth an INSERT), each under
#     one of READS_ACTORS actors, with READS_HOT_UPDATES single-row UPDATEs
#     of one hot row in between; then READS_TRICKLE_SECONDS of small
#     transactions (1 to 5 rows, READS_TRICKLE_TPS a second), so that the
#     last minute holds as many rows as a busy minute does.
# Then at once (no VACUUM, no waiting for autovacuum) it times each
# question READS_RUNS times after one warm-up run (psql's \timing, output
# discarded) and prints the median against its target, the top line of its
# EXPLAIN (ANALYZE, BUFFERS) plan (the whole plans go to READS_LOG; for
# row_history() also the plan of its query inside, through auto_explain),
# the size of audit_logs and its indexes, and how many block ranges of each
# BRIN index on audit_logs are unsummarised (pageinspect).
#
# The questions, written as users write them:
#   a. a row's history: row_history() of an ordinary row (int key, uuid key)
#      and of the hot row                                     target < 5 ms
#   b. what one transaction did: WHERE txid = X, a transaction
#      of READS_BATCH_ROWS rows among the newest               target < 20 ms
#   c. what changed in a given minute: logged_at in a minute of
#      the trickle                                             target < 20 ms
#   d. what one actor did in the last day: actor = X and
#      logged_at > now() - 1 day                               target < 50 ms
#   c and d again through changes(), where the installed version has it
#
# Settings (environment): READS_TOTAL_ROWS (10000000), READS_NEW_ROWS
# (1000000), READS_RUNS (5), READS_CLIENTS (2), READS_TABLE_ROWS (200000
# rows per table), READS_KEYS (1000000 distinct keys per table in the
# history), READS_ACTORS (100), READS_BATCH_ROWS (200), READS_HOT_UPDATES
# (2000), READS_TRICKLE_SECONDS (65), READS_TRICKLE_TPS (10), READS_LOG
# (reads-plans.log).  Quick look: READS_TOTAL_ROWS=1000000
# READS_NEW_ROWS=100000.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/test/lib/cluster.sh"

total_rows=${READS_TOTAL_ROWS:-10000000}
new_rows=${READS_NEW_ROWS:-1000000}
runs=${READS_RUNS:-5}
clients=${READS_CLIENTS:-2}
table_rows=${READS_TABLE_ROWS:-200000}
keys=${READS_KEYS:-1000000}
actors=${READS_ACTORS:-100}
batch=${READS_BATCH_ROWS:-200}
hot=${READS_HOT_UPDATES:-2000}
trickle_seconds=${READS_TRICKLE_SECONDS:-65}
trickle_tps=${READS_TRICKLE_TPS:-10}
log=${READS_LOG:-$PWD/reads-plans.log}
old_rows=$((total_rows - new_rows))
db=bench_reads

# The trickle: trickle_tx transactions of 1, 2, 3, 4, 5, 1, ... rows.
trickle_tx=$((trickle_seconds * trickle_tps))
trickle_rows=$((trickle_tx / 5 * 15 + (trickle_tx % 5) * (trickle_tx % 5 + 1) / 2))
bulk_rows=$((new_rows - hot - trickle_rows))
[ "$old_rows" -ge 0 ] || asd_die "READS_NEW_ROWS exceeds READS_TOTAL_ROWS"
[ "$bulk_rows" -ge "$batch" ] ||
	asd_die "READS_NEW_ROWS ($new_rows) must exceed the hot row's $hot and the trickle's $trickle_rows rows by a batch"
[ "$table_rows" -gt $((clients * (batch + 1) + 1)) ] || asd_die "READS_TABLE_ROWS too small for the batches"
# Transactions of the history: a few hundred rows each, varying with the
# rounding of (g - 1) * ntx / old_rows.
ntx=$(( (old_rows + 299) / 300 ))
[ "$ntx" -gt 0 ] || ntx=1

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc
asd_build_install "$src"
# Autovacuum on, as in production; the rest only speeds up the loading.
asd_cluster_start -c shared_buffers=512MB -c synchronous_commit=off \
	-c max_wal_size=4GB -c checkpoint_timeout=30min

export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

work=$(mktemp -d)
trap 'rm -rf "$work"; asd_cluster_stop' EXIT
: >"$log"

started=$SECONDS
phase() { asd_log "$* ($((SECONDS - started)) s)"; }

phase "tables: 5 x $table_rows rows, enabled"
q -d postgres -c "CREATE DATABASE $db"
q -d "$db" -v table_rows="$table_rows" -f "$here/reads_schema.sql" >/dev/null

# The history's txids must lie below the current one: use up ntx xids.
xid_base=$(q -d "$db" -c "SELECT pg_current_xact_id()::text::bigint + 1")
q -d "$db" -c "DO \$\$ BEGIN FOR i IN 1..$ntx LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END \$\$"

phase "history: $old_rows rows in $ntx transactions, one INSERT ... SELECT"
q -d "$db" -v old_rows="$old_rows" -v ntx="$ntx" -v xid_base="$xid_base" -v keys="$keys" \
	-v actors="$actors" -v span='30 days' -f "$here/reads_history.sql" >/dev/null
phase "VACUUM ANALYZE of the history (the month's autovacuums)"
q -d "$db" -c "VACUUM (ANALYZE) audit_softdelete.audit_logs"

# The newest rows: one psql script per session, made here.  Session s
# changes only rows of its own stripe of ids (no waits between sessions);
# session 0 also updates the hot row (reads_orders' last id, in no stripe)
# hot times, spread evenly over its transactions, and notes the txid of its
# transaction three quarters through (question b).
bulk_tx=$(( (bulk_rows + batch - 1) / batch ))
before_newest=$(q -d "$db" -c "SELECT clock_timestamp()")
phase "newest rows: $bulk_rows in $bulk_tx transactions ($clients sessions) + $hot hot-row updates"
awk -v C="$clients" -v N="$table_rows" -v B="$batch" -v T="$bulk_tx" -v R="$bulk_rows" \
	-v H="$hot" -v A="$actors" -v M="$trickle_tx" -v tps="$trickle_tps" -v dir="$work" '
function tx_begin(f) { printf "BEGIN;\nSELECT audit_softdelete.set_actor(%s);\n", "'"'"'user_" (1 + int(rand() * A)) "'"'"'" >f }
function range_update(f, t, a, b) {
	printf "UPDATE %s SET val = val + 1 WHERE %s BETWEEN %d AND %d;\n", t, (t == "reads_docs" ? "seq" : "id"), a, b >f
}
function insert(f, t, a, b) {
	if (t == "reads_orders")
		printf "INSERT INTO reads_orders SELECT g, g %% 100000, %s, 0, %s || g FROM generate_series(%d, %d) g;\n", "'"'"'new'"'"'", "'"'"'order '"'"'", a, b >f
	else if (t == "reads_customers")
		printf "INSERT INTO reads_customers (id, name, email, val) SELECT g, %s || g, %s || g || %s, 0 FROM generate_series(%d, %d) g;\n", "'"'"'customer '"'"'", "'"'"'c'"'"'", "'"'"'@example.com'"'"'", a, b >f
	else if (t == "reads_items")
		printf "INSERT INTO reads_items (id, sku, price, val) SELECT g, %s || g, (g %% 1000) / 10.0, 0 FROM generate_series(%d, %d) g;\n", "'"'"'SKU-'"'"'", a, b >f
	else if (t == "reads_events")
		printf "INSERT INTO reads_events (id, kind, payload, val) SELECT g, %s, jsonb_build_object(%s, g), 0 FROM generate_series(%d, %d) g;\n", "'"'"'created'"'"'", "'"'"'n'"'"'", a, b >f
	else
		printf "INSERT INTO reads_docs (code, seq, title, val) SELECT md5(g::text)::uuid, g, %s || g, 0 FROM generate_series(%d, %d) g;\n", "'"'"'doc '"'"'", a, b >f
}
BEGIN {
	srand(13)
	split("reads_orders reads_customers reads_items reads_events reads_docs", tables, " ")
	for (i = 1; i <= 5; i++) next_id[tables[i]] = N + 1
	stripe = int((N - 1) / C)
	n0 = int((T + C - 1) / C)
	marker = int(n0 * 3 / 4)
	j0 = 0
	for (i = 0; i < T; i++) {
		s = i % C
		f = dir "/bulk." s ".sql"
		r = (i == T - 1) ? R - (T - 1) * B : B
		t = tables[1 + int(rand() * 5)]
		tx_begin(f)
		if (i % 10 == 9) {
			insert(f, t, next_id[t], next_id[t] + r - 1)
			next_id[t] += r
		} else {
			a = s * stripe + 1 + int(rand() * (stripe - r))
			range_update(f, t, a, a + r - 1)
			if (t == "reads_customers") ordinary_id = a + int(r / 2)
			if (t == "reads_docs") ordinary_seq = a + int(r / 2)
		}
		if (s == 0 && j0 == marker)
			printf "SELECT pg_current_xact_id() AS reads_txid \\gset\n" >f
		printf "COMMIT;\n" >f
		if (s == 0 && j0 == marker)
			printf "\\echo READS_TXID :reads_txid\n" >f
		if (s == 0) {
			for (h = int(j0 * H / n0); h < int((j0 + 1) * H / n0); h++) {
				tx_begin(f)
				printf "UPDATE reads_orders SET val = val + 1 WHERE id = %d;\n", N >f
				printf "COMMIT;\n" >f
			}
			j0++
		}
	}
	f = dir "/trickle.sql"
	printf "SELECT date_trunc(%s, statement_timestamp()) + interval %s AS reads_minute \\gset\n", "'"'"'second'"'"'", "'"'"'2 seconds'"'"'" >f
	printf "\\echo READS_MINUTE :reads_minute\n" >f
	for (k = 0; k < M; k++) {
		r = 1 + k % 5
		t = tables[1 + int(rand() * 5)]
		a = 1 + int(rand() * (N - 1 - r))
		tx_begin(f)
		range_update(f, t, a, a + r - 1)
		printf "COMMIT;\nSELECT pg_sleep(%.4f);\n", 1 / tps >f
	}
	printf "READS_ORDINARY_ID %d\nREADS_ORDINARY_SEQ %d\n", ordinary_id, ordinary_seq >(dir "/picked")
}'

run_sessions() {			# files...: one psql session each, at once
	local f pids=() pid rc=0
	for f in "$@"; do
		psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -o /dev/null -f "$f" >"$f.out" 2>&1 &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	if [ "$rc" -ne 0 ]; then
		for f in "$@"; do tail -n 5 "$f.out"; done
		asd_die "a writing session failed"
	fi
}
sessions=()
for s in $(seq 0 $((clients - 1))); do
	[ -f "$work/bulk.$s.sql" ] && sessions+=("$work/bulk.$s.sql")
done
run_sessions "${sessions[@]}"
phase "trickle: $trickle_tx transactions, $trickle_rows rows, over ${trickle_seconds} s"
run_sessions "$work/trickle.sql"
phase "measuring"

# What the questions are about, picked while writing.
txid=$(awk '/^READS_TXID / {print $2}' "$work/bulk.0.sql.out")
minute=$(sed -n 's/^READS_MINUTE //p' "$work/trickle.sql.out")
ordinary_id=$(awk '/^READS_ORDINARY_ID / {print $2}' "$work/picked")
ordinary_seq=$(awk '/^READS_ORDINARY_SEQ / {print $2}' "$work/picked")
ordinary_code=$(q -d "$db" -c "SELECT md5('$ordinary_seq')::uuid")
[ -n "$txid" ] && [ -n "$minute" ] || asd_die "the writes did not note a txid and a minute"

# The state the questions meet: sizes, BRIN summaries, autovacuum.
state=$(q -d "$db" <<'EOF'
CREATE EXTENSION IF NOT EXISTS pageinspect;
SELECT format('audit_logs: %s (heap %s, %s pages)', pg_size_pretty(pg_total_relation_size(c.oid)),
              pg_size_pretty(pg_relation_size(c.oid)), pg_relation_size(c.oid) / 8192)
  FROM pg_class c WHERE c.oid = 'audit_softdelete.audit_logs'::regclass;
SELECT format('  index %s: %s', i.indexrelid::regclass, pg_size_pretty(pg_relation_size(i.indexrelid)))
  FROM pg_index i WHERE i.indrelid = 'audit_softdelete.audit_logs'::regclass ORDER BY 1;
SELECT format('  BRIN %s: %s of %s block ranges (%s pages each) unsummarised, %s%%',
              i.indexrelid::regclass, r.total - r.summarised, r.total, m.pagesperrange,
              round(100.0 * (r.total - r.summarised) / greatest(r.total, 1), 1))
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'brin'
 CROSS JOIN LATERAL brin_metapage_info(get_raw_page(i.indexrelid::regclass::text, 0)) m
 CROSS JOIN LATERAL
       (SELECT ceil(pg_relation_size(i.indrelid) / 8192.0 / m.pagesperrange)::bigint AS total,
               (SELECT count(*)
                  FROM generate_series(1, m.lastrevmappage) p,
                       brin_revmap_data(get_raw_page(i.indexrelid::regclass::text, p)) d
                 WHERE d.pages <> '(0,0)') AS summarised) r
 WHERE i.indrelid = 'audit_softdelete.audit_logs'::regclass
 ORDER BY 1;
SELECT format('  autovacuum: last vacuum %s, last autovacuum %s, last autoanalyze %s, %s rows inserted since the last vacuum',
              coalesce(date_trunc('second', s.last_vacuum)::text, 'never'),
              coalesce(date_trunc('second', s.last_autovacuum)::text, 'never'),
              coalesce(date_trunc('second', s.last_autoanalyze)::text, 'never'), s.n_ins_since_vacuum)
  FROM pg_stat_user_tables s WHERE s.relid = 'audit_softdelete.audit_logs'::regclass;
EOF
)

# One question: its median time, its plan.
results=$work/results
: >"$results"
ask() {					# name target_ms sql
	local name=$1 target=$2 sql=$3 ms verdict top rows jit
	# In one session: the runs, then the plan (for row_history(),
	# auto_explain adds the plans of the queries it runs inside, as NOTICEs).
	{
		echo '\o /dev/null'
		echo '\timing on'
		for _ in $(seq 0 "$runs"); do echo "$sql;"; done
		echo '\timing off'
		echo "\\o $work/plan.out"
		case $sql in
		*row_history*)
			echo "LOAD 'auto_explain';"
			echo "SET auto_explain.log_min_duration = 0;"
			echo "SET auto_explain.log_analyze = on;"
			echo "SET auto_explain.log_buffers = on;"
			echo "SET auto_explain.log_nested_statements = on;"
			echo "SET auto_explain.log_level = notice;"
			echo "SET client_min_messages = notice;"
			;;
		esac
		echo "EXPLAIN (ANALYZE, BUFFERS) $sql;"
	} >"$work/ask.sql"
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$work/ask.sql" >"$work/ask.out" 2>"$work/notices.out" ||
		{ cat "$work/ask.out" "$work/notices.out"; asd_die "question \"$name\" failed"; }
	sed -i 's/^psql:[^:]*:[0-9]*: //' "$work/notices.out"
	ms=$(awk '/^Time:/ {print $2}' "$work/ask.out" | tail -n +2 | median)
	{
		echo "==== $name"
		echo "$sql;"
		echo
		sed -e '/^ *QUERY PLAN *$/d' -e '/^---*$/d' -e '/^([0-9]* rows\?)$/d' "$work/plan.out"
		echo
		if [ -s "$work/notices.out" ]; then
			echo "-- plans of the queries run inside (auto_explain):"
			cat "$work/notices.out"
			echo
		fi
	} >>"$log"
	# the top line: that of the query on audit_logs inside row_history(),
	# else that of the plan itself
	top=$(awk '/^NOTICE:  duration:/ { if (keep) exit }
	           /^Query Text: .*audit_softdelete\.audit_logs/ { keep = 1; next }
	           keep { print; exit }' "$work/notices.out")
	[ -n "$top" ] || top=$(grep -m 1 'actual time' "$work/plan.out")
	rows=$(grep -m 1 'actual time' "$work/plan.out" | sed -n 's/.*actual time=[^ ]* rows=\([0-9]*\).*/\1/p')
	verdict=$(awk -v m="$ms" -v t="$target" 'BEGIN { print (m < t ? "met" : "NOT MET") }')
	top=$(echo "$top" | sed 's/^ *//')
	# JIT compiles a dear plan's expressions (default settings): say how long
	jit=$(sed -n 's/.*Timing: Generation.* Total \([0-9.]*\) ms.*/\1/p' "$work/plan.out" | head -n 1)
	[ -z "$jit" ] || top="$top; JIT $jit ms"
	printf '%s|%s|%.2f|%s|%s|%s\n' "$name" "${rows:--}" "$ms" "$target" "$verdict" "$top" >>"$results"
	asd_log "$name: $ms ms ($verdict, target $target ms)"
}

ask "a. row history, ordinary row (int key)" 5 \
	"SELECT * FROM audit_softdelete.row_history('reads_customers', '{\"id\": $ordinary_id}')"
ask "a. row history, ordinary row (uuid key)" 5 \
	"SELECT * FROM audit_softdelete.row_history('reads_docs', '{\"code\": \"$ordinary_code\"}')"
ask "a. row history, hot row ($hot updates)" 5 \
	"SELECT * FROM audit_softdelete.row_history('reads_orders', '{\"id\": $table_rows}')"
ask "b. what one transaction did" 20 \
	"SELECT * FROM audit_softdelete.audit_logs WHERE txid = '$txid'"
ask "c. what changed in a given minute" 20 \
	"SELECT * FROM audit_softdelete.audit_logs WHERE logged_at >= '$minute' AND logged_at < timestamptz '$minute' + interval '1 minute'"
ask "d. what one actor did in the last day" 50 \
	"SELECT * FROM audit_softdelete.audit_logs WHERE actor = 'user_7' AND logged_at > now() - interval '1 day'"
# the same two through changes(), where the extension has one
if q -d "$db" -c "SELECT to_regprocedure('audit_softdelete.changes(regclass,timestamptz,timestamptz,text)') IS NOT NULL" | grep -q t; then
	ask "c. the same minute through changes()" 20 \
		"SELECT * FROM audit_softdelete.changes(since => '$minute', until => timestamptz '$minute' + interval '1 minute')"
	ask "d. the same actor through changes()" 50 \
		"SELECT * FROM audit_softdelete.changes(since => now() - interval '1 day', actor => 'user_7')"
fi
# a row as it was, where the extension has row_as_of (issue 14): an
# ordinary row and the hot one, as of the start of the newest writes
if q -d "$db" -c "SELECT to_regprocedure('audit_softdelete.row_as_of(regclass,jsonb,timestamptz)') IS NOT NULL" | grep -q t; then
	ask "e. an ordinary row as of before the newest writes (row_as_of)" 5 \
		"SELECT audit_softdelete.row_as_of('reads_customers', '{\"id\": $ordinary_id}', '$before_newest')"
	ask "e. the hot row as of before its $hot updates (row_as_of)" 20 \
		"SELECT audit_softdelete.row_as_of('reads_orders', '{\"id\": $table_rows}', '$before_newest')"
fi

count=$(q -d "$db" -c "SELECT count(*) FROM audit_softdelete.audit_logs")
echo
echo "audit_softdelete read latencies: $count rows in audit_logs, the newest $new_rows written by audited"
echo "writes just before ($hot of them to one hot row, the last $trickle_rows over ${trickle_seconds} s), autovacuum on,"
echo "no VACUUM since the older rows; medians of $runs runs after one warm-up, $(nproc) cores"
echo "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), $($PG_BINDIR/postgres --version)"
echo
echo "$state"
echo
{
	echo "question|rows|median_ms|target_ms|result"
	cut -d'|' -f1-5 "$results"
} | column -s'|' -t
echo
while IFS='|' read -r name rows ms target verdict top; do
	echo "target: $name under $target ms: $ms ms, $verdict"
	echo "  plan: $top"
done <"$results"
echo
echo "plans (EXPLAIN (ANALYZE, BUFFERS)) written to $log; $((SECONDS - started)) s in all"
