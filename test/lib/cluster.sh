# test/lib/cluster.sh: shared by the test runner, the demo and the benchmark.
#
# Source it, then call:
#   asd_ensure_packages PKG...   install missing Debian packages (as root)
#   asd_build_install            build the extension and install it
#   asd_cluster_start            initdb and start a throwaway server; exports
#                                PGHOST, PGPORT, PGUSER; stops it on exit
#   asd_cluster_log_tail [N]     print the last N lines of the server log
#
# The server runs as the postgres user (initdb refuses root), in a temporary
# directory, listening only on a unix socket in that directory.

PG_VERSION=${PG_VERSION:-15}
PG_BINDIR=/usr/lib/postgresql/$PG_VERSION/bin
# /usr/bin/pg_config picks the newest installed version: pin ours.
export PG_CONFIG=${PG_CONFIG:-$PG_BINDIR/pg_config}

asd_log() { printf '== %s\n' "$*" >&2; }
asd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

asd_ensure_packages() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		asd_die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
	fi
	asd_log "installing ${missing[*]}"
	apt-get update -qq || asd_die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
		asd_die "apt-get install ${missing[*]} failed"
}

asd_build_install() {
	local src=$1
	asd_log "building and installing the extension"
	make -C "$src" -s PG_CONFIG="$PG_CONFIG" >/dev/null || asd_die "build failed"
	if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
		make -C "$src" -s PG_CONFIG="$PG_CONFIG" install >/dev/null || asd_die "install failed"
	else
		sudo make -C "$src" -s PG_CONFIG="$PG_CONFIG" install >/dev/null || asd_die "install failed"
	fi
}

# A free TCP port number: only used to name the unix socket, but it must not
# clash with another server's socket in the same directory or a lock file.
asd_free_port() {
	local port
	for port in $(seq 55432 55532); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	asd_die "no free port in 55432-55532"
}

asd_as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

asd_cluster_stop() {
	[ -n "${ASD_CLUSTER_DIR:-}" ] || return 0
	if [ -f "$ASD_CLUSTER_DIR/data/postmaster.pid" ]; then
		asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$ASD_CLUSTER_DIR"
	ASD_CLUSTER_DIR=
}

asd_cluster_log_tail() {
	local n=${1:-60}
	[ -f "${ASD_CLUSTER_DIR:-}/server.log" ] || return 0
	echo "---- last $n lines of the server log ----"
	tail -n "$n" "$ASD_CLUSTER_DIR/server.log"
	echo "----"
}

# Extra server settings can be passed as arguments: -c name=value ...
asd_cluster_start() {
	ASD_CLUSTER_DIR=$(mktemp -d /tmp/audit_softdelete.XXXXXX)
	chmod 700 "$ASD_CLUSTER_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$ASD_CLUSTER_DIR"
	trap asd_cluster_stop EXIT

	local port
	port=$(asd_free_port)
	asd_log "starting a throwaway PostgreSQL $PG_VERSION cluster in $ASD_CLUSTER_DIR (port $port)"
	asd_as_postgres "$PG_BINDIR/initdb" -D "$ASD_CLUSTER_DIR/data" -U postgres -A trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$ASD_CLUSTER_DIR/initdb.log" 2>&1 ||
		{ cat "$ASD_CLUSTER_DIR/initdb.log"; asd_die "initdb failed"; }
	asd_as_postgres "$PG_BINDIR/pg_ctl" -D "$ASD_CLUSTER_DIR/data" -l "$ASD_CLUSTER_DIR/server.log" -w \
		-o "-c listen_addresses='' -p $port -k $ASD_CLUSTER_DIR -c fsync=off $*" start >/dev/null ||
		{ asd_cluster_log_tail; asd_die "the server did not start"; }

	export PGHOST=$ASD_CLUSTER_DIR PGPORT=$port PGUSER=postgres
	unset PGDATABASE PGPASSWORD PGSERVICE
}
