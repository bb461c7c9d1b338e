#!/usr/bin/env bash
# test/scripts/upgrade.sh: install the oldest released version of the
# extension, with the current library, enable tables in every mode and write
# audit rows, soft-deleted rows and cascade bookkeeping; then upgrade with
# ALTER EXTENSION ... UPDATE to the newest version.  Afterwards:
#   - the catalog of the extension equals a fresh install of the newest
#     version (functions, tables, columns, indexes, constraints, triggers,
#     event triggers, sequences, grants, what pg_dump keeps);
#   - every row (tracked tables, audit rows, bookkeeping, user data) and
#     every trigger on the user's tables is still there, unchanged;
#   - the triggers, restore() and view mode still work.
# The first steps also prove that the library runs with the oldest SQL
# installed, as it must between installing new binaries and running
# ALTER EXTENSION ... UPDATE.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=db_asd_upgrade_old
new=db_asd_upgrade_new

newest=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$root/audit_softdelete.control")
# released versions are the ones with a full install script
oldest=$(cd "$root" && ls audit_softdelete--*.sql | grep -v -- '--.*--' |
	sed 's/^audit_softdelete--\(.*\)\.sql$/\1/' | sort -V | head -n 1)
echo "== upgrade from $oldest to $newest"

psql_q -d postgres -c "DROP DATABASE IF EXISTS $old" -c "DROP DATABASE IF EXISTS $new" \
	-c "CREATE DATABASE $old" -c "CREATE DATABASE $new"

# Only what the oldest version offers is used here.
psql_q -d "$old" -v oldest="$oldest" <<'SQL'
CREATE EXTENSION audit_softdelete VERSION :'oldest';
-- trigger mode, with a soft cascade to a child table
CREATE TABLE projects (id int PRIMARY KEY, name text);
CREATE TABLE tasks (id int PRIMARY KEY,
                    project_id int REFERENCES projects ON DELETE CASCADE, title text);
SELECT audit_softdelete.enable('projects');
SELECT audit_softdelete.enable('tasks', columns => '{"created_by": "author"}',
                               exclude_columns => '{}', redact_columns => '{title}');
-- view mode, with a grant the view carries
CREATE TABLE orders (id int PRIMARY KEY, total numeric);
GRANT SELECT ON orders TO PUBLIC;
SELECT audit_softdelete.enable('orders', soft_delete => 'view');
-- a partitioned table, audit only
CREATE TABLE events (id int, day int, note text, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2);
SELECT audit_softdelete.enable('events', stamps => false, soft_delete => 'off');
-- a disabled table keeps its row
CREATE TABLE notes (id int PRIMARY KEY);
SELECT audit_softdelete.enable('notes');
SELECT audit_softdelete.disable('notes');

BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO projects VALUES (1, 'apollo'), (2, 'gemini');
INSERT INTO tasks VALUES (10, 1, 'launch'), (11, 1, 'land'), (20, 2, 'orbit');
UPDATE projects SET name = 'Apollo' WHERE id = 1;
INSERT INTO orders VALUES (1, 10), (2, 20);
INSERT INTO events VALUES (1, 1, 'a'), (2, 1, 'b');
UPDATE events SET day = 2 WHERE id = 2;
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('bob');
DELETE FROM projects WHERE id = 1;      -- cascades to tasks 10 and 11
DELETE FROM orders WHERE id = 2;
COMMIT;
SQL

# What must survive the upgrade, read the same way before and after.
snapshot() {
	psql_q -d "$old" <<'SQL'
SELECT 'tracked', relid, table_id, enabled, stamps, soft_delete, view_name, audit,
       exclude_columns, redact_columns, columns, enabled_by, enabled_at, disabled_by, disabled_at
  FROM audit_softdelete.tracked_tables ORDER BY table_id;
SELECT 'audit', id, logged_at, txid, table_id, table_name, action, row_pk, old_values,
       new_values, changed_columns, actor, db_user
  FROM audit_softdelete.audit_logs ORDER BY id;
SELECT 'cascade', * FROM audit_softdelete.soft_delete_cascades ORDER BY child_pk::text;
SELECT 'projects', * FROM projects ORDER BY id;
SELECT 'tasks', * FROM tasks ORDER BY id;
SELECT 'orders', * FROM orders_all ORDER BY id;
SELECT 'events', tableoid::regclass, * FROM events ORDER BY id;
SELECT 'trigger', pg_get_triggerdef(t.oid), t.tgenabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
 ORDER BY 2;
SELECT 'view', pg_get_viewdef('orders'::regclass), relacl FROM pg_class WHERE oid = 'orders'::regclass;
SQL
}

