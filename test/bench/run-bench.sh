#!/usr/bin/env bash
# test/bench/run-bench.sh: audit_softdelete against no auditing at all.
#
# Starts a throwaway cluster (as the tests do), builds one template database
# per variant, each a copy of a base holding a prefilled audit history of
# BENCH_PREFILL_ROWS rows (prefill.sql; ref_audit_logs.sql for variants 4
# and 5); checks that variants 2, 4 and 5 store the same audit rows for the
# same statements (stops if not); runs pgbench for single-row INSERT,
# UPDATE of one column and DELETE, interleaved across variants and
# repeated, each run on a fresh copy of the variant's template, right after
# a checkpoint; then a bulk UPDATE of BENCH_BULK_ROWS rows in one statement
# (variant 5: the same UPDATE writing every row's audit row in a writable
# CTE); then, with valgrind, the instructions and WAL per single-row
# INSERT, UPDATE and DELETE.  Prints one table (medians; ratios to variants
# 1 and 4 as the median of each round's own ratio, so that drift between
# rounds cancels), writes it as CSV, and prints one line per target of
# issue 13, met or not.  Timing lives here, never in a pass/fail test.
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
# BENCH_WORKLOADS ("insert update delete"), BENCH_OUT (bench-results.csv),
# BENCH_PREFILL_ROWS (1000000: audit rows written before any timing),
# BENCH_CHECKPOINT_TIMEOUT (30s), BENCH_CHECK_ONLY (0: 1 stops after the
# content check).
#
# Every session acts as actor 'bench' (audit_softdelete.actor, which the
# PL/pgSQL variant reads too; variant 5 names it in its statements).
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
prefill_rows=${BENCH_PREFILL_ROWS:-1000000}
checkpoint_timeout=${BENCH_CHECKPOINT_TIMEOUT:-30s}
check_only=${BENCH_CHECK_ONLY:-0}
variants=(none full audit plpgsql app)
stride=$((delete_rows / clients))

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc valgrind
asd_build_install "$src"
# Checkpoints happen: every timed run starts right after a CHECKPOINT, so
# it pays the full-page image of each page it is first to touch (the random
# pages of the big audit log's row-history index among them), and runs
# longer than checkpoint_timeout see further checkpoints.
asd_cluster_start -c synchronous_commit=$sync_commit -c shared_buffers=512MB \
	-c max_wal_size=1GB -c checkpoint_timeout=$checkpoint_timeout -c autovacuum=off

PGBENCH=$PG_BINDIR/pgbench
export PGOPTIONS="-c client_min_messages=warning -c audit_softdelete.actor=bench"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# The base databases: the extension and BENCH_PREFILL_ROWS audit rows of
# history, in audit_logs (base_ext) or in ref_audit_logs (base_ref).
make_bases() {
	asd_log "prefilling the audit history: $prefill_rows rows"
	q -d postgres -c "CREATE DATABASE base_ext"
	q -d base_ext -v prefill_rows="$prefill_rows" -f "$here/prefill.sql" >/dev/null
	q -d postgres -c "CREATE DATABASE base_ref TEMPLATE base_ext STRATEGY FILE_COPY"
	q -d base_ref -f "$here/ref_audit_logs.sql" >/dev/null
	q -d postgres -c "CHECKPOINT" >/dev/null
}

make_template() {			# variant rows name
	local variant=$1 n=$2 db=$3 base=base_ext
	case $variant in plpgsql | app) base=base_ref ;; esac
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $base STRATEGY FILE_COPY"
	q -d "$db" -v rows="$n" -f "$here/schema.sql" >/dev/null
	q -d "$db" -f "$here/variant_$variant.sql" >/dev/null
	q -d "$db" -c "CHECKPOINT" >/dev/null
}

fresh_copy() {				# template [copy]: a copy, bench_run unless named
	local db=${2:-bench_run}
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $1 STRATEGY FILE_COPY"
}

audit_table() {				# variant
	case $1 in
	full | audit) echo audit_softdelete.audit_logs ;;
	plpgsql | app) echo ref_audit_logs ;;
	esac
}

audit_rows() {				# variant: audit rows written so far in bench_run
	case $1 in
	full | audit) q -d bench_run -c "SELECT count(*) FROM audit_softdelete.audit_logs" ;;
	plpgsql | app) q -d bench_run -c "SELECT count(*) FROM ref_audit_logs" ;;
	*) echo 0 ;;
	esac
}

# What the audit table holds before a run: its highest id, its indexes' size.
audit_mark() {				# variant
	local table
	table=$(audit_table "$1")
	[ -n "$table" ] || { echo "0;0;0"; return; }
	q -F ';' -d bench_run -c "SELECT coalesce(max(id), 0), pg_relation_size('$table'), pg_indexes_size('$table') FROM $table"
}

