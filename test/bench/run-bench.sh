#!/usr/bin/env bash
# test/bench/run-bench.sh: audit_softdelete against no auditing at all.
#
# Starts a throwaway cluster (as the tests do), builds one template database
# per variant, and runs pgbench for single-row INSERT, UPDATE of one column
# and DELETE, interleaved across variants and repeated, each run on a fresh
# copy of the variant's template; then a bulk UPDATE of BENCH_BULK_ROWS rows
# in one statement (variant 5: the same UPDATE writing every row's audit row
# in a writable CTE); then, with valgrind, the instructions per single-row
# INSERT, UPDATE and DELETE.  Prints one table (medians; ratios to variants 1 and 4 as the median
# of each round's own ratio, so that drift between rounds cancels) and writes
# it as CSV.  Timing lives here, never in a pass/fail test.
#
# Variants:
#   1 none     no trigger
#   2 full     audit_softdelete, everything on (stamps, soft delete, audit)
#   3 audit    audit_softdelete, audit trail only
#   4 plpgsql  the same semantics in PL/pgSQL (variant_plpgsql.sql)
#   5 app      no trigger; the application writes the audit row itself in
#              the same statement (a writable CTE)
#
# Settings (environment): BENCH_SECONDS (20), BENCH_DELETE_SECONDS (8),
# BENCH_RUNS (3), BENCH_CLIENTS (2), BENCH_ROWS (100000), BENCH_DELETE_ROWS
# (1000000: every DELETE must find a live row of its own), BENCH_BULK_ROWS
# (1000000, 0 skips), BENCH_CALLGRIND (1), BENCH_SYNC_COMMIT (off),
# BENCH_WORKLOADS ("insert update delete"), BENCH_OUT (bench-results.csv).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/test/lib/cluster.sh"

seconds=${BENCH_SECONDS:-20}
delete_seconds=${BENCH_DELETE_SECONDS:-8}
runs=${BENCH_RUNS:-3}
clients=${BENCH_CLIENTS:-2}
rows=${BENCH_ROWS:-100000}
delete_rows=${BENCH_DELETE_ROWS:-1000000}
bulk_rows=${BENCH_BULK_ROWS:-1000000}
workloads=${BENCH_WORKLOADS:-insert update delete}
callgrind=${BENCH_CALLGRIND:-1}
sync_commit=${BENCH_SYNC_COMMIT:-off}
out=${BENCH_OUT:-$PWD/bench-results.csv}
variants=(none full audit plpgsql app)
stride=$((delete_rows / clients))

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc valgrind
asd_build_install "$src"
asd_cluster_start -c synchronous_commit=$sync_commit -c shared_buffers=512MB \
	-c max_wal_size=8GB -c checkpoint_timeout=30min -c autovacuum=off

PGBENCH=$PG_BINDIR/pgbench
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

make_template() {			# variant rows name
	local variant=$1 n=$2 db=$3
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	q -d "$db" -v rows="$n" -f "$here/schema.sql" >/dev/null
	q -d "$db" -f "$here/variant_$variant.sql" >/dev/null
	q -d "$db" -c "CHECKPOINT" >/dev/null
}

fresh_copy() {				# template -> bench_run
	q -d postgres -c "DROP DATABASE IF EXISTS bench_run" -c "CREATE DATABASE bench_run TEMPLATE $1"
}

audit_rows() {				# variant: audit rows written so far in bench_run
	case $1 in
	full | audit) q -d bench_run -c "SELECT count(*) FROM audit_softdelete.audit_logs" ;;
	plpgsql | app) q -d bench_run -c "SELECT count(*) FROM ref_audit_logs" ;;
	*) echo 0 ;;
	esac
}

audit_bytes() {				# variant action: bytes per logged change (row only, and with indexes)
	local table
	case $1 in
	full | audit) table=audit_softdelete.audit_logs ;;
	plpgsql | app) table=ref_audit_logs ;;
	*) echo "-;-"; return ;;
	esac
	q -F ';' -d bench_run -c "SELECT round(avg(pg_column_size(a.*))),
	        round(pg_total_relation_size('$table') / greatest(count(*), 1)::numeric)
	   FROM $table a WHERE action = '$2'"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# The median of the ratios of each round's figures (line i of one file to
