#!/usr/bin/env bash
# test/scripts/dump_restore_fk.sh: dump and restore a database whose tables
# reference soft-delete tables (trigger and view mode parents, referencing
# tables with and without soft delete, a partitioned one), in every way
# docs/guide.md "Backup and restore" names: plain, custom with pg_restore -j
# (several times: the restore's CREATE TRIGGER audit_softdelete_live_parent
# and its ADD FOREIGN KEY run in parallel), --section in turn, --no-owner,
# schema-only then data-only.  Each restore runs without a single error and
# leaves exactly one check per referencing table, which works.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

src=db_asd_dump_fk_src
dst=db_asd_dump_fk_dst
work=$(mktemp -d /tmp/asd_dump_fk.XXXXXX)
trap 'rm -rf "$work"' EXIT

psql_q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "CREATE DATABASE $src"
psql_q -d "$src" <<'SQL'
CREATE EXTENSION audit_softdelete;
-- parents: trigger mode, view mode, partitioned
CREATE TABLE projects (id int PRIMARY KEY, name text);
SELECT audit_softdelete.enable('projects');
CREATE TABLE customers (id int PRIMARY KEY, name text);
SELECT audit_softdelete.enable('customers', soft_delete => 'view');
CREATE TABLE regions (id int, zone int, PRIMARY KEY (id, zone)) PARTITION BY LIST (zone);
CREATE TABLE regions_1 PARTITION OF regions FOR VALUES IN (1);
CREATE TABLE regions_2 PARTITION OF regions FOR VALUES IN (2);
SELECT audit_softdelete.enable('regions');
-- children: soft delete in trigger mode, cascading
CREATE TABLE tasks (id int PRIMARY KEY, project_id int REFERENCES projects ON DELETE CASCADE,
                    customer_id int REFERENCES customers_all ON DELETE SET NULL);
SELECT audit_softdelete.enable('tasks');
-- view mode, referencing a view-mode table and a partitioned one
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers_all,
                       region_id int, zone int, FOREIGN KEY (region_id, zone) REFERENCES regions);
SELECT audit_softdelete.enable('invoices', soft_delete => 'view');
-- no soft delete, SET NULL
CREATE TABLE comments (id int PRIMARY KEY, task_id int REFERENCES tasks ON DELETE SET NULL,
                       project_id int REFERENCES projects ON DELETE SET NULL);
-- a partitioned child, with a deferrable key
CREATE TABLE events (id int, day int, project_id int
                     REFERENCES projects DEFERRABLE INITIALLY DEFERRED,
                     PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);
CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (10) TO (20);
SELECT audit_softdelete.enable('events');
-- a key added afterwards by ALTER TABLE
CREATE TABLE links (id int PRIMARY KEY, project_id int);
ALTER TABLE links ADD FOREIGN KEY (project_id) REFERENCES projects;

INSERT INTO projects SELECT g, 'p' || g FROM generate_series(1, 5) g;
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 5) g;
INSERT INTO regions SELECT g, 1 + g % 2 FROM generate_series(1, 4) g;
INSERT INTO tasks SELECT g, 1 + g % 5, 1 + g % 5 FROM generate_series(1, 20) g;
INSERT INTO invoices SELECT g, 1 + g % 4, 1 + g % 4, 1 + (1 + g % 4) % 2 FROM generate_series(1, 20) g;
INSERT INTO comments SELECT g, g, 1 + g % 5 FROM generate_series(1, 20) g;
INSERT INTO events SELECT g, g % 20, 1 + g % 4 FROM generate_series(1, 20) g;
INSERT INTO links SELECT g, 1 + g % 4 FROM generate_series(1, 5) g;
-- soft deletes whose children keep referencing them (SET NULL on another
-- table without soft delete keeps; the rows are left as they are)
DELETE FROM projects WHERE id = 5;        -- cascades to tasks; comments keep
DELETE FROM customers WHERE id = 5;       -- tasks keep (SET NULL: left)
SQL

