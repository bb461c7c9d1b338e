#!/usr/bin/env bash
# test/scripts/debian_package.sh: the Debian package.  Builds it from the
# tree with dpkg-buildpackage (pg_buildext, debian/), installs it with dpkg,
# runs the whole regression suite against the installed package on the
# suite's server (PGHOST/PGPORT, as test/run-tests.sh starts it), removes
# it, and installs the tree's build again for the scripts after it.  Needs
# root (dpkg) and the packages debhelper and postgresql-server-dev-all,
# which test/run-tests.sh installs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/test/lib/checks.sh"
. "$root/test/lib/cluster.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# skipped: dpkg needs root"
	exit 0
fi

version=$(sed -n '1s/^[^ ]* (\([0-9.]*\)).*/\1/p' "$root/debian/changelog")
arch=$(dpkg --print-architecture)
pkg=postgresql-$PG_VERSION-audit-softdelete
deb=${pkg}_${version}_$arch.deb
work=$(mktemp -d /tmp/asd_debian.XXXXXX)
cleanup() {
	dpkg -r "$pkg" >/dev/null 2>&1 || true
	asd_build_install "$root" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# the tree's files, as a clean clone has them
mkdir "$work/src"
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work/src")
(cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
	{ tail -30 "$work/build.log"; }
check "dpkg-buildpackage -us -uc -b builds $deb" "t" \
	"$([ -f "$work/$deb" ] && echo t || echo f)"

dpkg -i "$work/$deb" >/dev/null
check "the package installs the library, the control file and every script" \
	"$(cd "$root" && { echo "$("$PG_CONFIG" --pkglibdir)/audit_softdelete.so"; \
		for f in audit_softdelete.control audit_softdelete--*.sql; do echo "$("$PG_CONFIG" --sharedir)/extension/$f"; done; } | sort)" \
	"$(dpkg -L "$pkg" | grep -E '(audit_softdelete\.so|audit_softdelete\.control|audit_softdelete--.*\.sql)$' | sort)"

# the regression suite, run by the packaged files (with the notices it expects)
status=0
PGOPTIONS= make -C "$work/src" -s PG_CONFIG="$PG_CONFIG" installcheck >"$work/check.log" 2>&1 || status=$?
grep -E '^(test |\s+)\S+ +\.\.\. ' "$work/check.log" | sed 's/^/  /' || true
[ "$status" -eq 0 ] || cat "$work/src/regression.diffs" 2>/dev/null | head -60
check "the regression suite passes against the installed package" "0" "$status"

dpkg -r "$pkg" >/dev/null
check "the package removes its files" "0" \
	"$(ls "$("$PG_CONFIG" --sharedir)"/extension/audit_softdelete* 2>/dev/null | wc -l)"

exit $fail