# line i of the other): the machine's drift between rounds cancels out.
paired_ratio() {			# file file
	paste "$1" "$2" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }' | median |
		awk '{ printf "%.2f", $1 }'
}
# The variants in round r's order: each round starts one further along, so
# that no variant always runs first (after the templates were built) or last.
round_order() {				# round
	local n=${#variants[@]} i
	for i in $(seq 0 $((n - 1))); do
		echo "${variants[$(( (i + $1 - 1) % n ))]}"
	done
}

results=$(mktemp -d)
asd_log "building templates: $rows rows per table, variants ${variants[*]}"
for v in "${variants[@]}"; do
	make_template "$v" "$rows" "tpl_$v"
	case " $workloads " in
	*" delete "*) make_template "$v" "$delete_rows" "tpldel_$v" ;;
	esac
done

# One workload, one variant, one run: tps, and the audit rows it wrote.
run_one() {				# workload variant run
	local workload=$1 v=$2 r=$3 script secs template extra=() before after tx tps wal wal_before
	script=$here/$workload.sql
	[ "$v" = app ] && script=$here/${workload}_app.sql
	secs=$seconds
	template=tpl_$v
	if [ "$workload" = delete ]; then
		secs=$delete_seconds
		extra=(-D k=0 -D stride="$stride")
		template=tpldel_$v
	fi
	fresh_copy "$template"
	q -d bench_run -c "VACUUM ANALYZE bench_items" >/dev/null
	before=$(audit_rows "$v")
	wal_before=$(q -d postgres -c "SELECT pg_current_wal_insert_lsn()")
	"$PGBENCH" -n -M prepared -c "$clients" -j "$clients" -T "$secs" -D rows="$rows" \
		"${extra[@]}" -f "$script" bench_run >"$results/$workload.$v.$r.log" 2>&1 ||
		{ cat "$results/$workload.$v.$r.log"; asd_die "pgbench failed"; }
	wal=$(q -d postgres -c "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before')")
	after=$(audit_rows "$v")
	tx=$(awk '/number of transactions actually processed/ {print $NF}' "$results/$workload.$v.$r.log" | cut -d/ -f1)
	awk -v w="$wal" -v t="$tx" 'BEGIN { printf "%.0f\n", (t > 0 ? w / t : 0) }' >>"$results/$workload.$v.wal"
	tps=$(awk '/^tps = / {print $3}' "$results/$workload.$v.$r.log")
	echo "$tps" >>"$results/$workload.$v.tps"
	echo "$((after - before)) $tx" >>"$results/$workload.$v.count"
	if [ "$workload" = delete ] && [ "$tx" -gt "$delete_rows" ]; then
		asd_log "warning: $tx deletes for $delete_rows rows: raise BENCH_DELETE_ROWS"
	fi
	if [ "$r" = 1 ]; then
		case $workload in
		insert) audit_bytes "$v" INSERT ;;
		update) audit_bytes "$v" UPDATE ;;
		delete) [ "$v" = audit ] && audit_bytes "$v" DELETE || audit_bytes "$v" SOFT_DELETE ;;
		esac >"$results/$workload.$v.bytes"
	fi
	asd_log "$workload $v run $r: $tps tps, $((after - before)) audit rows for $tx transactions"
}

for workload in $workloads; do
	for r in $(seq 1 "$runs"); do
		for v in $(round_order "$r"); do
			run_one "$workload" "$v" "$r"
		done
	done
done

