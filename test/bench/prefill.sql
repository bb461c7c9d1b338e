-- test/bench/prefill.sql: a realistic history in audit_softdelete.audit_logs
-- before any timing, written by the extension itself so that its shape is
-- always what the installed version writes.  Twenty audited tables; for
-- each, rounds of one transaction by one of fifty actors: 1000 INSERTs,
-- UPDATEs of 600 rows somewhere in the table, 50 soft DELETEs.  That is
-- 33000 audit rows a round, rounds until at least :prefill_rows.  The row
-- keys spread over twenty tables' ids, so the row-history index takes its
-- entries on random pages.  Loaded once into the base database every
-- template is copied from.
CREATE EXTENSION IF NOT EXISTS audit_softdelete;

SELECT format($$CREATE TABLE hist_%s (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    qty         int NOT NULL DEFAULT 0,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text,
    updated_at  timestamptz,
    updated_by  text,
    deleted_at  timestamptz,
    deleted_by  text)$$, t),
       format($$SELECT audit_softdelete.enable('hist_%s')$$, t)
  FROM generate_series(1, 20) t \gexec

SELECT format($$SELECT audit_softdelete.set_actor('user%3$s');
INSERT INTO hist_%1$s (id, name, qty, note)
SELECT g, 'row ' || g, g %% 100, repeat('x', 20 + g %% 40)
  FROM generate_series(%2$s * 1000 + 1, %2$s * 1000 + 1000) g;
UPDATE hist_%1$s SET qty = qty + 1, note = note || 'y'
 WHERE id BETWEEN %4$s AND %4$s + 599;
DELETE FROM hist_%1$s WHERE id BETWEEN %2$s * 1000 + 1 AND %2$s * 1000 + 50$$,
              t, r, (r * 20 + t) % 50, 1 + (r * 7919 + t * 104729) % ((r + 1) * 1000 - 599))
  FROM generate_series(0, ceil(:prefill_rows / 33000.0)::int - 1) r, generate_series(1, 20) t
 ORDER BY r, t \gexec

-- What autovacuum would have done to a log this old: visibility map set,
-- full BRIN ranges summarised.
VACUUM ANALYZE;
