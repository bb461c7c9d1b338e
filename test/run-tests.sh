#!/usr/bin/env bash
# test/run-tests.sh: install what is missing, build, install, start a
# throwaway cluster, run every pg_regress test, every isolation spec and
# every script in test/scripts/, stop the cluster.  Exits non-zero when
# anything fails.  Run it as root on a fresh machine (it installs Debian
# packages), or as a user who can "make install".
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/test/lib/cluster.sh"

# python3-*: the Alembic and ORM tests (test/scripts/alembic.sh, orm_sqlalchemy.sh),
# run with /usr/bin/python3;
# pgbouncer: test/scripts/migration_pgbouncer.sh, orm_pgbouncer.sh; debhelper,
# postgresql-server-dev-all: the Debian package (test/scripts/debian_package.sh)
asd_ensure_packages postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION make gcc \
	python3-alembic python3-sqlalchemy python3-psycopg2 pgbouncer \
	debhelper postgresql-server-dev-all dpkg-dev build-essential
asd_build_install "$src"

# pg_regress writes its results into the source tree: start clean.
rm -rf "$src/results" "$src/output_iso" "$src/regression.diffs" "$src/regression.out"

asd_cluster_start

log=$(mktemp)
status=0
make -C "$src" PG_CONFIG="$PG_CONFIG" installcheck 2>&1 | tee "$log" || status=$?

for script in "$src"/test/scripts/*.sh; do
	echo "== $(basename "$script")"
	"$script" 2>&1 | tee -a "$log" || status=$?
done

passed=$(grep -cE '\.\.\. ok|^ok - ' "$log" || true)
failed=$(grep -cE '\.\.\. FAILED|^not ok - ' "$log" || true)
rm -f "$log"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
	for diffs in "$src/regression.diffs" "$src/output_iso/regression.diffs"; do
		if [ -f "$diffs" ]; then
			echo "---- $diffs ----"
			cat "$diffs"
		fi
	done
	asd_cluster_log_tail 80
	[ "$status" -ne 0 ] || status=1
fi

echo "tests: $passed passed, $failed failed"
exit "$status"
