-- exclude_columns never appear in the log; redact_columns appear with a
-- marker instead of their values.  Both follow column renames.
\set SHOW_CONTEXT never

CREATE TABLE er_users (id int PRIMARY KEY, email text, password_hash text,
                       ssn text, last_login int);
SELECT audit_softdelete.enable('er_users', stamps => false, soft_delete => 'off',
                               exclude_columns => '{password_hash, last_login}',
                               redact_columns => '{ssn}');
SELECT exclude_columns, redact_columns FROM audit_softdelete.tracked_tables
 WHERE relid = 'er_users'::regclass;

INSERT INTO er_users VALUES (1, 'a@example.com', 'hash1', '123-45-6789', 100);
UPDATE er_users SET password_hash = 'hash2';                 -- excluded only: no row
UPDATE er_users SET last_login = 101, password_hash = 'h3';  -- excluded only: no row
UPDATE er_users SET ssn = '987-65-4321';                     -- redacted: a row, no values
UPDATE er_users SET email = 'b@example.com', password_hash = 'h4';
DELETE FROM er_users;
SELECT action, old_values, new_values, changed_columns
  FROM audit_softdelete.audit_logs WHERE table_name = 'er_users' ORDER BY id;
-- no secret anywhere in the trail
SELECT count(*) AS leaks FROM audit_softdelete.audit_logs l
 WHERE l.table_name = 'er_users'
   AND (coalesce(l.old_values::text, '') || coalesce(l.new_values::text, '') || coalesce(l.row_pk::text, '')
        || coalesce(l.changed_columns::text, '')) ~ '(hash|h3|h4|password|last_login|123-45|987-65)';

-- A renamed excluded or redacted column stays excluded or redacted.
ALTER TABLE er_users RENAME COLUMN password_hash TO pw_hash;
ALTER TABLE er_users RENAME COLUMN ssn TO national_id;
SELECT exclude_columns, redact_columns FROM audit_softdelete.tracked_tables
 WHERE relid = 'er_users'::regclass;
INSERT INTO er_users VALUES (2, 'c@example.com', 'secret-hash', '555-55-5555', 1);
SELECT new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'er_users' AND row_pk = '{"id": 2}';

-- Refused: a column that does not exist, one both excluded and redacted,
-- a primary key column, NULL lists.
SELECT audit_softdelete.enable('er_users', exclude_columns => '{nope}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', redact_columns => '{nope}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', exclude_columns => '{email}', redact_columns => '{email}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', exclude_columns => '{id}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', redact_columns => '{id}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', exclude_columns => NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('er_users', exclude_columns => '{NULL}');
\echo SQLSTATE :SQLSTATE
-- and the options stayed as they were
SELECT exclude_columns, redact_columns FROM audit_softdelete.tracked_tables
 WHERE relid = 'er_users'::regclass;

-- Reconfiguring with no exclusions logs every column again.
SELECT audit_softdelete.enable('er_users', stamps => false, soft_delete => 'off');
UPDATE er_users SET pw_hash = 'visible now' WHERE id = 2;
SELECT changed_columns, new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'er_users' ORDER BY id DESC LIMIT 1;

-- A primary key added later may not cover an excluded or redacted column
-- either: the ALTER TABLE fails and leaves the table as it was.
CREATE TABLE er_codes (code text, ex int, other int);
SELECT audit_softdelete.enable('er_codes', stamps => false, soft_delete => 'off',
                               redact_columns => '{code}', exclude_columns => '{ex}');
ALTER TABLE er_codes ADD PRIMARY KEY (code, other);
\echo SQLSTATE :SQLSTATE
ALTER TABLE er_codes ADD CONSTRAINT er_codes_pk PRIMARY KEY (other, ex);
\echo SQLSTATE :SQLSTATE
CREATE UNIQUE INDEX er_codes_ex ON er_codes (ex);
ALTER TABLE er_codes ADD PRIMARY KEY USING INDEX er_codes_ex;
\echo SQLSTATE :SQLSTATE
-- (an excluded column dropped stays excluded, should it come back)
ALTER TABLE er_codes DROP COLUMN ex;
ALTER TABLE er_codes ADD COLUMN ex int PRIMARY KEY;
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS primary_keys FROM pg_index WHERE indrelid = 'er_codes'::regclass AND indisprimary;
ALTER TABLE er_codes ADD PRIMARY KEY (other);
INSERT INTO er_codes VALUES ('secret', 1);
SELECT row_pk, new_values FROM audit_softdelete.audit_logs WHERE table_name = 'er_codes';

DROP TABLE er_users, er_codes;