# Bytes per logged change of one run: the row alone, and heap + indexes
# (what the table and its indexes grew by).  Not the pages the run's rows
# occupy: after the prefill's VACUUM the free space map offers the room
# left at the end of old pages, and a new row there costs no new page;
# counting such a page whole made one UPDATE's audit row look 714 bytes.
audit_bytes() {				# variant action mark(id;heap;indexes)
	local table id heap indexes
	table=$(audit_table "$1")
	[ -n "$table" ] || { echo "-;-"; return; }
	IFS=';' read -r id heap indexes <<<"$3"
	q -F ';' -d bench_run -c "SELECT round(avg(pg_column_size(a.*))),
	        round((pg_relation_size('$table') - $heap + pg_indexes_size('$table') - $indexes)
	              / greatest(count(*), 1)::numeric)
	   FROM $table a WHERE id > $id AND action = '$2'"
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
make_bases
asd_log "building templates: $rows rows per table, variants ${variants[*]}"
for v in "${variants[@]}"; do
	make_template "$v" "$rows" "tpl_$v"
	case " $workloads " in
	*" delete "*) make_template "$v" "$delete_rows" "tpldel_$v" ;;
	esac
done

# The content check: variants 2, 4 and 5 must store the same audit rows for
# the same statements, or the comparison is not fair.  On a copy of each
# template, a fixed, deterministic sequence runs the very workload scripts
# the benchmark times (one client, pgbench's fixed random seed): INSERTs;
# UPDATEs; UPDATEs of a few rows again (updated_by unchanged); soft
# DELETEs, and the same again (rows already deleted); UPDATEs of deleted
# rows; the bulk UPDATE.  Each variant's new audit rows, in id order, as
# jsonb without id, logged_at and txid, table_oid as the table's name, and
# every timestamp replaced by the number of the audit row whose logged_at
# it is ("@n"), or else by the order in which that value first appears
# ("?n"), must be the same lines.
check_statements() {			# variant database
	local v=$1 db=$2 suffix=
	[ "$v" = app ] && suffix=_app
	pgb() { "$PGBENCH" -n -M simple -c 1 -j 1 --random-seed=4242 "$@" "$db" >>"$results/check.$v.log" 2>&1 ||
		{ cat "$results/check.$v.log"; asd_die "content check: pgbench failed for $v"; }; }
	pgb -t 5 -f "$here/insert$suffix.sql"
	pgb -t 40 -D rows="$rows" -f "$here/update$suffix.sql"
	pgb -t 20 -D rows=6 -f "$here/update$suffix.sql"
	pgb -t 8 -D k=0 -D stride=1 -f "$here/delete$suffix.sql"
	pgb -t 3 -D k=0 -D stride=1 -f "$here/delete$suffix.sql"
	pgb -t 10 -D rows=4 -f "$here/update$suffix.sql"
	q -d "$db" -f "$here/bulk_$([ "$v" = app ] && echo app || echo update).sql" >/dev/null
}
normalised_audit_rows() {		# variant database first-id
	local table
	table=$(audit_table "$1")
	q -F $'\t' -d "$2" -c "SELECT to_jsonb(logged_at),
	        CASE WHEN j ? 'table_oid' THEN j || jsonb_build_object('table_oid', (j ->> 'table_oid')::oid::regclass::text)
	             ELSE j END
	   FROM (SELECT id, logged_at, to_jsonb(a) - '{id,logged_at,txid}'::text[] AS j
	           FROM $table a WHERE id > $3) a ORDER BY id" |
		perl "$here/normalise_times.pl"
}
content_check() {
	local v first same=yes
	asd_log "content check: variants 2, 4, 5, the same statements"
	for v in full plpgsql app; do
		fresh_copy "tpl_$v" "check_$v"
		first=$(q -d "check_$v" -c "SELECT coalesce(max(id), 0) FROM $(audit_table "$v")")
		check_statements "$v" "check_$v"
		normalised_audit_rows "$v" "check_$v" "$first" >"$results/check.$v.rows"
		q -d postgres -c "DROP DATABASE check_$v"
	done
	echo
	echo "content: $(wc -l <"$results/check.full.rows") audit rows of variant 2 for the check's statements"
	for v in plpgsql app; do
		if ! diff -q "$results/check.full.rows" "$results/check.$v.rows" >/dev/null; then
			same=no
			echo "content: variant $([ "$v" = app ] && echo 5 || echo 4) differs from variant 2 (< variant 2, > variant $([ "$v" = app ] && echo 5 || echo 4)):"
			diff "$results/check.full.rows" "$results/check.$v.rows" | head -40
		fi
	done
	[ -s "$results/check.full.rows" ] || same=no
	echo "content: variants 2, 4, 5 store the same audit rows: $same"
	echo
	[ "$same" = yes ] ||
		asd_die "the variants do not store the same audit rows, the comparison would not be fair (rows in $results/check.*.rows)"
}
content_check
if [ "$check_only" = 1 ]; then
	rm -rf "$results"
	exit 0
