#!/usr/bin/env bash
# test/scripts/migration_dump_restore.sh: pg_dump keeps the migration
# ledger.  Every run and decision comes back as it was, the id sequences
# go on after them, the ledger stays append-only, a run that was in
# progress when the dump was taken comes back interrupted, and the audit
# rows still name the runs that wrote them.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

src=db_asd_migration_dump_src
dst=db_asd_migration_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"

psql_q -d "$src" <<'SQL' >/dev/null
CREATE EXTENSION audit_softdelete;
SELECT audit_softdelete.migration_baseline('2025_12_legacy', 'the schema before the ledger');
BEGIN;
SELECT audit_softdelete.migration_begin('2026_01_notes', 'notes',
           audit_softdelete.migration_checksum('CREATE TABLE notes ...'),
           '{"tool": "psql", "git_sha": "abc123"}');
CREATE TABLE notes (id int PRIMARY KEY, body text);
SELECT audit_softdelete.enable('notes');
INSERT INTO notes (id, body) VALUES (1, 'written by the migration');
SELECT audit_softdelete.migration_finish();
COMMIT;
BEGIN;
SELECT audit_softdelete.migration_begin('2026_02_broken');
ROLLBACK;
SELECT audit_softdelete.migration_fail('2026_02_broken', 'it broke');
SELECT audit_softdelete.migration_resolve('2026_02_broken', 'succeeded', 'finished by hand');
SELECT audit_softdelete.migration_accept_checksum('2026_01_notes',
           audit_softdelete.migration_checksum('CREATE TABLE notes (...)'), 'comment fixed');
SQL

# A non-transactional run in progress while the dump is taken.
psql -X -q -d "$src" -v ON_ERROR_STOP=1 \
	-c "SELECT audit_softdelete.migration_begin('2026_03_index', transactional => false)" \
	-c "SELECT pg_sleep(300)" >/dev/null 2>&1 &
runner=$!
trap 'kill $runner 2>/dev/null || true; rm -rf "$work"' EXIT
for i in $(seq 1 100); do
	[ "$(psql_q -d "$src" -c "SELECT count(*) FROM audit_softdelete.migration_running")" = 1 ] && break
	sleep 0.1
done

ledger_query="SELECT * FROM audit_softdelete.migrations ORDER BY id;
SELECT * FROM audit_softdelete.migration_events ORDER BY id;
SELECT l.row_pk, l.migration_id FROM audit_softdelete.audit_logs l ORDER BY l.id"
ledger_before=$(psql_q -d "$src" -c "$ledger_query")

pg_dump -d "$src" >"$work/dump.sql"
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$dst" -f "$work/dump.sql" >/dev/null
psql_q -d "$src" -c "SELECT pg_terminate_backend(pid) FROM audit_softdelete.migration_running" >/dev/null
wait "$runner" 2>/dev/null || true

check "every run, decision and audit row's migration id is restored as it was" \
	"$ledger_before" "$(psql_q -d "$dst" -c "$ledger_query")"
check "the run in progress at the dump is interrupted in the restored database" \
	"2025_12_legacy|baseline
2026_01_notes|applied
2026_02_broken|applied
2026_03_index|interrupted" \
	"$(psql_q -d "$dst" -c "SELECT version || '|' || state FROM audit_softdelete.migration_versions
	                         ORDER BY version")"
check "the restored ledger is append-only" \
	"ERROR:  cannot update table \"audit_softdelete.migrations\"" \
	"$(psql -X -q -d "$dst" -c "UPDATE audit_softdelete.migrations SET status = 'failed'" 2>&1 |
	   grep -m1 '^ERROR:' || true)"
psql_q -d "$dst" -c "SELECT audit_softdelete.migration_resolve('2026_03_index', 'failed',
                        'in progress when the dump was taken')" >/dev/null
check "the id sequences go on after the restored ids" "true|true" \
	"$(psql_q -d "$dst" -c "SELECT ((SELECT max(id) FROM audit_softdelete.migrations)
	                            < audit_softdelete.migration_begin('2026_04_next', transactional => false))
	                        || '|' || (SELECT count(*) = 1 FROM audit_softdelete.migration_events
	                                    WHERE id > 3)")"

psql_q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst"
exit $fail
