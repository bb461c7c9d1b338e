-- row_history() looks for a timestamptz key spelled with every quarter-hour
-- UTC offset.  'infinity' is spelled alike by every session (it used to
-- fail: "timestamp out of range"), as is a key at the ends of timestamptz's
-- range; and the session's own spelling is looked for too, for an offset
-- that is not a quarter hour (a local mean time before 1900: the rows were
-- not found, though written and read in the same TimeZone).
SET TimeZone = 'UTC';
CREATE TABLE rho_t (ts timestamptz PRIMARY KEY, v int);
SELECT audit_softdelete.enable('rho_t', stamps => false);
INSERT INTO rho_t VALUES ('infinity', 1), ('-infinity', 1),
    ('4714-11-24 00:00:00+00 BC', 1), ('294276-12-31 23:59:59+00', 1);
UPDATE rho_t SET v = 2;
SET TimeZone = 'Asia/Kolkata';
SELECT action, row_pk FROM audit_softdelete.row_history('rho_t', '{"ts": "infinity"}');
SELECT action, row_pk FROM audit_softdelete.row_history('rho_t', '{"ts": "-infinity"}');
SELECT action, row_pk FROM audit_softdelete.row_history('rho_t', '{"ts": "4714-11-24 00:00:00+00 BC"}');
SELECT action, row_pk FROM audit_softdelete.row_history('rho_t', '{"ts": "294276-12-31 23:59:59+00"}');

SET TimeZone = 'Europe/Paris';
INSERT INTO rho_t VALUES ('1890-06-01 12:00', 1);
UPDATE rho_t SET v = 3 WHERE ts = '1890-06-01 12:00';
SELECT action, row_pk FROM audit_softdelete.row_history('rho_t', '{"ts": "1890-06-01 12:00"}');
RESET TimeZone;
SELECT audit_softdelete.disable('rho_t');
DROP TABLE rho_t;