# The bulk UPDATE: one statement over bulk_rows rows.
if [ "$bulk_rows" -gt 0 ]; then
	asd_log "bulk UPDATE of $bulk_rows rows"
	for v in "${variants[@]}"; do
		make_template "$v" "$bulk_rows" "tplbulk_$v"
	done
	for r in $(seq 1 "$runs"); do
		for v in $(round_order "$r"); do
			fresh_copy "tplbulk_$v"
			q -d bench_run -c "VACUUM ANALYZE bench_items" >/dev/null
			ms=$(psql -X -q -d bench_run -c '\timing on' -f "$here/bulk_$([ "$v" = app ] && echo app || echo update).sql" |
				awk '/^Time:/ {print $2}')
			echo "$ms" >>"$results/bulk.$v.ms"
			asd_log "bulk $v run $r: $ms ms"
		done
	done
fi
q -d postgres -c "DROP DATABASE IF EXISTS bench_run"

# Instructions per single-row statement, with valgrind on a single-user
# backend: the difference between 600 and 100 statements, over 500, so
# that start-up drops out.  Deterministic, whatever the machine is doing.
# With full_page_writes=off: each counted statement is the first to touch
# its pages since the checkpoint that precedes the copy, so with it on
# every statement would pay a full-page image (about 11.5k instructions,
# in every variant) that a long pgbench run almost never pays.
# Each workload's pgbench statement (its *_app.sql for variant 5) as a
# prepared statement (EXECUTE, as pgbench -M prepared runs it: no parsing or
# planning, so the trigger's share shows whole); UPDATE also as a plain
# statement parsed and planned each time.  Every statement meets its own
# live row: ids (i * 7919) mod rows + 1 differ for i < rows.
instr_workloads=(update:prepared update:simple insert:prepared delete:prepared)
script_statement() {		# workload variant: the statement on one line, :id as $1
	local f=$here/$1.sql
	[ "$2" = app ] && f=$here/${1}_app.sql
	grep -v -e '^\\' -e '^ *--' "$f" | tr '\n' ' ' | sed -e 's/:id/$1/g' -e 's/; *$//'
}
instructions() {			# variant workload protocol statements
	local v=$1 workload=$2 protocol=$3 n=$4 dir=$ASD_CLUSTER_DIR/callgrind i id stmt
	local base=$dir/stmts.$v.$workload.$protocol.$n
	stmt=$(script_statement "$workload" "$v")
	{
		if [ "$protocol" = prepared ]; then
			case $stmt in
			*'$1'*) echo "PREPARE s(bigint) AS $stmt;" ;;
			*) echo "PREPARE s AS $stmt;" ;;
			esac
		fi
		for i in $(seq 1 "$n"); do
			id=$(( (i * 7919) % rows + 1 ))
			case $protocol:$stmt in
			prepared:*'$1'*) echo "EXECUTE s($id);" ;;
			prepared:*) echo "EXECUTE s;" ;;
			*) echo "${stmt//\$1/$id};" ;;
			esac
		done
	} >"$base.sql"
	chown postgres "$base.sql" 2>/dev/null || true
	rm -rf "$dir/run"
	asd_as_postgres cp -a "$dir/data" "$dir/run"
	asd_as_postgres valgrind --tool=callgrind --callgrind-out-file="$base.cg" \
		"$PG_BINDIR/postgres" --single -D "$dir/run" -c synchronous_commit=off \
		-c full_page_writes=off "tpl_$v" \
		<"$base.sql" >"$base.out" 2>"$base.valgrind.log"
	if grep -q 'ERROR:' "$base.out" "$base.valgrind.log"; then
		grep -h 'ERROR:' "$base.out" "$base.valgrind.log" | head -3 >&2
		asd_die "a statement failed under valgrind: $base.sql"
	fi
	awk '/^summary:/ {print $2}' "$base.cg"
}
if [ "$callgrind" = 1 ]; then
	asd_log "instructions per statement (valgrind, about ten minutes)"
	dir=$ASD_CLUSTER_DIR/callgrind
	mkdir -p "$dir"
	chown postgres "$dir" 2>/dev/null || true
	asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -w stop >/dev/null
	asd_as_postgres cp -a "$ASD_CLUSTER_DIR/data" "$dir/data"
	asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -l "$ASD_CLUSTER_DIR/server.log" -w \
		-o "-c listen_addresses='' -p $PGPORT -k $ASD_CLUSTER_DIR" start >/dev/null
	for wp in "${instr_workloads[@]}"; do
		for v in "${variants[@]}"; do
			small=$(instructions "$v" "${wp%%:*}" "${wp##*:}" 100)
			big=$(instructions "$v" "${wp%%:*}" "${wp##*:}" 600)
			echo $(( (big - small) / 500 )) >"$results/instr.${wp%%:*}.${wp##*:}.$v"
			asd_log "instructions per ${wp%%:*} (${wp##*:}), $v: $(cat "$results/instr.${wp%%:*}.${wp##*:}.$v")"
		done
	done
fi

# The table.
label() { case $1 in none) echo "1 no trigger" ;; full) echo "2 audit_softdelete (all on)" ;;
	audit) echo "3 audit_softdelete (audit only)" ;; plpgsql) echo "4 PL/pgSQL reference" ;;
	app) echo "5 application writes audit row" ;; esac; }
{
	echo "workload,variant,tps_median,ratio_to_1,ratio_to_4,audit_rows_per_s,audit_row_bytes,audit_bytes_with_indexes,audit_rows_equal_writes,wal_bytes_per_write"
	for workload in $workloads; do
		for v in "${variants[@]}"; do
			tps=$(median <"$results/$workload.$v.tps")
			bytes=$(cat "$results/$workload.$v.bytes" 2>/dev/null || echo "-;-")
			if [ "$v" = none ]; then
				lost="-"
				per_s="-"
			else
				lost=$(awk '{ if ($1 != $2) bad = 1 } END { print bad ? "NO" : "yes" }' "$results/$workload.$v.count")
				per_s=$(printf '%.0f' "$tps")
			fi
			printf '%s,%s,%.0f,%s,%s,%s,%s,%s,%s,%.0f\n' "$workload" "$(label "$v")" "$tps" \
				"$(paired_ratio "$results/$workload.$v.tps" "$results/$workload.none.tps")" \
				"$(paired_ratio "$results/$workload.$v.tps" "$results/$workload.plpgsql.tps")" \
				"$per_s" "${bytes%%;*}" "${bytes##*;}" "$lost" "$(median <"$results/$workload.$v.wal")"
		done
	done
	if [ "$bulk_rows" -gt 0 ]; then
		for v in "${variants[@]}"; do
			ms=$(median <"$results/bulk.$v.ms")
			printf 'bulk_update_ms,%s,%.0f,%s,%s,-,-,-,-,-\n' "$(label "$v")" "$ms" \
				"$(paired_ratio "$results/bulk.$v.ms" "$results/bulk.none.ms")" \
				"$(paired_ratio "$results/bulk.$v.ms" "$results/bulk.plpgsql.ms")"
		done
	fi
	if [ "$callgrind" = 1 ]; then
		for wp in "${instr_workloads[@]}"; do
			w=${wp%%:*} protocol=${wp##*:}
			base=$(cat "$results/instr.$w.$protocol.none")
			ref=$(cat "$results/instr.$w.$protocol.plpgsql")
			for v in "${variants[@]}"; do
				n=$(cat "$results/instr.$w.$protocol.$v")
				printf 'instructions_per_%s_%s,%s,%s,%s,%s,-,-,-,-,-\n' "$w" "$protocol" "$(label "$v")" "$n" \
					"$(ratio "$n" "$base")" "$(ratio "$n" "$ref")"
			done
		done
	fi
} >"$out"

echo
echo "audit_softdelete benchmark: $clients clients, pgbench -M prepared, synchronous_commit=$sync_commit,"
echo "$rows rows ($delete_rows for DELETE), medians of $runs interleaved runs ($seconds s; DELETE $delete_seconds s), $(nproc) cores"
echo "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), $($PG_BINDIR/postgres --version)"
echo "(tps: medians; ratios: medians of each round's own ratio; bulk_update_ms and instructions_per_*:"
echo " the ratio columns are ratios of ms and instructions, lower is better;"
echo " instructions counted with full_page_writes=off)"
echo
column -s, -t <"$out"
echo
echo "written to $out"
rm -rf "$results"