fi

# One workload, one variant, one run: tps, and the audit rows it wrote.
run_one() {				# workload variant run
	local workload=$1 v=$2 r=$3 script secs template extra=() before after tx tps wal wal_before mark
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
	[ "$r" = 1 ] && mark=$(audit_mark "$v")
	q -d bench_run -c "CHECKPOINT" >/dev/null
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
		insert) audit_bytes "$v" INSERT "$mark" ;;
		update) audit_bytes "$v" UPDATE "$mark" ;;
		delete) [ "$v" = audit ] && audit_bytes "$v" DELETE "$mark" || audit_bytes "$v" SOFT_DELETE "$mark" ;;
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
			q -d bench_run -c "VACUUM ANALYZE bench_items" -c "CHECKPOINT" >/dev/null
			ms=$(psql -X -q -d bench_run -c '\timing on' -f "$here/bulk_$([ "$v" = app ] && echo app || echo update).sql" |
				awk '/^Time:/ {print $2}')
			echo "$ms" >>"$results/bulk.$v.ms"
			asd_log "bulk $v run $r: $ms ms"
		done
	done
fi
q -d postgres -c "DROP DATABASE IF EXISTS bench_run"

# Instructions and WAL bytes per single-row statement, with valgrind on a
# single-user backend: the difference between 600 and 100 statements, over
# 500, so that start-up drops out.  Deterministic, whatever the machine is
# doing.  Each count runs on its own copy of the variant's template (with
# its prefilled history), made by CREATE DATABASE in the stopped cluster.
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
	local base=$dir/stmts.$v.$workload.$protocol.$n data=$ASD_CLUSTER_DIR/data
	stmt=$(script_statement "$workload" "$v")
	{
		echo "SELECT set_config('bench.wal_start', pg_current_wal_insert_lsn()::text, false);"
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
		echo "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), current_setting('bench.wal_start')::pg_lsn) AS wal_bytes;"
	} >"$base.sql"
	chown postgres "$base.sql" 2>/dev/null || true
	printf '%s\n' "DROP DATABASE IF EXISTS cg_run" "CREATE DATABASE cg_run TEMPLATE tpl_$v STRATEGY FILE_COPY" |
		asd_as_postgres "$PG_BINDIR/postgres" --single -D "$data" postgres >"$base.copy.out" 2>&1
	asd_as_postgres valgrind --tool=callgrind --callgrind-out-file="$base.cg" \
		"$PG_BINDIR/postgres" --single -D "$data" -c synchronous_commit=off \
		-c full_page_writes=off -c audit_softdelete.actor=bench cg_run \
		<"$base.sql" >"$base.out" 2>"$base.valgrind.log"
	if grep -q 'ERROR:' "$base.copy.out" "$base.out" "$base.valgrind.log"; then
		grep -h 'ERROR:' "$base.copy.out" "$base.out" "$base.valgrind.log" | head -3 >&2
		asd_die "a statement failed under valgrind: $base.sql"
	fi
	echo "$(awk '/^summary:/ {print $2}' "$base.cg") $(sed -n 's/.*wal_bytes = "\([0-9]*\)".*/\1/p' "$base.out")"
}
if [ "$callgrind" = 1 ]; then
	asd_log "instructions per statement (valgrind, about ten minutes)"
	dir=$ASD_CLUSTER_DIR/callgrind
	mkdir -p "$dir"
	chown postgres "$dir" 2>/dev/null || true
	# Only the single-row templates are needed from here on.
	for v in "${variants[@]}"; do
		q -d postgres -c "DROP DATABASE IF EXISTS tpldel_$v" -c "DROP DATABASE IF EXISTS tplbulk_$v"
	done
	asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -w stop >/dev/null
	for wp in "${instr_workloads[@]}"; do
		for v in "${variants[@]}"; do
			res=$(instructions "$v" "${wp%%:*}" "${wp##*:}" 100)
			read -r small small_wal <<<"$res"
			res=$(instructions "$v" "${wp%%:*}" "${wp##*:}" 600)
			read -r big big_wal <<<"$res"
			echo $(( (big - small) / 500 )) >"$results/instr.${wp%%:*}.${wp##*:}.$v"
			echo $(( (big_wal - small_wal) / 500 )) >"$results/instrwal.${wp%%:*}.${wp##*:}.$v"
			asd_log "instructions per ${wp%%:*} (${wp##*:}), $v: $(cat "$results/instr.${wp%%:*}.${wp##*:}.$v"), WAL $(cat "$results/instrwal.${wp%%:*}.${wp##*:}.$v") B (100 statements: $small, $small_wal B; 600: $big, $big_wal B)"
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
				printf 'instructions_per_%s_%s,%s,%s,%s,%s,-,-,-,-,%s\n' "$w" "$protocol" "$(label "$v")" "$n" \
					"$(ratio "$n" "$base")" "$(ratio "$n" "$ref")" "$(cat "$results/instrwal.$w.$protocol.$v")"
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

# Issue 13's targets, each met or not with its figure.
target() {				# description figure op(le|ge) limit unit
	local desc=$1 fig=$2 op=$3 lim=$4 unit=${5:-x}
	if [ -z "$fig" ]; then
		echo "target: $desc: not measured"
		return
	fi
	awk -v d="$desc" -v f="$fig" -v op="$op" -v l="$lim" -v u="$unit" 'BEGIN {
		ok = (op == "le") ? (f + 0 <= l + 0) : (f + 0 >= l + 0)
		printf "target: %s: %s%s %s\n", d, f, u, ok ? "met" : "NOT MET" }'
}
instr_ratio() {				# workload numerator-variant denominator-variant
	local a=$results/instr.$1.prepared.$2 b=$results/instr.$1.prepared.$3
	[ -f "$a" ] && [ -f "$b" ] && ratio "$(cat "$a")" "$(cat "$b")"
}
tps_ratio() {				# workload numerator-variant denominator-variant
	local a=$results/$1.$2.tps b=$results/$1.$3.tps
	[ -f "$a" ] && [ -f "$b" ] && paired_ratio "$a" "$b"
}
action_name() { case $1 in insert) echo INSERT ;; update) echo UPDATE ;; delete) echo "soft DELETE" ;; esac; }
{
	for w in update:1.5 insert:1.45 delete:2.2; do
		target "instructions $(action_name "${w%%:*}") all-on <= ${w##*:}x bare$([ "${w%%:*}" = delete ] && echo " physical DELETE")" \
			"$(instr_ratio "${w%%:*}" full none)" le "${w##*:}"
	done
	for w in update:1.55 delete:1.55 insert:1.8; do
		target "instructions $(action_name "${w%%:*}") all-on >= ${w##*:}x fewer than variant 5" \
			"$(instr_ratio "${w%%:*}" app full)" ge "${w##*:}"
	done
	for w in update:3.8 delete:3.8 insert:1.95; do
		target "instructions $(action_name "${w%%:*}") all-on >= ${w##*:}x fewer than PL/pgSQL" \
			"$(instr_ratio "${w%%:*}" plpgsql full)" ge "${w##*:}"
	done
	for w in insert update; do
		target "tps $(action_name "$w") all-on >= 0.75 of no trigger" "$(tps_ratio "$w" full none)" ge 0.75
	done
	for w in insert update delete; do
		target "tps $(action_name "$w") all-on >= 1.2x variant 5" "$(tps_ratio "$w" full app)" ge 1.2
	done
	for w in update:2 delete:2 insert:1.4; do
		target "tps $(action_name "${w%%:*}") all-on >= ${w##*:}x PL/pgSQL" "$(tps_ratio "${w%%:*}" full plpgsql)" ge "${w##*:}"
	done
	fig=
	[ -f "$results/bulk.full.ms" ] && fig=$(paired_ratio "$results/bulk.full.ms" "$results/bulk.app.ms")
	target "bulk $bulk_rows-row UPDATE all-on <= 0.85x variant 5's time" "$fig" le 0.85
	fig=
	[ -f "$results/update.full.bytes" ] && fig=$(cut -d';' -f1 "$results/update.full.bytes")
	target "audit row bytes per single-column UPDATE <= 288 B (30% below the issue's 412 B row)" "$fig" le 288.4 " B"
	fig=
	[ -f "$results/update.full.bytes" ] && fig=$(cut -d';' -f2 "$results/update.full.bytes")
	echo "info: audit bytes per single-column UPDATE, heap + indexes grown: ${fig:-not measured} B"
	if [ -f "$results/instrwal.update.prepared.full" ]; then
		target "WAL per audited UPDATE (full_page_writes=off) <= 651 B (30% below 930 B)" \
			"$(cat "$results/instrwal.update.prepared.full")" le 651 " B"
	else
		fig=
		[ -f "$results/update.full.wal" ] && fig=$(median <"$results/update.full.wal")
		target "WAL per audited UPDATE (pgbench, full-page images included) <= 651 B (30% below 930 B)" "$fig" le 651 " B"
	fi
} | tee "${out%.csv}-targets.txt"
echo
echo "written to $out and ${out%.csv}-targets.txt"
rm -rf "$results"
