#!/usr/bin/env bash
# test/scripts/load_fk_crash.sh: references to soft-delete tables under
# concurrent load with rollbacks, and across a crash.
#
# Concurrent clients insert children (a trigger-mode table cascading from a
# trigger-mode parent, a partitioned table with a DEFERRABLE INITIALLY
# DEFERRED key onto a view-mode parent, checked at commit), soft-delete and
# restore parents, and roll back at random; a refused reference (23503) is
# swallowed by the block that tried it.  Checked after the load, and after
# pg_ctl stop -m immediate in the middle of a second load: no live child
# references a soft-deleted parent, the audit rows are exactly the
# committed changes (a plain AFTER ROW trigger, shadow, records them in the
# same transactions), and no error but a refused reference (23503), a
# deadlock or a restore of a row restored meanwhile.
#
# Starts its own throwaway cluster (it is crashed).
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/checks.sh"
. "$here/../lib/cluster.sh"

work=$(mktemp -d /tmp/asd_load_fk.XXXXXX)
db=db_asd_load_fk
cleanup() { asd_cluster_stop; rm -rf "$work"; }
asd_cluster_start 2>/dev/null
trap cleanup EXIT

psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE TABLE tp (id int PRIMARY KEY, val int NOT NULL DEFAULT 0);
SELECT audit_softdelete.enable('tp');
CREATE TABLE vp (id int PRIMARY KEY, val int NOT NULL DEFAULT 0);
SELECT audit_softdelete.enable('vp', soft_delete => 'view');
CREATE TABLE tc (id int PRIMARY KEY, tp_id int REFERENCES tp ON DELETE CASCADE);
SELECT audit_softdelete.enable('tc');
CREATE TABLE pc (id int, part int, vp_id int REFERENCES vp_all DEFERRABLE INITIALLY DEFERRED,
                 PRIMARY KEY (id, part)) PARTITION BY LIST (part);
CREATE TABLE pc_0 PARTITION OF pc FOR VALUES IN (0);
CREATE TABLE pc_1 PARTITION OF pc FOR VALUES IN (1);
SELECT audit_softdelete.enable('pc');

