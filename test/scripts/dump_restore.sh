#!/usr/bin/env bash
# test/scripts/dump_restore.sh: pg_dump and restore a database with enabled
# tables.  tracked_tables must come back with the same table_ids, pointing at
# the restored tables (new OIDs), its sequence must go on after the highest
# table_id, the stamps must be as they were, the triggers must work, and the
# audit rows must still be found from their table through table_id.  The
# DDL log (migration_ddl) must come back as it was: the restore's own DDL
# runs while the extension's event triggers exist, and must neither add
# rows nor collide with the restored ones; its rows are restored by COPY
# past the guard that refuses UPDATE, DELETE and TRUNCATE, which stays.
# tracked_schemas must name the restored schema, whose new tables are then
# enabled, while the restore's own CREATE TABLEs enabled nothing.
# A table with triggers of its own (create_triggers => false) comes back
# with them, and they work.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

src=db_asd_dump_src
dst=db_asd_dump_dst

psql_q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"

psql_q -d "$src" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE gone (id int);
SELECT audit_softdelete.enable('gone');
CREATE TABLE posts (id int PRIMARY KEY, body text);
SELECT audit_softdelete.enable('posts', columns => '{"created_by": "author"}');
CREATE TABLE notes (id int);
SELECT audit_softdelete.enable('notes');
SELECT audit_softdelete.disable('notes');
DROP TABLE gone;
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO posts (id, body) VALUES (1, 'hello');
UPDATE posts SET body = 'hello, world';
COMMIT;
-- a trigger of the extension set to fire always (allowed, unlike DISABLE)
-- is dumped as such and restored
ALTER TABLE posts ENABLE ALWAYS TRIGGER audit_softdelete_audit;
-- a partitioned table (its partitions carry TRUNCATE triggers of their own)
-- and a table in view mode (a view, its trigger and grants)
CREATE TABLE events (id int, day int, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
SELECT audit_softdelete.enable('events');
INSERT INTO events (id, day) VALUES (1, 1);
-- a table referencing a soft-delete table, with the check enable() gave
-- it: pg_dump creates triggers before foreign keys, so the restore's
-- ALTER TABLE ... ADD FOREIGN KEY finds the check there already
CREATE TABLE event_notes (id int PRIMARY KEY, event_id int, day int,
                          FOREIGN KEY (event_id, day) REFERENCES events);
CREATE TABLE orders (id int PRIMARY KEY, total numeric);
GRANT SELECT ON orders TO PUBLIC;
SELECT audit_softdelete.enable('orders', soft_delete => 'view');
INSERT INTO orders VALUES (1, 10), (2, 20);
DELETE FROM orders WHERE id = 2;
-- a schema whose new tables are enabled: its row names the schema, and the
-- restore's own CREATE TABLEs (before the row is back) enable nothing
CREATE SCHEMA shop;
CREATE TABLE shop.items (id int PRIMARY KEY);
SELECT audit_softdelete.enable_schema('shop', soft_delete => 'view', include_future => true);
-- a table whose triggers are its own (a migration tool's), registered with
-- create_triggers => false: pg_dump restores them as they are, and the
-- restore's CREATE TRIGGER passes the extension's checks
CREATE TABLE memos (id int PRIMARY KEY, body text,
                    created_at timestamptz NOT NULL DEFAULT now(), created_by text,
                    updated_at timestamptz, updated_by text,
                    deleted_at timestamptz, deleted_by text);
CREATE TRIGGER memos_stamp BEFORE INSERT OR UPDATE ON memos
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
CREATE TRIGGER memos_soft_delete BEFORE DELETE ON memos
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
CREATE TRIGGER memos_truncate_guard BEFORE TRUNCATE ON memos
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
CREATE TRIGGER memos_audit AFTER INSERT OR UPDATE OR DELETE ON memos
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
CREATE TRIGGER memos_audit_truncate AFTER TRUNCATE ON memos
    FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
SELECT audit_softdelete.enable('memos', create_triggers => false);
INSERT INTO memos (id, body) VALUES (1, 'memo');
SQL

before=$(psql_q -d "$src" -c "SELECT relid, table_id, enabled, columns FROM audit_softdelete.tracked_tables ORDER BY table_id")
stamps_before=$(psql_q -d "$src" -c "SELECT id, author, created_at, updated_by, updated_at FROM posts")
history_query="SELECT l.id, l.action, l.actor, l.old_values, l.new_values
  FROM audit_softdelete.audit_logs l JOIN audit_softdelete.tracked_tables t USING (table_id)
 WHERE t.relid = 'posts'::regclass ORDER BY l.id"
history_before=$(psql_q -d "$src" -c "$history_query")
ddl_query="SELECT id, migration_id, event, command_tag, object_type, object_identity, schema_name,
       by_extension, logged_at, txid, db_user, actor, application_name
  FROM audit_softdelete.migration_ddl ORDER BY id"
ddl_before=$(psql_q -d "$src" -c "$ddl_query")
ddl_last=$(psql_q -d "$src" -c "SELECT max(id) FROM audit_softdelete.migration_ddl")

# the restore must run without a single error
pg_dump -d "$src" >"$src.sql"
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$dst" -f "$src.sql" >/dev/null
rm -f "$src.sql"

after=$(psql_q -d "$dst" -c "SELECT relid, table_id, enabled, columns FROM audit_softdelete.tracked_tables ORDER BY table_id")
stamps_after=$(psql_q -d "$dst" -c "SELECT id, author, created_at, updated_by, updated_at FROM posts")
history_after=$(psql_q -d "$dst" -c "$history_query")
ddl_after=$(psql_q -d "$dst" -c "$ddl_query")

check "tracked_tables restored with the same table_ids" "$before" "$after"
check "relids point at the restored tables" "6" \
	"$(psql_q -d "$dst" -c "SELECT count(*) FROM audit_softdelete.tracked_tables t JOIN pg_class c ON c.oid = t.relid")"
check "stamps kept as they were" "$stamps_before" "$stamps_after"
check "a table's audit rows are found from the restored table" "$history_before" "$history_after"
check "the history is not empty" "2" "$(printf '%s\n' "$history_after" | grep -c .)"
check "row_pk_hash is computed again on restore and finds the history" "2|0" \
	"$(psql_q -d "$dst" -c "SELECT count(*) FILTER (WHERE row_pk_hash = jsonb_hash_extended('{\"id\": 1}', 0) AND row_pk = '{\"id\": 1}' AND table_name = 'posts') || '|' || count(*) FILTER (WHERE row_pk_hash IS DISTINCT FROM jsonb_hash_extended(row_pk, 0)) FROM audit_softdelete.audit_logs")"
check "the table_id sequence goes on after the restored ids" "8" \
	"$(psql_q -d "$dst" -c "CREATE TABLE fresh (id int)" -c "SELECT audit_softdelete.enable('fresh')" \
		-c "SELECT table_id FROM audit_softdelete.tracked_tables WHERE relid = 'fresh'::regclass")"
check "the restored trigger stamps new rows" "alice,bob" \
	"$(psql_q -d "$dst" -c "BEGIN" -c "SELECT audit_softdelete.set_actor('bob')" \
		-c "UPDATE posts SET body = 'edited'" -c "COMMIT" -c "SELECT author || ',' || updated_by FROM posts")"
check "new audit rows follow the restored ones" "t" \
	"$(psql_q -d "$dst" -c "SELECT max(id) FILTER (WHERE actor = 'bob') > max(id) FILTER (WHERE actor = 'alice') FROM audit_softdelete.audit_logs")"
check "view mode: the live view shows the live rows, the table all" "1|2" \
	"$(psql_q -d "$dst" -c "SELECT (SELECT count(*) FROM orders) || '|' || (SELECT count(*) FROM orders_all)")"
check "view mode: DELETE through the view still soft-deletes" "0|2" \
	"$(psql -X -q -At -d "$dst" -c "DELETE FROM orders WHERE id = 1" -c "SELECT count(*) FROM orders" -c "SELECT count(*) FROM orders_all" | paste -sd'|')"
check "view mode: the live view keeps the table's column defaults" "now()" \
	"$(psql_q -d "$dst" -c "SELECT column_default FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'created_at'")"
check "partitions keep their TRUNCATE triggers" "2" \
	"$(psql_q -d "$dst" -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events_1'::regclass AND tgname LIKE '%truncate'")"
check "a trigger set to fire always still does" "A" \
	"$(psql_q -d "$dst" -c "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'posts'::regclass AND tgname = 'audit_softdelete_audit'")"
check "triggers of a table's own are restored as they were, none of enable()'s added" \
	"memos_audit,memos_audit_truncate,memos_soft_delete,memos_stamp,memos_truncate_guard" \
	"$(psql_q -d "$dst" -c "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'memos'::regclass")"
check "triggers of a table's own soft-delete and audit after the restore" "true|SOFT_DELETE" \
	"$(psql -X -q -At -d "$dst" -c "DELETE FROM memos WHERE id = 1" \
		-c "SELECT (SELECT deleted_at IS NOT NULL FROM memos) || '|' || (SELECT l.action FROM audit_softdelete.audit_logs l JOIN audit_softdelete.tracked_tables t USING (table_id) WHERE t.relid = 'memos'::regclass ORDER BY l.id DESC LIMIT 1)" | tail -1)"
check "a table referencing a soft-delete table keeps its check, once" "1" \
	"$(psql_q -d "$dst" -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'event_notes'::regclass AND tgname = 'audit_softdelete_live_parent'")"
