#!/usr/bin/env bash
# test/scripts/migration_pgbouncer.sh: a non-transactional migration behind
# PgBouncer in session pooling, with one server connection in the pool.
# Client X begins the run and disconnects without finishing it; PgBouncer
# resets the backend with DISCARD ALL and hands it to client Y.  The run
# is X's, not the backend's: Y's writes and DDL carry no run id, Y may not
# finish it, and Y's own migration is refused because the run is
# interrupted (not "running in this session"), until it is resolved.
# Transactional runs work behind the pooler as they do directly.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh,
# which installs pgbouncer (Debian's package).
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"
. "$(dirname "$0")/../lib/pgbouncer.sh"

db=db_asd_migration_pgbouncer

work=$(mktemp -d)
cleanup() {
	pgbouncer_stop "$work"
	rm -rf "$work"
}
trap cleanup EXIT

psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE items (id int PRIMARY KEY, note text);
SELECT audit_softdelete.enable('items', stamps => false, soft_delete => 'off');
INSERT INTO items VALUES (1, 'before');
SQL

# One server connection: every client gets the same backend, reset with
# DISCARD ALL between clients.
pgbouncer_start "$work" "$db" session "server_reset_query = DISCARD ALL"

# the error a statement raises through the pooler, with its SQLSTATE, and
# its DETAIL
error_of() {
	PGAPPNAME=client_y B -v VERBOSITY=verbose -c "$1" 2>&1 | grep -E '^(ERROR|DETAIL):' || true
}

# Client X: begins a non-transactional run, writes, and goes away.
x_out=$(PGAPPNAME=client_x B -v ON_ERROR_STOP=1 \
	-c "SELECT pg_backend_pid()" \
	-c "SELECT audit_softdelete.migration_begin('2026_01_x_idx', transactional => false)" \
	-c "UPDATE items SET note = 'by x' WHERE id = 1")
x_pid=$(sed -n 1p <<<"$x_out")
x_run=$(sed -n 2p <<<"$x_out")

# Client Y: the same backend, reset.  It writes, runs DDL, and tries to
# finish the run X left.
PGAPPNAME=client_y B -v VERBOSITY=verbose \
	-c "SELECT pg_backend_pid()" \
	-c "UPDATE items SET note = 'by y' WHERE id = 1" \
	-c "CREATE TABLE y_table (id int)" \
	-c "SELECT audit_softdelete.migration_finish()" >"$work/y.out" 2>"$work/y.err" || true
check "the pooler gave client Y client X's backend" "$x_pid" "$(cat "$work/y.out")"
check "Y cannot finish X's run" \
	"ERROR:  55000: run $x_run of migration \"2026_01_x_idx\" is no longer this session's
DETAIL:  DISCARD ALL released the migration lock, and with it the run, while the run was in progress. A connection pooler runs DISCARD ALL when it hands the connection to another client." \
	"$(grep -E '^(ERROR|DETAIL):' "$work/y.err")"

check "X's write carries its run, Y's none" "by x|true
by y|true" \
	"$(psql_q -d "$db" -c "SELECT new_values->>'note' || '|' ||
	      CASE new_values->>'note' WHEN 'by x' THEN (migration_id = $x_run)::text
	                               ELSE (migration_id IS NULL)::text END
	      FROM audit_softdelete.audit_logs WHERE action = 'UPDATE' ORDER BY id")"
check "Y's DDL carries no run" "t" \
	"$(psql_q -d "$db" -c "SELECT migration_id IS NULL FROM audit_softdelete.migration_ddl
	                        WHERE object_identity = 'public.y_table'")"
check "no backend holds the migration lock" "0" \
	"$(psql_q -d "$db" -c "SELECT count(*) FROM audit_softdelete.migration_running")"
check "the ledger reports X's run interrupted" "2026_01_x_idx|interrupted" \
	"$(psql_q -d "$db" -c "SELECT version || '|' || state FROM audit_softdelete.migration_versions")"

check "nor can a later client" \
	"ERROR:  55000: no migration is running in this session" \
	"$(error_of "SELECT audit_softdelete.migration_finish()" | sed -n 1p)"
check "Y's own migration waits for X's to be resolved" \
	"ERROR:  55000: migration \"2026_01_x_idx\" was interrupted" \
	"$(error_of "BEGIN; SELECT audit_softdelete.migration_begin('2026_02_y'); COMMIT;" | sed -n 1p)"
check "X's run is still running in its row, nothing else recorded" "running|1" \
	"$(psql_q -d "$db" -c "SELECT string_agg(status, ',') || '|' || count(*)
	                        FROM audit_softdelete.migrations")"

psql_q -d "$db" -c "SELECT audit_softdelete.migration_resolve('2026_01_x_idx', 'failed',
                        'client X went away; the index was not built')" >/dev/null
check "resolved, a transactional migration runs through the pooler" "applied" \
	"$(PGAPPNAME=client_y B -v ON_ERROR_STOP=1 \
		-c "BEGIN" \
		-c "SELECT audit_softdelete.migration_begin('2026_02_y') IS NOT NULL" \
		-c "ALTER TABLE items ADD extra int" \
		-c "SELECT audit_softdelete.migration_finish()" \
		-c "COMMIT" >/dev/null &&
	   psql_q -d "$db" -c "SELECT state FROM audit_softdelete.migration_versions
	                        WHERE version = '2026_02_y'")"

pgbouncer_stop "$work"
# let PgBouncer close its server connection before the database goes
for i in $(seq 1 50); do
	[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")" = 0 ] && break
	sleep 0.1
done
psql_q -d postgres -c "DROP DATABASE $db"
exit $fail
