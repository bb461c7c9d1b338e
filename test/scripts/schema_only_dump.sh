#!/usr/bin/env bash
# test/scripts/schema_only_dump.sh: a schema-only dump (pg_dump
# --schema-only, such as Rails' db/structure.sql, loaded into every test
# database) keeps the enabled tables, their live views and triggers, but no
# rows of the extension's tables: without enable()'s options in
# tracked_tables, the triggers refuse every write, and their hint says what
# the dump left out.  Restoring the rows of tracked_tables as well (a
# data-only dump of that one table) gives a database whose tables work as
# in the source, in trigger and in view mode.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

src=db_asd_schema_only_src
dst=db_asd_schema_only_dst
work=$(mktemp -d /tmp/asd_schema_only.XXXXXX)
trap 'rm -rf "$work"' EXIT

psql_q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
psql_q -d "$src" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE invoices (id bigserial PRIMARY KEY, customer text NOT NULL, secret text);
SELECT audit_softdelete.enable('invoices', soft_delete => 'view', exclude_columns => '{secret}');
CREATE TABLE notes (id serial PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes');
INSERT INTO notes (body) VALUES ('in the source only');
SQL

pg_dump --schema-only --no-privileges --no-owner -d "$src" -f "$work/structure.sql"
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -f "$work/structure.sql" >/dev/null

hint="HINT:  The trigger is one that audit_softdelete.enable() creates, but audit_softdelete.tracked_tables has no options for the table, as after restoring a schema-only dump: restore the rows of audit_softdelete.tracked_tables as well (pg_dump --data-only --table=audit_softdelete.tracked_tables)."
check "the schema-only dump has no options: an INSERT is refused, the hint names the dump" \
	"ERROR:  table \"notes\" is not enabled for stamps|$hint" \
	"$(psql -X -q -d "$dst" -c "INSERT INTO notes (body) VALUES ('x')" 2>&1 | grep -E '^(ERROR|HINT)' | paste -sd'|')"
check "so is a DELETE through the live view" \
	"ERROR:  view \"invoices\" is not the live view of a table in view mode|$hint" \
	"$(psql -X -q -d "$dst" -c "BEGIN" -c "SET LOCAL session_replication_role = replica" \
		-c "INSERT INTO invoices_all (customer) VALUES ('x')" -c "SET LOCAL session_replication_role = origin" \
		-c "DELETE FROM invoices" -c "ROLLBACK" 2>&1 | grep -E '^(ERROR|HINT)' | paste -sd'|')"
check "a trigger of another name keeps the usual hint" \
	"HINT:  Call audit_softdelete.enable() with the options the table needs (with create_triggers => false it keeps your own triggers), or drop the trigger." \
	"$(psql -X -q -d "$dst" -c "CREATE TABLE own (id int)" \
		-c "CREATE TRIGGER own_stamp BEFORE INSERT OR UPDATE ON own FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger()" \
		-c "INSERT INTO own VALUES (1)" 2>&1 | grep '^HINT')"

# the rows of tracked_tables restored as well, as the hint says
pg_dump --data-only --table=audit_softdelete.tracked_tables -d "$src" |
	psql -X -q -v ON_ERROR_STOP=1 -d "$dst" >/dev/null
check "with tracked_tables restored, the options are the source's" \
	"$(psql_q -d "$src" -c "SELECT relid, table_id, soft_delete, view_name, exclude_columns FROM audit_softdelete.tracked_tables ORDER BY table_id")" \
	"$(psql_q -d "$dst" -c "SELECT relid, table_id, soft_delete, view_name, exclude_columns FROM audit_softdelete.tracked_tables ORDER BY table_id")"
check "trigger mode: stamped, soft-deleted (DELETE 0)" "alice|DELETE 0|t" \
	"$({ psql_q -d "$dst" -c "BEGIN" -c "SELECT audit_softdelete.set_actor('alice')" \
		-c "INSERT INTO notes (body) VALUES ('x') RETURNING created_by" -c "COMMIT"
		psql -X -At -d "$dst" -c "DELETE FROM notes"
		psql_q -d "$dst" -c "SELECT deleted_at IS NOT NULL FROM notes"; } | paste -sd'|')"
check "view mode: stamped, soft-deleted through the view (DELETE 1), hidden" "alice|DELETE 1|0|1" \
	"$({ psql_q -d "$dst" -c "BEGIN" -c "SELECT audit_softdelete.set_actor('alice')" \
		-c "INSERT INTO invoices (customer, secret) VALUES ('acme', 's') RETURNING created_by" -c "COMMIT"
		psql -X -At -d "$dst" -c "DELETE FROM invoices"
		psql_q -d "$dst" -c "SELECT count(*) FROM invoices" -c "SELECT count(*) FROM invoices_all"; } | paste -sd'|')"
check "audited with the source's options (the excluded column left out)" \
	'notes|INSERT|{"body": "x", "deleted_at": null, "deleted_by": null}
notes|SOFT_DELETE|
invoices|INSERT|{"customer": "acme", "deleted_at": null, "deleted_by": null}
invoices|SOFT_DELETE|' \
	"$(psql_q -d "$dst" -c "SELECT table_name, action, CASE WHEN action = 'INSERT' THEN new_values - 'id' END FROM audit_softdelete.audit_logs ORDER BY id")"

psql_q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst"
exit $fail