before=$(snapshot)
[ -n "$before" ] || { echo "not ok - no snapshot"; exit 1; }
check "the oldest version wrote audit rows" "t" \
	"$(psql_q -d "$old" -c "SELECT count(*) >= 10 FROM audit_softdelete.audit_logs")"
check "the oldest version recorded the cascade" "2" \
	"$(psql_q -d "$old" -c "SELECT count(*) FROM audit_softdelete.soft_delete_cascades")"
check "no audit row of the oldest version names a migration" "0" \
	"$(psql_q -d "$old" -c "SELECT count(*) FROM audit_softdelete.audit_logs WHERE migration_id IS NOT NULL")"
check "under the oldest SQL the library writes its row shape, new stamps included" "t|t" \
	"$(psql_q -d "$old" -c "SELECT new_values ? 'updated_by', changed_columns @> '{updated_at}'
	                          FROM audit_softdelete.audit_logs WHERE table_name = 'projects' AND action = 'SOFT_DELETE'")"
rows_before=$(psql_q -d "$old" -c "SELECT count(*) FROM audit_softdelete.audit_logs")

# A FOR ALL TABLES publication: the update's drops fire the extension's
# sql_drop trigger, whose DELETE needs a replica identity on its table.
psql_q -d "$old" -c "SET client_min_messages = error" \
	-c "CREATE PUBLICATION asd_upgrade_all FOR ALL TABLES"
psql_q -d "$old" -c "ALTER EXTENSION audit_softdelete UPDATE"
check "the extension is at the newest version" "$newest" \
	"$(psql_q -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'audit_softdelete'")"
# 1.1 gives each table referencing a soft-delete table its check (and
# nothing else new): tasks references projects.
after=$(snapshot)
check "every row and trigger survived the upgrade" "$before" \
	"$(grep -v '^trigger|CREATE TRIGGER audit_softdelete_live_parent ' <<<"$after")"
check "the upgrade gives the tables referencing a soft-delete table their check" \
	"trigger|CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON public.tasks FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger()|O" \
	"$(grep '^trigger|CREATE TRIGGER audit_softdelete_live_parent ' <<<"$after")"
check "after the upgrade a new row may not reference a soft-deleted row" "23503" \
	"$(psql_q -d "$old" -v VERBOSITY=sqlstate -c "INSERT INTO tasks VALUES (12, 1, 'orphan')" 2>&1 | sed -n 's/^ERROR: *//p')"

psql_q -d "$new" -c "CREATE EXTENSION audit_softdelete"
# assigned first, so that an error in the query fails the test
catalog_fresh=$(psql_q -d "$new" -f "$here/extension_catalog.sql")
catalog_upgraded=$(psql_q -d "$old" -f "$here/extension_catalog.sql")
check "the catalog lists the extension's objects" "t" \
	"$(grep -q '^function audit_softdelete.restore(regclass,jsonb)' <<<"$catalog_fresh" && echo t)"
check "the upgraded catalog equals a fresh install" "$catalog_fresh" "$catalog_upgraded"

check "restore() brings back the parent and its cascade after the upgrade" "3" \
	"$(psql_q -d "$old" -c "SELECT audit_softdelete.restore('projects', '{\"id\": 1}')")"
check "the triggers stamp and log after the upgrade" "carol|UPDATE" \
	"$(psql_q -d "$old" -c "BEGIN" -c "SELECT audit_softdelete.set_actor('carol')" \
		-c "UPDATE tasks SET title = 'relaunch' WHERE id = 20" -c "COMMIT" \
		-c "SELECT t.updated_by || '|' || l.action FROM tasks t, audit_softdelete.audit_logs l
		     WHERE t.id = 20 AND l.id = (SELECT max(id) FROM audit_softdelete.audit_logs)")"
