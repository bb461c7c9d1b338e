#!/usr/bin/env bash
# test/scripts/brin_summary_cancel.sh: a statement cancelled while the
# writer summarises a block range of audit_logs' BRIN index leaves no
# placeholder behind.
#
# The writer summarises the range behind it when audit_logs grows past it
# (audit_write.c), inside the audited statement.  Summarising inserts a
# placeholder tuple into the index first and replaces it once the range is
# read; a cancel (statement_timeout, pg_cancel_backend) or termination
# arriving in between left the placeholder for good: VACUUM and
# brin_summarize_new_values() never summarise a range that has an index
# tuple, and a placeholder matches every search, so each search by time,
# txid, id or actor read that range in full from then on.  Here a few
# hundred INSERTs of 3,000 audited rows each (about two range boundaries
# each) run under random statement timeouts, most of them cancelled
# somewhere; before the fix about one in thirty cancels left a
# placeholder.  (A server crash at that moment still leaves one.)
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

db=db_asd_brin_summary_cancel
psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql_q -d "$db" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE EXTENSION pageinspect;
CREATE TABLE items (id bigserial PRIMARY KEY, note text);
SELECT audit_softdelete.enable('items', stamps => false, soft_delete => 'off');
SQL

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the same timeouts every run (the moments they fire at still vary)
RANDOM=4711
for i in $(seq 1 300); do
	echo "SET statement_timeout = '$((RANDOM % 60 + 1))ms';"
	echo "INSERT INTO items (note) SELECT 'x' FROM generate_series(1, 3000);"
done >"$work/inserts.sql"
cancelled=$(psql -X -q -d "$db" -f "$work/inserts.sql" 2>&1 |
	grep -c "canceling statement due to statement timeout" || true)
check "most inserts were cancelled" "t" "$( [ "$cancelled" -ge 100 ] && echo t || echo "f ($cancelled)")"

# No range is left as a placeholder; after VACUUM, which summarises the
# ranges whose summary was never started (a cancel before it), every range
# but the last is summarised.
ranges() {
	psql_q -d "$db" <<'SQL'
WITH items AS (
    SELECT i.blknum, i.placeholder
      FROM generate_series(1, (pg_catalog.pg_relation_size('audit_softdelete.audit_logs_time_idx')
                               / current_setting('block_size')::int)::int - 1) AS p,
           LATERAL (SELECT brin_page_type(get_raw_page('audit_softdelete.audit_logs_time_idx', p)) AS t) AS ty,
           LATERAL (SELECT DISTINCT itemoffset, blknum, placeholder
                      FROM brin_page_items(get_raw_page('audit_softdelete.audit_logs_time_idx', p),
                                           'audit_softdelete.audit_logs_time_idx')
                     WHERE ty.t = 'regular') AS i)
SELECT 'placeholders|' || count(*) FILTER (WHERE placeholder) FROM items
UNION ALL
SELECT 'full ranges not summarised|' ||
       (pg_catalog.pg_relation_size('audit_softdelete.audit_logs') / current_setting('block_size')::int / 32
        - count(*) FILTER (WHERE NOT placeholder AND blknum < (pg_catalog.pg_relation_size('audit_softdelete.audit_logs')
                                                               / current_setting('block_size')::int / 32) * 32))
  FROM items;
SQL
}
check "after the cancelled inserts" "placeholders|0" "$(ranges | sed -n 1p)"
psql_q -d "$db" -c "VACUUM audit_softdelete.audit_logs"
check "after VACUUM" "placeholders|0
full ranges not summarised|0" "$(ranges)"

psql_q -d postgres -c "DROP DATABASE $db"
exit $fail
