#!/usr/bin/env bash
# test/scripts/alembic.sh: the migration ledger driven by Alembic, as its
# users run it.  The project in test/alembic/ records every revision in the
# ledger inside the revision's own transaction (env.py).  Shown here:
#   - upgrade head records each revision; migration_current() equals
#     `alembic current`; audit rows of a data migration carry its id;
#   - a revision that fails half-way leaves the ledger truthful (no
#     succeeded row, its failure recorded) and the two still agree;
#   - a second upgrade while a migration runs is refused at once, naming
#     the holder;
#   - downgrade -1 is recorded and migration_current() follows it;
#   - DDL run by hand between revisions shows up in migration_drift().
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
# Needs Debian's python3-alembic, python3-sqlalchemy and python3-psycopg2
# (seen by /usr/bin/python3), which the test runner installs.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
db=db_asd_alembic
# psql_q of checks.sh, on the test database
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@" | sed '/^$/d'; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -c "CREATE EXTENSION audit_softdelete"

# The project is copied: the test adds and removes a revision.
work=$(mktemp -d)
holder_pid=
cleanup() {
	[ -z "$holder_pid" ] || kill "$holder_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$root/test/alembic/." "$work/"
export ASD_ALEMBIC_URL="postgresql+psycopg2://$PGUSER@/$db?host=$PGHOST&port=$PGPORT"
alembic() { /usr/bin/python3 -m alembic -c "$work/alembic.ini" "$@"; }
# `alembic current` prints "a3 (head)" or "a2": the revision alone
alembic_current() { alembic current 2>/dev/null | awk '{print $1}'; }

alembic upgrade head 2>"$work/upgrade.log" || { cat "$work/upgrade.log"; echo "not ok - upgrade head"; exit 1; }
check "upgrade head: alembic is at a3" "a3" "$(alembic_current)"
check "migration_current() agrees with alembic current" "a3" \
	"$(psql_q -c "SELECT audit_softdelete.migration_current()")"
check "each revision has one succeeded up row, in order, tagged by the tool" \
	"a1|up|succeeded|alembic a2|up|succeeded|alembic a3|up|succeeded|alembic" \
	"$(psql_q -c "SELECT string_agg(version || '|' || direction || '|' || status || '|' || (context ->> 'tool'), ' ' ORDER BY id) FROM audit_softdelete.migrations")"
check "the data migration's audit rows carry its id" "2|a2" \
	"$(psql_q -c "SELECT count(*) || '|' || min(m.version) FROM audit_softdelete.audit_logs l JOIN audit_softdelete.migrations m ON m.id = l.migration_id WHERE l.table_name = 'accounts' AND l.action = 'INSERT'")"
check "alembic history lists the revisions" "3" \
	"$(alembic history 2>/dev/null | grep -c -- '->')"

# A revision that fails after its first DDL: its transaction rolls back.
cp "$work/broken/a4_broken.py" "$work/versions/"
if alembic upgrade head >"$work/broken.log" 2>&1; then
	echo "not ok - the broken revision failed"; fail=1
else
	echo "ok - the broken revision failed"
fi
check "after the failure alembic is still at a3" "a3" "$(alembic_current)"
check "after the failure migration_current() still agrees" "a3" \
	"$(psql_q -c "SELECT audit_softdelete.migration_current()")"
check "the failed revision has no succeeded row, and its failure is recorded" "0|1" \
	"$(psql_q -c "SELECT count(*) FILTER (WHERE status = 'succeeded') || '|' || count(*) FILTER (WHERE status = 'failed' AND error LIKE '%division by zero%') FROM audit_softdelete.migrations WHERE version = 'a4'")"
check "nothing of the failed revision stayed" "0" \
	"$(psql_q -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'phone'")"
rm "$work/versions/a4_broken.py"

# A migration holds the ledger (a psql runner, in its transaction): a
# concurrent alembic upgrade is refused at once, naming the holder.
psql -X -q -d "$db" -c "BEGIN" \
	-c "SELECT audit_softdelete.migration_begin('hand-1', 'held by a psql runner')" \
	-c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
holder_pid=$!
for _ in $(seq 1 100); do
	[ "$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")" = 1 ] && break
	sleep 0.1
done
printf 'revision = "a5"\ndown_revision = "a3"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n' >"$work/versions/a5_noop.py"
start=$(date +%s)
if alembic upgrade head >"$work/concurrent.log" 2>&1; then
	echo "not ok - a concurrent upgrade is refused"; fail=1
else
	echo "ok - a concurrent upgrade is refused"
fi
elapsed=$(( $(date +%s) - start ))
check "it is refused at once, not after waiting" "t" "$([ "$elapsed" -lt 15 ] && echo t || echo "f ($elapsed s)")"
check "the refusal names the holder's version" "t" "$(grep -q 'hand-1' "$work/concurrent.log" && echo t || echo f)"
kill "$holder_pid" 2>/dev/null || true
wait "$holder_pid" 2>/dev/null || true
holder_pid=
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
rm "$work/versions/a5_noop.py"
check "the refused upgrade left no ledger row" "0" \
	"$(psql_q -c "SELECT count(*) FROM audit_softdelete.migrations WHERE version IN ('a5', 'hand-1')")"

# downgrade -1 is recorded, and the ledger follows it
alembic downgrade -1 2>"$work/downgrade.log" || { cat "$work/downgrade.log"; echo "not ok - downgrade -1"; fail=1; }
check "downgrade -1: alembic is at a2" "a2" "$(alembic_current)"
check "migration_current() follows the downgrade" "a2" \
	"$(psql_q -c "SELECT audit_softdelete.migration_current()")"
check "the downgrade is recorded" "a3|down|succeeded" \
	"$(psql_q -c "SELECT version || '|' || direction || '|' || status FROM audit_softdelete.migrations ORDER BY id DESC LIMIT 1")"

# DDL by hand between revisions is drift
check "no drift before the DDL by hand" "0" \
	"$(psql_q -c "SELECT count(*) FROM audit_softdelete.migration_drift()")"
psql_q -c "CREATE TABLE rogue (id int)"
check "DDL by hand shows up in migration_drift()" "t" \
	"$(psql_q -c "SELECT count(*) > 0 FROM audit_softdelete.migration_drift() d WHERE d::text LIKE '%rogue%'")"

psql -X -q -d postgres -c "DROP DATABASE $db"
exit $fail
