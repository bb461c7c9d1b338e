#!/usr/bin/env bash
# demo/demo.sh: build and install audit_softdelete if needed, then run a
# short scripted scenario and show what happened.
#
# By default it runs on a throwaway local cluster, removed afterwards.  When
# any of PGHOST, PGPORT, PGDATABASE or PGUSER is set, it runs on that server
# instead (the extension must be installable there: this script installs it
# on this machine).  On such a server it creates the extension if missing,
# works in a schema "audit_softdelete_demo" and drops that schema at the end.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/test/lib/cluster.sh"

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc
asd_build_install "$src"

if [ -z "${PGHOST:-}${PGPORT:-}${PGDATABASE:-}${PGUSER:-}" ]; then
	asd_cluster_start
	where="a throwaway cluster"
else
	where="${PGHOST:-local socket}:${PGPORT:-5432}/${PGDATABASE:-${PGUSER:-$USER}}"
fi
asd_log "running the demo on $where"

# errors the scenario shows on purpose go to stdout, in their place
psql -X -q -v ON_ERROR_STOP=1 -P footer=off -f "$src/demo/demo.sql" 2>&1
