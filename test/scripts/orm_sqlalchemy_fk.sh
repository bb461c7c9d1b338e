#!/usr/bin/env bash
# test/scripts/orm_sqlalchemy_fk.sh: parent and child models joined by
# foreign keys on SQLAlchemy's ORM, in both soft-delete modes and a table
# without soft delete (test/orm/sqlalchemy_fk.py says what it shows).  Runs
# against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
db=db_asd_orm_fk

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE vp (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tp (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE vc (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES vp ON DELETE CASCADE,
                 name text NOT NULL);
CREATE TABLE tc (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES tp ON DELETE CASCADE,
                 name text NOT NULL);
CREATE TABLE tc2 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES vp ON DELETE CASCADE,
                  name text NOT NULL);
CREATE TABLE vc2 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES tp ON DELETE CASCADE,
                  name text NOT NULL);
CREATE TABLE pi (id int PRIMARY KEY, parent_id int REFERENCES vp ON DELETE SET NULL, label text);
CREATE TABLE vn (id int PRIMARY KEY, parent_id int REFERENCES vp, body text);
SELECT audit_softdelete.enable('vp', soft_delete => 'view');
SELECT audit_softdelete.enable('vc', soft_delete => 'view');
SELECT audit_softdelete.enable('vc2', soft_delete => 'view');
SELECT audit_softdelete.enable('vn', soft_delete => 'view');
SELECT audit_softdelete.enable('tp');
SELECT audit_softdelete.enable('tc');
SELECT audit_softdelete.enable('tc2');
SQL

status=0
ASD_ORM_URL="postgresql+psycopg2://$PGUSER@/$db?host=$PGHOST&port=$PGPORT" \
	/usr/bin/python3 "$root/test/orm/sqlalchemy_fk.py" || status=$?
check "the ORM application with foreign keys ran to its end" "0" "$status"

psql -X -q -d postgres -c "DROP DATABASE $db"
exit $fail
