#!/usr/bin/env bash
# test/scripts/orm_pgbouncer.sh: applications behind PgBouncer in
# transaction pooling, with one server connection in the pool, so that
# every client's transactions run on the same backend, one after another.
# The SQLAlchemy application of test/orm/sqlalchemy_orm.py runs through it
# unchanged (its actors named with set_actor() in each transaction); the
# actor and the request context one client names with set_actor() and
# set_context() never reach the next client's writes on that backend, in a
# transaction or out of one (docs/guide.md, "Who is the actor").
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh,
# which installs pgbouncer, python3-sqlalchemy and python3-psycopg2.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"
. "$(dirname "$0")/../lib/pgbouncer.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
db=db_asd_orm_pgbouncer

work=$(mktemp -d)
cleanup() {
	pgbouncer_stop "$work"
	rm -rf "$work"
}
trap cleanup EXIT

psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL, amount int NOT NULL,
                       version int NOT NULL DEFAULT 1);
SELECT audit_softdelete.enable('invoices', soft_delete => 'view');
CREATE TABLE notes (id serial PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes');
CREATE TABLE visits (id int PRIMARY KEY, who text);
SELECT audit_softdelete.enable('visits', soft_delete => 'view');
SQL

# One server connection: each transaction of every client on the same backend.
pgbouncer_start "$work" "$db" transaction

status=0
ASD_ORM_URL="postgresql+psycopg2://$PGUSER@/$db?host=$work&port=6432" \
	/usr/bin/python3 "$root/test/orm/sqlalchemy_orm.py" >"$work/orm.out" 2>&1 || status=$?
check "the ORM application ran to its end through the pooler" "0" "$status"
grep -q '^not ok' "$work/orm.out" && cat "$work/orm.out"

# Client X names an actor and a context in its transaction; client Y,
# given the same backend next, names none.
x_pid=$(B -v ON_ERROR_STOP=1 \
	-c "BEGIN" \
	-c "SELECT pg_backend_pid()" \
	-c "SELECT audit_softdelete.set_actor('alice')" \
	-c "SELECT audit_softdelete.set_context('{\"request_id\": \"x-1\"}')" \
	-c "INSERT INTO visits VALUES (1, 'x')" \
	-c "COMMIT" | sed -n 1p)
y_pid=$(B -v ON_ERROR_STOP=1 \
	-c "SELECT pg_backend_pid()" \
	-c "INSERT INTO visits VALUES (2, 'y')" \
	-c "BEGIN" \
	-c "UPDATE visits SET who = 'y2' WHERE id = 2" \
	-c "COMMIT" | sed -n 1p)
check "the pooler gave client Y client X's backend" "$x_pid" "$y_pid"

# Out of a transaction, set_actor() warns and names the actor of its own
# statement only: the next client's writes are not mallory's.
B -c "SELECT audit_softdelete.set_actor('mallory')" >/dev/null 2>&1
B -v ON_ERROR_STOP=1 -c "INSERT INTO visits VALUES (3, 'z')" -c "DELETE FROM visits WHERE id = 3" >/dev/null

check "each write is its own client's: X's actor and context stay X's" \
	"INSERT|1|alice|x-1
INSERT|2|$PGUSER|
UPDATE|2|$PGUSER|
INSERT|3|$PGUSER|
SOFT_DELETE|3|$PGUSER|" \
	"$(psql_q -d "$db" -c "SELECT action || '|' || (row_pk->>'id') || '|' || actor || '|'
	                              || coalesce(context->>'request_id', '')
	                         FROM audit_softdelete.audit_logs WHERE table_name = 'visits' ORDER BY id")"

pgbouncer_stop "$work"
# let PgBouncer close its server connection before the database goes
for i in $(seq 1 50); do
	[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")" = 0 ] && break
	sleep 0.1
done
psql_q -d postgres -c "DROP DATABASE $db"
exit $fail
