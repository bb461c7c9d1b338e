#!/usr/bin/env bash
# test/bench/wal-floor.sh: how few bytes, and how little WAL, an audited
# UPDATE can cost while its audit row holds the same facts (issue 13's
# bytes and WAL targets).
#
# Four variants of the benchmark's one-column UPDATE (schema.sql,
# update*.sql), each in its own copy of one database:
#   none  no auditing: the bare UPDATE
#   full  audit_softdelete, everything on (variant 2 of run-bench.sh)
#   app   the application writes audit_logs' row itself, in the same shape
#         (variant 5: update_app.sql into ref_audit_logs)
#   min   the application writes the same facts in the fewest bytes
#         (wal_floor.sql, update_min.sql): names, session columns and
#         action through small keys, changed_columns left to new_values
# First a content check: the same statements (pgbench's fixed seed) in
# full, app and min, whose audit rows (min's through the view that gives
# them back in audit_logs' columns) must be the same.  Then, on fresh
# copies, after FLOOR_WARM statements and a CHECKPOINT, FLOOR_STATEMENTS
# prepared UPDATEs on one connection, full_page_writes off: the WAL per
# UPDATE, the audit row's size (pg_column_size) and what the audit table
# and its indexes grew by per row.
#
# Settings (environment): FLOOR_ROWS (100000 rows in bench_items),
# FLOOR_STATEMENTS (5000), FLOOR_WARM (1000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/test/lib/cluster.sh"

rows=${FLOOR_ROWS:-100000}
statements=${FLOOR_STATEMENTS:-5000}
warm=${FLOOR_WARM:-1000}

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc
asd_build_install "$src"
asd_cluster_start -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=512MB \
	-c max_wal_size=4GB -c checkpoint_timeout=30min -c autovacuum=off

PGBENCH=$PG_BINDIR/pgbench
export PGOPTIONS="-c client_min_messages=warning -c audit_softdelete.actor=bench"
export PGAPPNAME=pgbench
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"; asd_cluster_stop' EXIT

q -d postgres -c "CREATE DATABASE floor_base"
q -d floor_base -v rows="$rows" -f "$here/schema.sql" >/dev/null

variants="none full app min"
script_of() { case $1 in none | full) echo update.sql ;; app) echo update_app.sql ;; min) echo update_min.sql ;; esac; }
table_of() { case $1 in full) echo audit_softdelete.audit_logs ;; app) echo ref_audit_logs ;; min) echo min_audit ;; esac; }
rows_of() { case $1 in min) echo min_audit_logs ;; *) table_of "$1" ;; esac; }

make_copy() {				# variant database
	q -d postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2 TEMPLATE floor_base STRATEGY FILE_COPY"
	case $1 in
	full) q -d "$2" -f "$here/variant_full.sql" >/dev/null ;;
	app) q -d "$2" -f "$here/ref_audit_logs.sql" >/dev/null
	     q -d "$2" -f "$here/variant_app.sql" >/dev/null ;;
	min) q -d "$2" -f "$here/wal_floor.sql" >/dev/null ;;
	esac
}

# The content check, as run-bench.sh's: each variant's audit rows as jsonb
# without id, logged_at and txid, table_oid as a name, timestamps replaced
# by the number of the row whose logged_at they are, or by their order of
# first appearance.  Only UPDATEs: enable() writes audit rows of its own.
normalised_rows() {			# variant database
	q -F $'\t' -d "$2" -c "SELECT to_jsonb(logged_at),
	        j || jsonb_build_object('table_oid', (j ->> 'table_oid')::oid::regclass::text)
	   FROM (SELECT id, logged_at, to_jsonb(a) - '{id,logged_at,txid}'::text[] AS j
	           FROM $(rows_of "$1") a WHERE action = 'UPDATE') a ORDER BY id" |
		perl "$here/normalise_times.pl"
}
asd_log "content check: full, app, min, the same statements"
for v in full app min; do
	make_copy "$v" "check_$v"
	for spec in "-t 40 -D rows=$rows" "-t 20 -D rows=6"; do
		# shellcheck disable=SC2086
		"$PGBENCH" -n -M simple -c 1 -j 1 --random-seed=4242 $spec -f "$here/$(script_of "$v")" "check_$v" >/dev/null 2>&1 ||
			asd_die "content check: pgbench failed for $v"
	done
	normalised_rows "$v" "check_$v" >"$work/check.$v"
	q -d postgres -c "DROP DATABASE check_$v"
done
same=yes
for v in app min; do
	diff -q "$work/check.full" "$work/check.$v" >/dev/null || { same=no; diff "$work/check.full" "$work/check.$v" | head -20; }
done
[ -s "$work/check.full" ] || same=no
echo "content: full, app and min store the same audit rows ($(wc -l <"$work/check.full") UPDATEs): $same"
[ "$same" = yes ] || asd_die "the variants do not store the same facts"

printf '%-5s %14s %10s %22s\n' variant "WAL per UPDATE" "audit row" "heap + indexes per row"
for v in $variants; do
	make_copy "$v" "run_$v"
	"$PGBENCH" -n -M prepared -c 1 -j 1 -t "$warm" -D rows="$rows" -f "$here/$(script_of "$v")" "run_$v" >/dev/null 2>&1 ||
		asd_die "pgbench failed for $v"
	q -d "run_$v" -c "CHECKPOINT"
	table=$(table_of "$v")
	mark="0;0"
	[ -z "$table" ] || mark=$(q -F ';' -d "run_$v" -c "SELECT max(id), pg_total_relation_size('$table') FROM $table")
	lsn=$(q -d "run_$v" -c "SELECT pg_current_wal_insert_lsn()")
	"$PGBENCH" -n -M prepared -c 1 -j 1 -t "$statements" -D rows="$rows" -f "$here/$(script_of "$v")" "run_$v" >/dev/null 2>&1 ||
		asd_die "pgbench failed for $v"
	wal=$(q -d "run_$v" -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn') / $statements)")
	row=- grown=-
	if [ -n "$table" ]; then
		IFS=';' read -r row grown <<<"$(q -F ';' -d "run_$v" -c "SELECT round(avg(pg_column_size(a.*))),
		        round((pg_total_relation_size('$table') - ${mark#*;}) / count(*)::numeric)
		   FROM $table a WHERE id > ${mark%;*}")"
	fi
	printf '%-5s %14s %10s %22s\n' "$v" "$wal B" "$row B" "$grown B"
	q -d postgres -c "DROP DATABASE run_$v"
done
echo "($statements prepared UPDATEs after $warm, one connection, full_page_writes off, bench_items of $rows rows;"
echo " commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), $($PG_BINDIR/postgres --version))"
