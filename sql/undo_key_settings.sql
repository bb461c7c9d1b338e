-- undo() refuses to take a change back over a later change of the same
-- columns.  It finds the later audit rows of the row by its key, which an
-- audit row holds as the writing session printed it: a timestamptz key
-- with that session's TimeZone offset.  For such a key the later audit
-- rows are compared by value, so a later change written under another
-- TimeZone is seen, and rows with other keys are not taken for it.
\set test_db db_asd_undo_key_settings
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE TABLE uks_readings (device int, at timestamptz, v int, PRIMARY KEY (device, at));
SELECT audit_softdelete.enable('uks_readings', stamps => false, soft_delete => 'off');
INSERT INTO uks_readings VALUES (1, '2026-01-01 10:00+00', 1), (2, '2026-01-01 10:00+00', 1);
UPDATE uks_readings SET v = 2 WHERE device = 1;
SELECT max(id) AS first_update FROM audit_softdelete.audit_logs WHERE action = 'UPDATE' \gset
SET TimeZone = 'Europe/Paris';
UPDATE uks_readings SET v = 3 WHERE device = 1;
UPDATE uks_readings SET v = 4 WHERE device = 2;
SET TimeZone = 'UTC';
-- the same key, spelled two ways
SELECT id, row_pk, new_values FROM audit_softdelete.audit_logs WHERE action = 'UPDATE' ORDER BY id;

-- refused, naming the later change (not device 2's)
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :first_update));
SELECT device, v FROM uks_readings ORDER BY device;
-- with force, taken back over it; device 2 untouched
SELECT audit_softdelete.undo(:first_update, force => true);
SELECT device, v FROM uks_readings ORDER BY device;
-- a change with no later one is taken back from any TimeZone
SET TimeZone = 'America/New_York';
SELECT audit_softdelete.undo(:first_update + 2);
SET TimeZone = 'UTC';
SELECT device, v FROM uks_readings ORDER BY device;

\c :regress_db
DROP DATABASE :test_db;
