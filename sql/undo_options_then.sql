-- undo() reads an audit row with the options it was written under: a
-- column redacted then holds a marker in the trail, whatever the table's
-- options say today, and is never written back (55000); a column excluded
-- then is not in the trail, and a DELETE undone gives it its default with
-- a NOTICE naming it, also when it is no longer excluded.  A column
-- redacted or excluded only since holds its real value in older rows.
\set test_db db_asd_undo_options_then
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

-- redacted then, not today: the marker is not a value to write back
CREATE TABLE ot_accounts (id int PRIMARY KEY, pin text, note text);
SELECT audit_softdelete.enable('ot_accounts', stamps => false, redact_columns => '{pin}');
INSERT INTO ot_accounts VALUES (1, '1111', 'a'), (2, '2222', 'b');
UPDATE ot_accounts SET pin = '1234', note = 'changed' WHERE id = 1;
SELECT last_id() AS upd \gset
SET audit_softdelete.hard_delete = on;
DELETE FROM ot_accounts WHERE id = 2;
RESET audit_softdelete.hard_delete;
SELECT last_id() AS del \gset
SELECT old_values->>'pin' AS logged_pin FROM audit_softdelete.audit_logs WHERE id = :del;
SELECT audit_softdelete.enable('ot_accounts', stamps => false, redact_columns => '{}');
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :upd));
SELECT show_error(format('SELECT audit_softdelete.undo(%s, force => true)', :del));
SELECT id, pin, note FROM ot_accounts ORDER BY id;
-- followed through a rename, and through disable() and enable()
ALTER TABLE ot_accounts RENAME COLUMN pin TO code;
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :upd));
SELECT audit_softdelete.disable('ot_accounts');
SELECT audit_softdelete.enable('ot_accounts', stamps => false);
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :upd));
-- a change logged after the redaction ended is undone
UPDATE ot_accounts SET code = '4321' WHERE id = 1;
SELECT audit_softdelete.undo(last_id());
SELECT id, code, note FROM ot_accounts ORDER BY id;

-- excluded then, not today: the DELETE's row comes back with the default,
-- and the NOTICE says which column
CREATE TABLE ot_docs (id int PRIMARY KEY, body text DEFAULT 'empty', title text);
SELECT audit_softdelete.enable('ot_docs', stamps => false, soft_delete => 'off',
                               exclude_columns => '{body}');
INSERT INTO ot_docs VALUES (1, 'long text', 'first'), (2, 'more text', 'second');
DELETE FROM ot_docs WHERE id = 1;
SELECT last_id() AS del1 \gset
SELECT audit_softdelete.enable('ot_docs', stamps => false, soft_delete => 'off');
DELETE FROM ot_docs WHERE id = 2;
SELECT last_id() AS del2 \gset
SELECT audit_softdelete.undo(:del1);
SELECT audit_softdelete.undo(:del2);            -- body logged: no NOTICE
SELECT id, body, title FROM ot_docs ORDER BY id;
-- excluded only since: the older row holds the value
DELETE FROM ot_docs WHERE id = 2;
SELECT last_id() AS del3 \gset
SELECT audit_softdelete.enable('ot_docs', stamps => false, soft_delete => 'off',
                               exclude_columns => '{body}');
SELECT audit_softdelete.undo(:del3);
SELECT id, body, title FROM ot_docs ORDER BY id;

\c :regress_db
DROP DATABASE :test_db;
