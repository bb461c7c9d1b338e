#!/usr/bin/env bash
# test/run-tests.sh: install what is missing, build, install, start a
# throwaway cluster, run every pg_regress test and isolation spec, stop the
# cluster.  Exits non-zero when anything fails.  Run it as root on a fresh
# machine (it installs Debian packages), or as a user who can "make install".
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/test/lib/cluster.sh"

asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc
asd_build_install "$src"

# pg_regress writes results/ into the source tree.
make -C "$src" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
rm -rf "$src/results" "$src/output_iso" "$src/regression.diffs" "$src/regression.out"
make -C "$src" -s PG_CONFIG="$PG_CONFIG" >/dev/null

asd_cluster_start

status=0
make -C "$src" PG_CONFIG="$PG_CONFIG" installcheck || status=$?

if [ "$status" -ne 0 ]; then
	for diffs in "$src/regression.diffs" "$src/output_iso/regression.diffs"; do
		if [ -f "$diffs" ]; then
			echo "---- $diffs ----"
			cat "$diffs"
		fi
	done
	asd_cluster_log_tail 80
	echo "FAILED"
	exit "$status"
fi

echo "all tests passed"
