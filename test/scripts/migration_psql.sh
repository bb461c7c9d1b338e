#!/usr/bin/env bash
# test/scripts/migration_psql.sh: the psql recipe of the migration ledger
# (migration_apply.psql) applied to one migration file: the first run
# applies it; a second run skips it; so does a run after an edit of
# whitespace only (line ends, trailing spaces, trailing blank lines); a run
# after a real edit is refused and changes nothing.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

here=$(cd "$(dirname "$0")" && pwd)
db=db_asd_migration_psql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# apply VERSION FILE: run the recipe, print its output, then its exit status
apply() {
	local status=0
	psql -X -q -d "$db" -v version="$1" -v file="$2" -f "$here/migration_apply.psql" \
		>"$work/out" 2>&1 || status=$?
	grep -E '^(applied|skipped|psql:)' "$work/out" | sed 's/^psql:[^ ]* //' || true
	echo "exit $status"
}

psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" -c "CREATE EXTENSION audit_softdelete"

mkdir "$work/migrations"
file=$work/migrations/2026_01_notes.sql
cat >"$file" <<'SQL'
CREATE TABLE notes (id int PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes');
INSERT INTO notes (id, body) VALUES (1, 'hello');
SQL

check "the first run applies the file" "applied 2026_01_notes
exit 0" "$(apply 2026_01_notes "$file")"
check "its ledger row: succeeded, with the file's checksum and the tool" \
	"2026_01_notes|succeeded|true|psql" \
	"$(psql_q -d "$db" -v script="$(cat "$file")" <<'SQL'
SELECT version || '|' || status || '|'
       || (checksum = audit_softdelete.migration_checksum(:'script')) || '|'
       || (context->>'tool')
  FROM audit_softdelete.migrations;
SQL
)"
check "the audit rows it wrote carry its run id" "t" \
	"$(psql_q -d "$db" -c "SELECT bool_and(l.migration_id = m.id)
	      FROM audit_softdelete.audit_logs l, audit_softdelete.migrations m")"

check "a second run skips it" "skipped 2026_01_notes (already applied)
exit 0" "$(apply 2026_01_notes "$file")"

# whitespace only: CRLF line ends, trailing spaces, trailing blank lines
sed -e 's/$/   \r/' "$file" >"$work/edited" && printf '\r\n  \r\n\r\n' >>"$work/edited"
mv "$work/edited" "$file"
check "after a whitespace-only edit it is still skipped" "skipped 2026_01_notes (already applied)
exit 0" "$(apply 2026_01_notes "$file")"

echo "ALTER TABLE notes ADD title text;" >>"$file"
check "after a real edit it is refused" 'ERROR:  migration "2026_01_notes" was applied with another checksum
exit 3' "$(apply 2026_01_notes "$file")"
check "the refused run changed nothing" "1|0" \
	"$(psql_q -d "$db" -c "SELECT (SELECT count(*) FROM audit_softdelete.migrations) || '|'
	      || (SELECT count(*) FROM pg_attribute WHERE attrelid = 'notes'::regclass AND attname = 'title')")"

file2=$work/migrations/2026_02_tags.sql
echo "CREATE TABLE tags (id int PRIMARY KEY);" >"$file2"
check "the next file applies" "applied 2026_02_tags
exit 0" "$(apply 2026_02_tags "$file2")"
check "the database is at it" "2026_02_tags" \
	"$(psql_q -d "$db" -c "SELECT audit_softdelete.migration_current()")"

psql_q -d postgres -c "DROP DATABASE $db"
exit $fail