referencing="comments|1
events|1
invoices_all|1
links|1
tasks|1"
checks_query="SELECT tgrelid::regclass || '|' || count(*) FROM pg_trigger
  WHERE tgfoid = 'audit_softdelete.live_parent_trigger()'::regprocedure AND tgparentid = 0
  GROUP BY tgrelid ORDER BY tgrelid::regclass::text"
partitions_query="SELECT count(*) FROM pg_trigger
  WHERE tgfoid = 'audit_softdelete.live_parent_trigger()'::regprocedure AND tgparentid <> 0"
contents_query="SELECT 'projects', count(*), count(deleted_at) FROM projects
 UNION ALL SELECT 'customers', count(*), count(deleted_at) FROM customers_all
 UNION ALL SELECT 'tasks', count(*), count(deleted_at) FROM tasks
 UNION ALL SELECT 'invoices', count(*), count(deleted_at) FROM invoices_all
 UNION ALL SELECT 'comments', count(*), count(project_id) FROM comments
 UNION ALL SELECT 'events', count(*), count(deleted_at) FROM events
 UNION ALL SELECT 'links', count(*), count(project_id) FROM links
 UNION ALL SELECT 'audit', count(*), count(DISTINCT table_id) FROM audit_softdelete.audit_logs"
check "source: one check per referencing table" "$referencing" "$(psql_q -d "$src" -c "$checks_query")"
contents=$(psql_q -d "$src" -c "$contents_query")

# verify NAME: the restored database has the source's rows, one check per
# referencing table (and the partitions' clones), and the checks work
verify() {
	check "$1: one check per referencing table" "$referencing" "$(psql_q -d "$dst" -c "$checks_query")"
	check "$1: the partitions have the partitioned table's" "2" "$(psql_q -d "$dst" -c "$partitions_query")"
	check "$1: the rows are the source's" "$contents" "$(psql_q -d "$dst" -c "$contents_query")"
	check "$1: the checks refuse references to soft-deleted rows" \
		"ERROR:  23503|ERROR:  23503|ERROR:  23503|ERROR:  23503|ERROR:  23503" \
		"$(psql -X -q -At -d "$dst" -v VERBOSITY=sqlstate \
			-c "INSERT INTO tasks VALUES (100, 5)" -c "INSERT INTO invoices VALUES (100, 5)" \
			-c "INSERT INTO comments VALUES (100, NULL, 5)" -c "INSERT INTO events VALUES (100, 15, 5)" \
			-c "INSERT INTO links VALUES (100, 5)" 2>&1 | paste -sd'|')"
	check "$1: a soft delete refused while a live row references the parent" "ERROR:  23503" \
		"$(psql -X -q -At -d "$dst" -v VERBOSITY=sqlstate -c "DELETE FROM customers WHERE id = 1" 2>&1)"
}

fresh() {
	psql_q -d postgres -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $dst"
}

# no error at all: psql stops at the first, pg_restore's stderr must be empty
restore_plain() { psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -f "$1" >/dev/null; }
restore_custom() {
	pg_restore -d "$dst" "$@" 2>"$work/err" || true
	check "pg_restore $* ran without an error" "" "$(cat "$work/err")"
}

pg_dump -d "$src" -f "$work/plain.sql"
pg_dump -Fc -d "$src" -f "$work/dump.custom"

fresh
restore_plain "$work/plain.sql"
verify "plain"

for i in 1 2 3; do
	fresh
	restore_custom -j 4 "$work/dump.custom"
	verify "pg_restore -j 4, run $i"
done

fresh
restore_custom --no-owner "$work/dump.custom"
verify "pg_restore --no-owner"

fresh
for s in pre-data data post-data; do
	restore_custom --section=$s "$work/dump.custom"
done
verify "pg_restore --section in turn"

# schema-only, then the data only (as a superuser, without the triggers)
fresh
pg_dump --schema-only -d "$src" -f "$work/schema.sql"
pg_dump --data-only -d "$src" -f "$work/data.sql"
restore_plain "$work/schema.sql"
PGOPTIONS="$PGOPTIONS -c session_replication_role=replica" restore_plain "$work/data.sql"
verify "schema-only, then data-only"

psql_q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst"
exit $fail
