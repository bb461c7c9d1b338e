#!/usr/bin/env bash
# test/scripts/load_crash_pooler.sh: the trail under concurrent load with
# rollbacks, behind PgBouncer in transaction pooling, and across a crash.
#
# Concurrent pgbench clients write a trigger-mode and a view-mode table
# through PgBouncer (pool_mode = transaction, fewer server connections than
# clients): inserts, updates of several rows at once, soft deletes, hard
# deletes, restores, savepoints rolled back and released, PL/pgSQL blocks
# that write and then swallow a unique violation or an exception, and
# transactions rolled back at random.  Each transaction names its actor
# with set_actor(), through the claims setting, or not at all, and records
# that actor in a table of its own (txlog); a savepoint that names another
# actor is always rolled back.  A plain AFTER ROW trigger (shadow) records
# every row change the transaction made, with the same transaction.
#
# Checked after the load, and again after pg_ctl stop -m immediate in the
# middle of a second load and a restart: the audit rows are exactly the
# committed changes (one per shadow row, none without one), each with the
# actor its transaction named (never another client's, never the rolled-
# back savepoint's); the row-history b-tree passes amcheck with every heap
# row indexed; the BRIN index finds every row by txid, time and actor as a
# sequential scan does; row_history() returns every audit row of each row.
#
# Starts its own throwaway cluster (test/lib/cluster.sh: it is crashed);
# the suite's server in PGHOST/PGPORT is left alone.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/checks.sh"
. "$here/../lib/cluster.sh"

bouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[ -x "$bouncer" ] || { echo "not ok - pgbouncer is installed"; exit 1; }
pgbench=$PG_BINDIR/pgbench

work=$(mktemp -d /tmp/asd_load_crash.XXXXXX)
db=db_asd_load_crash
cleanup() {
	if [ -f "$work/pgbouncer.pid" ]; then
		kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
	fi
	asd_cluster_stop
	rm -rf "$work"
}

asd_cluster_start 2>/dev/null
trap cleanup EXIT
psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE EXTENSION amcheck;
ALTER DATABASE db_asd_load_crash SET audit_softdelete.actor_setting = 'request.jwt.claims';

CREATE TABLE tt (id int PRIMARY KEY, val int NOT NULL DEFAULT 0, u int);
SELECT audit_softdelete.enable('tt');
CREATE UNIQUE INDEX tt_u ON tt (u) WHERE deleted_at IS NULL;
CREATE TABLE tv (id int PRIMARY KEY, val int NOT NULL DEFAULT 0);
SELECT audit_softdelete.enable('tv', soft_delete => 'view');

