#!/usr/bin/env bash
# test/scripts/released_scripts.sh: a released install or upgrade script
# never changes (docs/releasing.md).  test/released-scripts.sha256 holds the
# SHA-256 of each, added when its version is released; a script that no
# longer matches fails here.  Needs no server.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
fail=0
while read -r sum file; do
	if [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sum" ]; then
		echo "ok - released $file is unchanged"
	else
		echo "not ok - released $file is unchanged (it changed: put the change in an upgrade script)"
		fail=1
	fi
done <test/released-scripts.sha256
exit $fail