CREATE TABLE shadow (txid xid8 NOT NULL DEFAULT pg_current_xact_id(), tbl text, op text, pk int);
CREATE FUNCTION shadow_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.shadow (tbl, op, pk)
    VALUES (TG_TABLE_NAME, TG_OP, CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON tp FOR EACH ROW EXECUTE FUNCTION shadow_row();
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON vp_all FOR EACH ROW EXECUTE FUNCTION shadow_row();
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON tc FOR EACH ROW EXECUTE FUNCTION shadow_row();
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON pc FOR EACH ROW EXECUTE FUNCTION shadow_row();
INSERT INTO tp (id) SELECT g FROM generate_series(1, 20) g;
INSERT INTO vp (id) SELECT g FROM generate_series(1, 20) g;

-- what may be refused, swallowed: a child of a soft-deleted parent, a
-- parent's soft delete while a child references it (NO ACTION)
CREATE FUNCTION add_child(c int, p int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        INSERT INTO tc VALUES (c, p) ON CONFLICT (id) DO UPDATE SET tp_id = excluded.tp_id;
    EXCEPTION WHEN foreign_key_violation THEN NULL;
    END;
    BEGIN
        INSERT INTO pc VALUES (c, c % 2, p) ON CONFLICT (id, part) DO UPDATE SET vp_id = excluded.vp_id;
    EXCEPTION WHEN foreign_key_violation THEN NULL;
    END;
END
$$;
CREATE FUNCTION restore_parent(p int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_softdelete.restore('tp', jsonb_build_object('id', p))
       FROM tp WHERE id = p AND deleted_at IS NOT NULL;
    PERFORM audit_softdelete.restore('vp', jsonb_build_object('id', p))
       FROM vp_all WHERE id = p AND deleted_at IS NOT NULL;
END
$$;
SQL

# A client: psql running n random transactions, going on after an error
# (the transaction is then rolled back); the errors go to its log, with
# their SQLSTATE.  pgbench would abort the client at the first 23503,
# which a deferred key raises at COMMIT.
client() {
	awk -v n="$2" -v seed="$1$RANDOM" 'BEGIN {
		srand(seed);
		print "\\set VERBOSITY sqlstate";
		for (i = 0; i < n; i++) {
			c = int(rand() * 200) + 1; p = int(rand() * 20) + 1;
			q = int(rand() * 20) + 1; r = int(rand() * 100);
			print "BEGIN;";
			print "SELECT add_child(" c ", " p ");";
			if (r % 3 == 0) print "DELETE FROM tp WHERE id = " q ";";
			if (r % 4 == 0) print "DELETE FROM pc WHERE vp_id = " q "; DELETE FROM vp WHERE id = " q ";";
			if (r % 5 == 0) print "SELECT restore_parent(" q ");";
			print "UPDATE tp SET val = val + 1 WHERE id = " p ";";
			print (r % 6 == 0) ? "ROLLBACK;" : "COMMIT;";
		}
	}' | PGOPTIONS= psql -X -q -d "$db" >/dev/null 2>>"$work/errors.$1" || true
}
# load N: four clients of N transactions each
load() {
	rm -f "$work"/errors.*
	for i in 1 2 3 4; do client "$i" "$1" & done
	wait
}
# the errors that are neither a refused reference (23503), a deadlock
# (40P01: two soft deletes or restores of rows of the same parents), nor
# a restore() of a row another client restored first (55000), nor a DELETE
# through a live view that waited for a client changing the same row
# (40001, as documented for view mode: it cannot check its WHERE again)
errors() {
	cat "$work"/errors.* 2>/dev/null | grep -E '^ERROR' | grep -vE '^ERROR:  (23503|40001|40P01|55000|25P02)$' | sort | uniq -c || true
}
deadlocks() { cat "$work"/errors.* 2>/dev/null | grep -c '40P01' || true; }

invariants() {
	psql_q -d "$db" <<'SQL'
CREATE TEMP VIEW a AS
SELECT txid, CASE table_name WHEN 'vp' THEN 'vp_all' ELSE table_name END AS tbl,
       (row_pk->>'id')::int AS pk,
       CASE action WHEN 'INSERT' THEN 'INSERT' WHEN 'DELETE' THEN 'DELETE' ELSE 'UPDATE' END AS op
  FROM audit_softdelete.audit_logs;
CREATE TEMP VIEW s AS
SELECT txid, CASE WHEN tbl LIKE 'pc_%' THEN 'pc' ELSE tbl END, pk, op FROM shadow;
SELECT 'audit rows of no committed change|' || count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM s) d;
SELECT 'committed changes without an audit row|' || count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM a) d;
SELECT 'live children of soft-deleted parents|' ||
       (SELECT count(*) FROM tc JOIN tp ON tp.id = tc.tp_id
         WHERE tc.deleted_at IS NULL AND tp.deleted_at IS NOT NULL) +
       (SELECT count(*) FROM pc JOIN vp_all ON vp_all.id = pc.vp_id
         WHERE pc.deleted_at IS NULL AND vp_all.deleted_at IS NOT NULL);
SQL
}
expected="audit rows of no committed change|0
committed changes without an audit row|0
live children of soft-deleted parents|0"

load 150
check "no error under load but 23503, 40001, 40P01, 55000" "" "$(errors)"
check "the load soft-deleted and restored parents" "t" \
	"$(psql_q -d "$db" -c "SELECT count(*) FILTER (WHERE action = 'SOFT_DELETE') > 0 AND count(*) FILTER (WHERE action = 'RESTORE') > 0 FROM audit_softdelete.audit_logs")"
check "under load" "$expected" "$(invariants)"
echo "# deadlocks: $(deadlocks); refused references: $(cat "$work"/errors.* | grep -c 23503 || true)"

before=$(psql_q -d "$db" -c "SELECT count(*) FROM shadow")
load 1000 &
loader=$!
sleep 3
asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -m immediate -w stop >/dev/null
wait "$loader"
asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -l "$ASD_CLUSTER_DIR/server.log" -w \
	-o "-c listen_addresses='' -p $PGPORT -k $ASD_CLUSTER_DIR -c fsync=off" start >/dev/null
check "the crashed load committed transactions" "t" \
	"$(psql_q -d "$db" -c "SELECT count(*) > $before FROM shadow")"
check "after a crash" "$expected" "$(invariants)"
load 50
check "no error after recovery but 23503, 40001, 40P01, 55000" "" "$(errors)"
check "after recovery and more load" "$expected" "$(invariants)"
exit $fail