-- what each transaction says its actor is
CREATE TABLE txlog (txid xid8 PRIMARY KEY, actor text NOT NULL);
-- every row change, with the transaction: the audit rows' counterpart
CREATE TABLE shadow (txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                     tbl text, op text, pk int);
CREATE FUNCTION shadow_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- an UPDATE that changes nothing has no audit row
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.shadow (tbl, op, pk)
    VALUES (TG_TABLE_NAME, TG_OP, CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON tt
    FOR EACH ROW EXECUTE FUNCTION shadow_row();
CREATE TRIGGER zz_shadow AFTER INSERT OR UPDATE OR DELETE ON tv_all
    FOR EACH ROW EXECUTE FUNCTION shadow_row();

BEGIN;
INSERT INTO txlog VALUES (pg_current_xact_id(), session_user);
INSERT INTO tt (id) SELECT g FROM generate_series(1, 60) g;
INSERT INTO tv (id) SELECT g FROM generate_series(1, 60) g;
COMMIT;

-- writes, then an error swallowed by the block: none of them stays
CREATE FUNCTION swallow(x int, y int, how int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        UPDATE tt SET val = val + 1 WHERE id BETWEEN x AND x + 2;
        UPDATE tv SET val = val + 1 WHERE id = y;
        IF how = 1 THEN
            -- a multi-row INSERT failing on its second row
            INSERT INTO tt (id) VALUES (1000 + x), (y);
        ELSIF how = 2 THEN
            UPDATE tt SET u = y WHERE id = x;
            UPDATE tt SET u = y WHERE id = x + 1;
        ELSIF how = 3 THEN
            DELETE FROM tv WHERE id = x;
            RAISE EXCEPTION 'swallowed';
        END IF;
    EXCEPTION WHEN unique_violation OR raise_exception THEN
        NULL;
    END;
END
$$;
CREATE FUNCTION restore_some(z int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_softdelete.restore('tt', jsonb_build_object('id', z))
       FROM tt WHERE id = z AND deleted_at IS NOT NULL;
    PERFORM audit_softdelete.restore('tv', jsonb_build_object('id', z))
       FROM tv_all WHERE id = z AND deleted_at IS NOT NULL;
EXCEPTION WHEN unique_violation THEN
    NULL;
END
$$;
SQL

cat >"$work/load.pgb" <<'PGB'
\set x random(1, 60)
\set y random(1, 60)
\set z random(1, 60)
\set r random(1, 100)
\set how random(0, 3)
\set mode random(0, 2)
BEGIN;
\if :mode = 0
SELECT audit_softdelete.set_actor('c' || :client_id || '-' || :r);
INSERT INTO txlog VALUES (pg_current_xact_id(), 'c' || :client_id || '-' || :r);
\elif :mode = 1
SELECT set_config('request.jwt.claims', '{"sub": "jwt' || :client_id || '-' || :r || '"}', true);
INSERT INTO txlog VALUES (pg_current_xact_id(), 'jwt' || :client_id || '-' || :r);
\else
INSERT INTO txlog VALUES (pg_current_xact_id(), session_user);
\endif
INSERT INTO tt (id, u) VALUES (:x + 60, :z) ON CONFLICT DO NOTHING;
UPDATE tt SET val = val + 1 WHERE id = :y;
INSERT INTO tv (id) VALUES (:y + 60) ON CONFLICT DO NOTHING;
SAVEPOINT s1;
UPDATE tv SET val = val + 1 WHERE id = :x;
DELETE FROM tt WHERE id = :z;
\if :r % 2 = 0
ROLLBACK TO SAVEPOINT s1;
\else
RELEASE SAVEPOINT s1;
\endif
SAVEPOINT s2;
SELECT audit_softdelete.set_actor('inner');
SELECT set_config('request.jwt.claims', '{"sub": "inner"}', true);
UPDATE tt SET val = val + 1 WHERE id = :x;
ROLLBACK TO SAVEPOINT s2;
UPDATE tt SET val = val + 1 WHERE id BETWEEN :z AND :z + 4;
SELECT swallow(:x, :y, :how);
\if :r % 7 = 0
DELETE FROM tv WHERE id = :z;
\endif
\if :r % 11 = 0
SELECT restore_some(:z);
\endif
\if :r % 13 = 0
SET LOCAL audit_softdelete.hard_delete = on;
DELETE FROM tt WHERE id = :y + 60;
\endif
\if :r % 5 = 0
ROLLBACK;
\else
COMMIT;
\endif
PGB

# PgBouncer in transaction pooling: two server connections for four clients
cat >"$work/pgbouncer.ini" <<INI
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db pool_size=2
[pgbouncer]
listen_addr =
listen_port = 6433
unix_socket_dir = $work
auth_type = trust
auth_file = $work/users.txt
pool_mode = transaction
server_reset_query =
ignore_startup_parameters = options, extra_float_digits
max_client_conn = 20
server_login_retry = 1
query_wait_timeout = 30
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
printf '"%s" ""\n' "$PGUSER" >"$work/users.txt"
chmod 755 "$work"
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$work"
	runuser -u postgres -- "$bouncer" -q -d "$work/pgbouncer.ini"
else
	"$bouncer" -q -d "$work/pgbouncer.ini"
fi
for i in $(seq 1 50); do
	psql -X -q -h "$work" -p 6433 -d "$db" -c "SELECT 1" >/dev/null 2>&1 && break
	sleep 0.1
done

# pgbench through the pooler (or, with a second argument, straight to the
# server, whose crash then ends it at once): deadlocks between the
# multi-row updates are retried, any other error aborts a client (and
# fails the check below)
# load "-t N" (transactions per client) or "-T seconds" [direct]
load() {
	local host=$work port=6433
	[ -z "${2:-}" ] || { host=$PGHOST; port=$PGPORT; }
	# shellcheck disable=SC2086
	PGOPTIONS= "$pgbench" -n -h "$host" -p "$port" -d "$db" -c 4 -j 2 $1 \
		--max-tries=20 -f "$work/load.pgb" >"$work/pgbench.out" 2>&1 || true
}

# The invariants, as "name|value" lines (all values should be 0 or t)
invariants() {
	psql_q -d "$db" <<'SQL'
CREATE TEMP VIEW a AS
SELECT txid, CASE table_name WHEN 'tv' THEN 'tv_all' ELSE table_name END AS tbl,
       (row_pk->>'id')::int AS pk,
       CASE action WHEN 'INSERT' THEN 'INSERT' WHEN 'DELETE' THEN 'DELETE' ELSE 'UPDATE' END AS op
  FROM audit_softdelete.audit_logs WHERE table_name IN ('tt', 'tv');
CREATE TEMP VIEW s AS SELECT txid, tbl, pk, op FROM shadow;
SELECT 'audit rows of no committed change|' ||
       count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM s) d;
SELECT 'committed changes without an audit row|' ||
       count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM a) d;
SELECT 'audit rows whose actor is not their transaction''s|' ||
       count(*) FROM audit_softdelete.audit_logs l JOIN txlog t USING (txid)
        WHERE l.actor IS DISTINCT FROM t.actor;
SELECT 'audit rows of a transaction that did not record its actor|' ||
       count(*) FROM audit_softdelete.audit_logs l
        WHERE NOT EXISTS (SELECT FROM txlog t WHERE t.txid = l.txid);
SELECT 'stamps of the rolled-back savepoint''s actor|' ||
       (SELECT count(*) FROM tt WHERE 'inner' IN (created_by, updated_by, deleted_by)) +
       (SELECT count(*) FROM tv_all WHERE 'inner' IN (created_by, updated_by, deleted_by));
SELECT 'rows whose row_history() is not their audit rows|' ||
       count(*) FROM (SELECT table_name, row_pk, count(*) AS n FROM audit_softdelete.audit_logs
                       WHERE table_name IN ('tt', 'tv') GROUP BY 1, 2) k
        WHERE n <> (SELECT count(*) FROM audit_softdelete.row_history(
                        CASE k.table_name WHEN 'tv' THEN 'tv_all' ELSE 'tt' END::regclass, k.row_pk));
SELECT 'row-history index passes amcheck, every heap row in it|' ||
       count(*) FROM (SELECT bt_index_check('audit_softdelete.audit_logs_row_idx', true)) c;
-- the BRIN index alone
SET enable_seqscan = off;
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT 'audit rows not found by txid through the BRIN index|' ||
       count(*) FROM (SELECT txid, count(*) AS n FROM audit_softdelete.audit_logs GROUP BY txid) x
        WHERE n <> (SELECT count(*) FROM audit_softdelete.audit_logs l WHERE l.txid = x.txid);
SELECT 'audit rows not found by time through the BRIN index|' ||
       count(*) FROM (SELECT logged_at, count(*) AS n FROM audit_softdelete.audit_logs GROUP BY logged_at) x
        WHERE n <> (SELECT count(*) FROM audit_softdelete.audit_logs l WHERE l.logged_at = x.logged_at);
SELECT 'audit rows not found by actor through the BRIN index|' ||
       count(*) FROM (SELECT actor, count(*) AS n FROM audit_softdelete.audit_logs GROUP BY actor) x
        WHERE n <> (SELECT count(*) FROM audit_softdelete.audit_logs l WHERE l.actor = x.actor);
SQL
}

expected="audit rows of no committed change|0
committed changes without an audit row|0
audit rows whose actor is not their transaction's|0
audit rows of a transaction that did not record its actor|0
stamps of the rolled-back savepoint's actor|0
rows whose row_history() is not their audit rows|0
row-history index passes amcheck, every heap row in it|1
audit rows not found by txid through the BRIN index|0
audit rows not found by time through the BRIN index|0
audit rows not found by actor through the BRIN index|0"

# a number of transactions, not seconds: this load runs at 12 to 30
# transactions a second, and 8 seconds of it sometimes committed fewer
# than the 100 checked below
load "-t 60"
check "no pgbench client aborted" "" "$(grep -E 'aborted|error' "$work/pgbench.out" || true)"
committed=$(psql_q -d "$db" -c "SELECT count(*) >= 100 FROM txlog")
check "the load committed transactions" "t" "$committed"
check "under load through the pooler" "$expected" "$(invariants)"

# A second load, crashed in its middle, then the server restarted
before=$(psql_q -d "$db" -c "SELECT count(*) FROM txlog")
load "-T 20" direct &
loader=$!
sleep 4
asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -m immediate -w stop >/dev/null
wait "$loader"
asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -l "$ASD_CLUSTER_DIR/server.log" -w \
	-o "-c listen_addresses='' -p $PGPORT -k $ASD_CLUSTER_DIR -c fsync=off" start >/dev/null
check "the crashed load committed transactions" "t" \
	"$(psql_q -d "$db" -c "SELECT count(*) > $before FROM txlog")"
check "after a crash" "$expected" "$(invariants)"

# and the writer goes on after recovery
load "-T 4"
check "no pgbench client aborted after recovery" "" "$(grep -E 'aborted|error' "$work/pgbench.out" || true)"
check "after recovery and more load" "$expected" "$(invariants)"

kill "$(cat "$work/pgbouncer.pid")"
rm -f "$work/pgbouncer.pid"
exit $fail
