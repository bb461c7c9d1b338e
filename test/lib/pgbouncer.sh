# test/lib/pgbouncer.sh: a PgBouncer in front of the test server, for the
# scripts in test/scripts/ that test what a connection pooler does.
# Source it after test/lib/checks.sh, then call:
#   pgbouncer_start WORK DB MODE [INI_LINE...]
#       start PgBouncer on a unix socket in directory WORK (made by the
#       caller, removed by it) with one server connection to database DB
#       in pool_mode MODE (session, transaction), the extra [pgbouncer]
#       lines given, and wait until it accepts connections
#   pgbouncer_stop WORK
#       stop it
#   B ARGS...   psql through it, unaligned, tuples only
# PgBouncer runs as the server's user (it refuses root).  One server
# connection: every client gets the same backend, one after another.

pgbouncer_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

pgbouncer_start() {
	local work=$1 db=$2 mode=$3 i
	shift 3
	[ -x "$pgbouncer_bin" ] || { echo "not ok - pgbouncer is installed"; exit 1; }
	pgbouncer_work=$work
	pgbouncer_db=$db
	{
		cat <<INI
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db pool_size=1
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $work
auth_type = trust
auth_file = $work/users.txt
pool_mode = $mode
ignore_startup_parameters = options, extra_float_digits
max_client_conn = 10
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
		printf '%s\n' "$@"
	} >"$work/pgbouncer.ini"
	printf '"%s" ""\n' "$PGUSER" >"$work/users.txt"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres: "$work"
		runuser -u postgres -- "$pgbouncer_bin" -q -d "$work/pgbouncer.ini"
	else
		"$pgbouncer_bin" -q -d "$work/pgbouncer.ini"
	fi
	for i in $(seq 1 50); do
		B -c "SELECT 1" >/dev/null 2>&1 && break
		sleep 0.1
	done
	check "pgbouncer accepts connections" "1" "$(B -c "SELECT 1" 2>&1)"
}

pgbouncer_stop() {
	if [ -f "$1/pgbouncer.pid" ]; then
		kill "$(cat "$1/pgbouncer.pid")" 2>/dev/null || true
		rm -f "$1/pgbouncer.pid"
	fi
}

B() { psql -X -q -At -h "$pgbouncer_work" -p 6432 -d "$pgbouncer_db" "$@"; }
