# test/lib/checks.sh: what the scripts in test/scripts/ share.  Source it;
# it exports PGOPTIONS (warnings only, no notices) and defines:
#   psql_q ARGS...               psql, quiet, stopping at the first error,
#                                unaligned, tuples only, no empty lines
#   check NAME EXPECTED GOT      print "ok - NAME", or "not ok - NAME" and
#                                the difference (test/run-tests.sh counts
#                                both); a failed check sets fail=1
# A script ends with "exit $fail".

export PGOPTIONS="-c client_min_messages=warning"

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@" | sed '/^$/d'; }

fail=0
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -40 | sed 's/^/  /' || true
		fail=1
	fi
}
