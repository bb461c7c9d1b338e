#!/usr/bin/env bash
# test/scripts/migration_interrupted.sh: a non-transactional migration (the
# kind that runs CREATE INDEX CONCURRENTLY) whose backend is terminated
# with pg_terminate_backend() while it runs.  Its row stays "running" with
# no backend behind it: the ledger reports it "interrupted", and the next
# migration_begin() (or migration_fail()) refuses to go on until
# migration_resolve() records what happened; then migrations run again.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

db=db_asd_migration_interrupted
version=2026_01_users_email_idx
work=$(mktemp -d)
runner=
cleanup() {
	[ -z "$runner" ] || kill "$runner" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# wait_for QUERY: poll until QUERY returns t (10 s at most)
wait_for() {
	local i
	for i in $(seq 1 100); do
		[ "$(psql_q -d "$db" -c "$1")" = t ] && return 0
		sleep 0.1
	done
	echo "not ok - timed out waiting for: $1"
	exit 1
}

# the first line of the error a statement raises, with its SQLSTATE
error_of() {
	psql -X -q -d "$db" -v VERBOSITY=verbose -c "$1" 2>&1 | grep -m1 '^ERROR:' || true
}

psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE users (id int PRIMARY KEY, email text);
SELECT audit_softdelete.enable('users');
INSERT INTO users VALUES (1, 'Ann@Example.com'), (2, 'Bob@Example.com');
SQL

# The runner: begins a non-transactional migration, rewrites the e-mails
# (committed, with the migration's id in their audit rows), then works on
# until it is terminated.
PGAPPNAME=index_runner psql -X -q -d "$db" -v ON_ERROR_STOP=1 \
	-c "SELECT audit_softdelete.set_actor('deployer')" \
	-c "SELECT audit_softdelete.migration_begin('$version', 'index users by e-mail',
	        transactional => false)" \
	-c "UPDATE users SET email = lower(email)" \
	-c "SELECT pg_sleep(300)" >"$work/runner.out" 2>&1 &
runner=$!
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'index_runner'
                          AND query LIKE 'SELECT pg_sleep%')"

check "the run is running" "$version|false|index_runner" \
	"$(psql_q -d "$db" -c "SELECT version || '|' || transactional || '|' || application_name
	                        FROM audit_softdelete.migration_running")"
check "another migration is refused at once, naming it" \
	"ERROR:  55P03: migration \"$version\" is running in another session" \
	"$(error_of "SELECT audit_softdelete.migration_begin('2026_02_next')")"

check "the runner's backend is terminated" "t" \
	"$(psql_q -d "$db" -c "SELECT pg_terminate_backend(pid) FROM audit_softdelete.migration_running")"
status=0
wait "$runner" || status=$?
runner=
check "the runner saw its connection end" "t" "$([ "$status" -ne 0 ] && echo t || echo f)"
wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'index_runner')"

check "nothing runs any more" "0" \
	"$(psql_q -d "$db" -c "SELECT count(*) FROM audit_softdelete.migration_running")"
check "its row still says running, the ledger says interrupted" "running|interrupted|interrupted" \
	"$(psql_q -d "$db" -c "SELECT m.status || '|' || h.status || '|' || v.state
	      FROM audit_softdelete.migrations m
	      JOIN audit_softdelete.migration_history h ON h.run_id = m.id AND h.kind = 'run'
	      JOIN audit_softdelete.migration_versions v ON v.version = m.version")"
check "what it wrote before it died carries its id" "2|true" \
	"$(psql_q -d "$db" -c "SELECT count(*) || '|' || bool_and(l.migration_id = m.id)
	      FROM audit_softdelete.audit_logs l, audit_softdelete.migrations m
	      WHERE l.action = 'UPDATE'")"
check "migration_status() reports it" "$version|interrupted" \
	"$(psql_q -d "$db" -c "SELECT version || '|' || status FROM audit_softdelete.migration_status(
	      '[{\"version\": \"$version\"}]')")"

check "the next migration_begin() is refused: interrupted" \
	"ERROR:  55000: migration \"$version\" was interrupted" \
	"$(error_of "SELECT audit_softdelete.migration_begin('2026_02_next')")"
check "a non-transactional one too" \
	"ERROR:  55000: migration \"$version\" was interrupted" \
	"$(error_of "SELECT audit_softdelete.migration_begin('2026_02_next', transactional => false)")"
check "migration_fail() does not settle it either" \
	"ERROR:  55000: migration \"$version\" was interrupted" \
	"$(error_of "SELECT audit_softdelete.migration_fail('$version', 'terminated')")"
check "the refusals recorded nothing" "1|0" \
	"$(psql_q -d "$db" -c "SELECT (SELECT count(*) FROM audit_softdelete.migrations) || '|'
	      || (SELECT count(*) FROM audit_softdelete.migration_events)")"

psql_q -d "$db" -c "SELECT audit_softdelete.migration_resolve('$version', 'failed',
                        'runner terminated before the index was built')" >/dev/null
check "resolved: the run is recorded interrupted, the decision as an event" \
	"interrupted|resolve|failed|runner terminated before the index was built" \
	"$(psql_q -d "$db" -c "SELECT m.status || '|' || e.action || '|' || e.status || '|' || e.reason
	      FROM audit_softdelete.migrations m JOIN audit_softdelete.migration_events e
	        ON e.migration_id = m.id")"

psql_q -d "$db" \
	-c "SELECT audit_softdelete.migration_begin('$version', 'index users by e-mail, again',
	        transactional => false)" \
	-c "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)" \
	-c "SELECT audit_softdelete.migration_finish()" >/dev/null
check "after the resolution the migration runs again" "applied" \
	"$(psql_q -d "$db" -c "SELECT state FROM audit_softdelete.migration_versions
	                        WHERE version = '$version'")"
check "the history tells it all" "run|interrupted
resolve|failed
run|succeeded" \
	"$(psql_q -d "$db" -c "SELECT kind || '|' || status FROM audit_softdelete.migration_history")"

psql_q -d postgres -c "DROP DATABASE $db"
exit $fail
