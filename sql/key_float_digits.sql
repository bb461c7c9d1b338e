-- A real or double precision value (or one of a domain over them) is
-- logged exactly, whatever the writing session's extra_float_digits:
-- to_jsonb() rounds it to 15 (6) digits when extra_float_digits is 0 or
-- less, and a key so rounded names another row (undo() wrote to the row
-- keyed 0.3 for a change of the row keyed 0.30000000000000004), an old
-- value so rounded is put back changed.
\set test_db db_asd_key_float_digits
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE DOMAIN kf_real AS real CHECK (VALUE > 0);
CREATE TABLE kf_points (k float8 PRIMARY KEY, r kf_real, v text);
CREATE TABLE kf_notes (id int PRIMARY KEY, k float8 REFERENCES kf_points ON DELETE CASCADE);
SELECT audit_softdelete.enable('kf_points', stamps => false);
SELECT audit_softdelete.enable('kf_notes', stamps => false);
INSERT INTO kf_points VALUES (0.1::float8 + 0.2::float8, 1.2345678, 'a'), (0.3, 1, 'other'),
                             ('NaN', 'Infinity', 'nan');
INSERT INTO kf_notes VALUES (1, 0.1::float8 + 0.2::float8);

SET extra_float_digits = 0;
UPDATE kf_points SET v = 'b', r = 2 WHERE k > 0.3 AND k < 0.31;
UPDATE kf_points SET v = 'nan2' WHERE k = 'NaN';
-- deleted here, its cascade's key written here too
DELETE FROM kf_points WHERE k > 0.3 AND k < 0.31;
RESET extra_float_digits;

SELECT action, row_pk, old_values - 'deleted_at' - 'deleted_by' AS old_values,
       new_values - 'deleted_at' - 'deleted_by' AS new_values
  FROM audit_softdelete.audit_logs WHERE action <> 'ENABLE' ORDER BY id;
SELECT count(*) FROM audit_softdelete.row_history('kf_points', '{"k": 0.30000000000000004}');
SELECT count(*) FROM audit_softdelete.row_history('kf_points', '{"k": 0.3}');

-- restored with what the delete cascaded to
SELECT audit_softdelete.restore('kf_points', '{"k": 0.30000000000000004}');
SELECT id, deleted_at IS NOT NULL AS deleted FROM kf_notes;
-- the update taken back on its own row, its real put back exactly
SELECT audit_softdelete.undo(id) FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values ? 'r';
SELECT k, r, v FROM kf_points ORDER BY k;

\c :regress_db
DROP DATABASE :test_db;