check "the restored check refuses a row referencing a soft-deleted row" "ERROR:  23503" \
	"$(psql -X -q -At -d "$dst" -v VERBOSITY=sqlstate -c "DELETE FROM events WHERE id = 1" \
		-c "INSERT INTO event_notes VALUES (1, 1, 1)" 2>&1 || true)"
check "a disabled table stays disabled" "f" \
	"$(psql_q -d "$dst" -c "SELECT enabled FROM audit_softdelete.tracked_tables WHERE relid = 'notes'::regclass")"
check "tracked_schemas restored, naming the restored schema" "shop|view|true" \
	"$(psql_q -d "$dst" -c "SELECT s.nspid || '|' || s.soft_delete || '|' || (s.nspid::oid = n.oid) FROM audit_softdelete.tracked_schemas s, pg_namespace n WHERE n.nspname = 'shop'")"
check "a table created in that schema after the restore is enabled" "shop.later_all|view" \
	"$(psql_q -d "$dst" -c "CREATE TABLE shop.later (id int PRIMARY KEY)" \
		-c "SELECT relid || '|' || soft_delete FROM audit_softdelete.tracked_tables WHERE relid::text LIKE 'shop.later%'")"
check "the DDL log recorded the source's DDL" "t" \
	"$(psql_q -d "$src" -c "SELECT count(*) FILTER (WHERE object_identity = 'public.gone' AND event = 'sql_drop') = 1 AND count(*) FILTER (WHERE by_extension) > 0 FROM audit_softdelete.migration_ddl")"
check "the DDL log is restored as it was, without rows of the restore's own DDL" "$ddl_before" "$ddl_after"
check "DDL after the restore is logged after the restored rows" "t" \
	"$(psql_q -d "$dst" -c "SELECT min(id) > $ddl_last FROM audit_softdelete.migration_ddl WHERE object_identity = 'public.fresh'")"
check "the restored DDL log is still append-only" "ERROR:  42501" \
	"$(psql -X -q -At -d "$dst" -v VERBOSITY=sqlstate -c "DELETE FROM audit_softdelete.migration_ddl" 2>&1 || true)"

psql_q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst"
exit $fail
