-- A primary key of a NOT NULL domain (CREATE DOMAIN email AS citext NOT
-- NULL CHECK ...): undo() of an UPDATE puts the old values back over the
-- row as it is, so the columns the audit row leaves out (the key's among
-- them) are not read as NULL, which the domain refused ("domain email
-- does not allow null values"), whatever the change.
\set test_db db_asd_key_domain_not_null
\i sql/include/own_database.sql
SET client_min_messages = warning;
CREATE EXTENSION citext;
RESET client_min_messages;
CREATE DOMAIN kd_email AS citext NOT NULL CHECK (VALUE LIKE '%@%');

CREATE TABLE kd_users (email kd_email PRIMARY KEY, name text);
CREATE TABLE kd_visits (email kd_email, day date, n int,
                        PRIMARY KEY (email, day)) PARTITION BY RANGE (day);
CREATE TABLE kd_visits_2026 PARTITION OF kd_visits
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
SELECT audit_softdelete.enable('kd_users', stamps => false);
SELECT audit_softdelete.enable('kd_visits', stamps => false);
INSERT INTO kd_users VALUES ('ann@example.com', 'Ann');
INSERT INTO kd_visits VALUES ('ann@example.com', '2026-03-01', 1);
UPDATE kd_users SET name = 'Anne';
UPDATE kd_visits SET n = 2;
UPDATE kd_users SET email = 'anne@example.com';

-- newest first: the key's change, the visit's, then the name's, whose
-- row's key went away and came back since (refused unless forced)
SELECT audit_softdelete.undo(id) FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values ? 'email';
SELECT audit_softdelete.undo(id) FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values ? 'n';
SELECT audit_softdelete.undo(id, force => true) FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' AND new_values ->> 'name' = 'Anne';
SELECT email, name FROM kd_users;
SELECT email, day, n FROM kd_visits;
SELECT action, old_values, new_values FROM audit_softdelete.audit_logs
 WHERE action = 'UPDATE' ORDER BY id;

\c :regress_db
DROP DATABASE :test_db;
