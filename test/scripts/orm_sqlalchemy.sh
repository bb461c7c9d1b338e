#!/usr/bin/env bash
# test/scripts/orm_sqlalchemy.sh: an unchanged SQLAlchemy ORM application
# on a view-mode and a trigger-mode table (test/orm/sqlalchemy_orm.py says
# what it shows).  Runs against the server in PGHOST/PGPORT/PGUSER; run by
# test/run-tests.sh, which installs python3-sqlalchemy and python3-psycopg2
# (seen by /usr/bin/python3).
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
db=db_asd_orm

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL, amount int NOT NULL,
                       version int NOT NULL DEFAULT 1);
SELECT audit_softdelete.enable('invoices', soft_delete => 'view');
CREATE TABLE notes (id serial PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes');
SQL

status=0
ASD_ORM_URL="postgresql+psycopg2://$PGUSER@/$db?host=$PGHOST&port=$PGPORT" \
	/usr/bin/python3 "$root/test/orm/sqlalchemy_orm.py" || status=$?
check "the ORM application ran to its end" "0" "$status"

psql -X -q -d postgres -c "DROP DATABASE $db"
exit $fail
