-- test/bench/reads_history.sql: the older history of run-reads.sh, written
-- directly into audit_logs in one INSERT ... SELECT (as superuser):
-- :old_rows UPDATE rows in :ntx transactions of a few hundred rows, txids
-- :xid_base + 0 .. :ntx - 1 (consumed beforehand, so all in the past),
-- logged_at spread evenly over :span up to five minutes ago, both rising
-- with id; the tables in turn, :keys distinct keys per table; one of
-- :actors actors per transaction.  Every other column is copied from the
-- table's template row (reads_tpl, a real audit row), so that this script
-- follows changes to audit_logs' columns; row_pk_hash is computed here only
-- if it is not a generated column.
SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS cols,
       string_agg(CASE
                  WHEN a.attname = 'row_pk_hash' THEN 'pg_catalog.jsonb_hash_extended(s.row_pk, 0)'
                  WHEN a.attname IN ('logged_at', 'txid', 'row_pk', 'old_values', 'new_values', 'actor',
                                     'xact_start')
                  THEN 's.' || a.attname
                  ELSE 't.' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum) AS exprs
  FROM pg_attribute a
 WHERE a.attrelid = 'audit_softdelete.audit_logs'::regclass
   AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
   AND NOT (a.attname = 'id' AND a.atthasdef) \gset

SELECT now() - :'span'::interval - interval '5 minutes' AS t0,
       :'span'::interval / :ntx AS tx_step \gset

INSERT INTO audit_softdelete.audit_logs (:cols)
SELECT :exprs
  FROM (SELECT g, (g - 1) * :ntx / :old_rows AS tx
          FROM generate_series(1::bigint, :old_rows) g) x
  JOIN reads_tpl t ON t.reads_slot = x.g % 5
 CROSS JOIN LATERAL
       (SELECT :'t0'::timestamptz + (x.tx + 1) * :'tx_step'::interval AS logged_at,
               (:xid_base + x.tx)::text::xid8 AS txid,
               'user_' || ((x.tx * 7919) % :actors + 1) AS actor,
               -- a permutation of the table's keys, each in turn
               ((x.g / 5) * 2654435761 + x.g % 5 * 7919) % :keys + 1 AS k,
               (x.g % 997)::int AS v) c
 CROSS JOIN LATERAL
       (SELECT c.logged_at, c.txid, c.actor, c.logged_at AS xact_start,
               CASE WHEN t.reads_by_code THEN jsonb_build_object('code', md5(c.k::text)::uuid)
                    ELSE jsonb_build_object('id', c.k) END AS row_pk,
               t.old_values || jsonb_build_object('val', c.v) AS old_values,
               -- the new stamps are the row's actor and xact_start, left out
               -- as the extension leaves them out (src/implied_stamps.c)
               t.new_values || jsonb_build_object('val', c.v + 1) AS new_values) s;