check "after the upgrade the new stamps are left out, xact_start says when" "f|{title}|t|$rows_before" \
	"$(psql_q -d "$old" -c "SELECT l.new_values ? 'updated_by', l.changed_columns, l.xact_start IS NOT NULL,
	                               (SELECT count(*) FROM audit_softdelete.audit_logs o WHERE o.xact_start IS NULL)
	                          FROM audit_softdelete.audit_logs l
	                         WHERE l.id = (SELECT max(id) FROM audit_softdelete.audit_logs)")"
check "view mode still soft-deletes through the view" "0|2" \
	"$(psql -X -q -At -d "$old" -c "DELETE FROM orders WHERE id = 1" -c "SELECT count(*) FROM orders" \
		-c "SELECT count(*) FROM orders_all" | paste -sd'|')"
check "a move between partitions is still one UPDATE" "UPDATE" \
	"$(psql_q -d "$old" -c "UPDATE events SET day = 2 WHERE id = 1" \
		-c "SELECT action FROM audit_softdelete.audit_logs ORDER BY id DESC LIMIT 1")"
check "version() reports the library and the installed SQL" "$newest|$newest" \
	"$(psql_q -d "$old" -c "SELECT library || '|' || installed FROM audit_softdelete.version()")"
check "the update is one row of the DDL log, not the commands of its scripts" \
	"ddl_command_end ALTER EXTENSION audit_softdelete" \
	"$(psql_q -d "$old" -c "SELECT event || ' ' || command_tag || ' ' || object_identity FROM audit_softdelete.migration_ddl ORDER BY id LIMIT 1")"
check "after the upgrade a migration is recorded, and its audit rows carry its id" "succeeded|true" \
	"$(psql_q -d "$old" <<'SQL'
BEGIN;
SELECT audit_softdelete.migration_begin('2026_12_after_upgrade') IS NOT NULL AS began \gset
UPDATE tasks SET title = 'migrated' WHERE id = 20;
SELECT audit_softdelete.migration_finish();
COMMIT;
SELECT m.status || '|' || (l.migration_id = m.id)
  FROM audit_softdelete.migrations m, audit_softdelete.audit_logs l
 WHERE l.id = (SELECT max(id) FROM audit_softdelete.audit_logs);
SQL
)"

check "under a FOR ALL TABLES publication, old audit rows can be deleted" "DELETE 1" \
	"$(psql -X -d "$old" -c "DELETE FROM audit_softdelete.audit_logs WHERE id = (SELECT min(id) FROM audit_softdelete.audit_logs)" 2>&1)"

# 1.1 drops audit_logs' primary key: a user's foreign key onto it makes the
# update refuse, clearly and before changing anything.
fk=db_asd_upgrade_fk
psql_q -d postgres -c "DROP DATABASE IF EXISTS $fk" -c "CREATE DATABASE $fk"
psql_q -d "$fk" -v oldest="$oldest" \
	-c "CREATE EXTENSION audit_softdelete VERSION '$oldest'" \
	-c "CREATE TABLE review_notes (audit_id bigint REFERENCES audit_softdelete.audit_logs (id), note text)"
check "an update over a foreign key onto audit_logs is refused, saying why" \
	"ERROR:  2BP01: cannot update extension audit_softdelete to 1.1: foreign keys reference audit_softdelete.audit_logs" \
	"$(psql -X -q -d "$fk" -c "\set VERBOSITY verbose" -c "ALTER EXTENSION audit_softdelete UPDATE" 2>&1 | head -n 1)"
check "the refused update changed nothing" "$oldest|1" \
	"$(psql_q -d "$fk" -c "SELECT extversion || '|' || (SELECT count(*) FROM pg_constraint WHERE conname = 'audit_logs_pkey') FROM pg_extension WHERE extname = 'audit_softdelete'")"
psql_q -d "$fk" -c "ALTER TABLE review_notes DROP CONSTRAINT review_notes_audit_id_fkey" \
	-c "ALTER EXTENSION audit_softdelete UPDATE"
check "without the foreign key the update goes through" "$newest" \
	"$(psql_q -d "$fk" -c "SELECT extversion FROM pg_extension WHERE extname = 'audit_softdelete'")"

psql_q -d postgres -c "DROP DATABASE $old" -c "DROP DATABASE $new" -c "DROP DATABASE $fk"
exit $fail
