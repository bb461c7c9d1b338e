#!/usr/bin/env bash
# test/scripts/package_meta.sh: the PGXN metadata is valid (the keys the
# PGXN meta spec 1.0.0 requires, semantic versions, files that exist) and
# one version number holds everywhere: the control file's default_version
# X.Y is META.json's X.Y.0 (the distribution's and the extension's),
# CHANGELOG.md's newest entry, debian/changelog's newest entry (when the
# Debian packaging is there), the library's version() (test version.sql);
# "make dist" builds the zip PGXN takes.  Needs no server.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. test/lib/checks.sh

control=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" audit_softdelete.control)

check "META.json is valid against the PGXN meta spec's required keys" "ok" \
	"$(/usr/bin/python3 - <<'PY'
import json, os, re
semver = re.compile(r'^\d+\.\d+\.\d+$')
m = json.load(open('META.json'))
problems = []
for key in ('name', 'abstract', 'version', 'maintainer', 'license', 'provides', 'meta-spec'):
    if key not in m:
        problems.append('missing ' + key)
if m.get('meta-spec', {}).get('version') != '1.0.0':
    problems.append('meta-spec version is not 1.0.0')
if not semver.match(m.get('version', '')):
    problems.append('version is not semantic')
if m.get('license') not in ('postgresql', 'bsd', 'mit', 'apache_2_0', 'gpl_3', 'lgpl_3_0'):
    problems.append('license is not one PGXN names')
if not isinstance(m.get('maintainer'), (str, list)) or not m.get('maintainer'):
    problems.append('no maintainer')
for name, p in m.get('provides', {}).items():
    for key in ('file', 'version'):
        if key not in p:
            problems.append('provides %s lacks %s' % (name, key))
    if not os.path.exists(p.get('file', '')):
        problems.append('provides %s names a missing file' % name)
    if not semver.match(p.get('version', '')):
        problems.append('provides %s version is not semantic' % name)
pg = m.get('prereqs', {}).get('runtime', {}).get('requires', {}).get('PostgreSQL')
if pg != '15.0.0':
    problems.append('runtime prereq PostgreSQL is %s' % pg)
print('; '.join(problems) or 'ok')
PY
)"

check "META.json's versions are the control file's" "$control.0|$control.0" \
	"$(/usr/bin/python3 -c "import json; m = json.load(open('META.json')); print(m['version'] + '|' + m['provides']['audit_softdelete']['version'])")"
check "CHANGELOG.md's newest entry is the control file's version" "$control" \
	"$(sed -n 's/^## \([0-9][0-9.]*\).*/\1/p' CHANGELOG.md | head -1)"
if [ -f debian/changelog ]; then
	check "debian/changelog's newest entry is the control file's version" "$control.0" \
		"$(sed -n '1s/^[^ ]* (\([0-9.]*\)[^)]*).*/\1/p' debian/changelog)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make -s dist >/dev/null
zip="audit_softdelete-$control.0.zip"
check "make dist builds $zip with META.json and the control file" "2" \
	"$(/usr/bin/python3 -c "import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist(); print(sum(n in names for n in (sys.argv[2] + 'META.json', sys.argv[2] + 'audit_softdelete.control')))" "$zip" "audit_softdelete-$control.0/")"
mv "$zip" "$work/"

exit $fail
