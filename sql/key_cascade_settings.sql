-- What a soft delete cascaded to is recorded under the deleted row's key
-- as JSON, and restore() looks it up by the key as it writes it.  An
-- interval key's text follows IntervalStyle, a bytea key's bytea_output:
-- the key is written in one style whatever the deleting and the restoring
-- sessions use, so the rows the delete cascaded to come back (they were
-- left deleted, with the parent restored alone).  A regclass key's text
-- follows the search_path: it is written with its schema.
\set test_db db_asd_key_cascade_settings
\i sql/include/own_database.sql

CREATE TABLE kc_span (k interval PRIMARY KEY, v text);
CREATE TABLE kc_span_note (id int PRIMARY KEY, k interval REFERENCES kc_span ON DELETE CASCADE);
CREATE TABLE kc_blob (k bytea PRIMARY KEY, v text);
CREATE TABLE kc_blob_note (id int PRIMARY KEY, k bytea REFERENCES kc_blob ON DELETE CASCADE);
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['kc_span', 'kc_span_note', 'kc_blob', 'kc_blob_note']) t;
INSERT INTO kc_span VALUES ('1 day 2 hours', 'a'), ('-3 years 5 minutes', 'b');
INSERT INTO kc_span_note VALUES (1, '1 day 2 hours'), (2, '-3 years 5 minutes');
INSERT INTO kc_blob VALUES ('\x0102', 'a'), ('\x41ff', 'b');
INSERT INTO kc_blob_note VALUES (1, '\x0102'), (2, '\x41ff');
CREATE VIEW kc_state AS
SELECT 'span' AS t, id, deleted_at IS NOT NULL AS deleted FROM kc_span_note
UNION ALL SELECT 'blob', id, deleted_at IS NOT NULL FROM kc_blob_note ORDER BY 1, 2;

-- deleted in other styles, restored in the default ones
SET IntervalStyle = 'iso_8601';
SET bytea_output = 'escape';
DELETE FROM kc_span WHERE v = 'a';
DELETE FROM kc_blob WHERE v = 'a';
RESET IntervalStyle;
RESET bytea_output;
SELECT parent_pk FROM audit_softdelete.soft_delete_cascades ORDER BY 1;
SELECT * FROM kc_state;
SELECT audit_softdelete.restore('kc_span', '{"k": "1 day 02:00:00"}');
SELECT audit_softdelete.restore('kc_blob', '{"k": "\\x0102"}');
SELECT * FROM kc_state;

-- deleted in the default styles, restored in others
DELETE FROM kc_span WHERE v = 'b';
DELETE FROM kc_blob WHERE v = 'b';
SET IntervalStyle = 'sql_standard';
SET bytea_output = 'escape';
-- (a sign on every field: sql_standard reads a leading one as everyone's)
SELECT audit_softdelete.restore('kc_span', '{"k": "-3 years +00:05:00"}');
SELECT audit_softdelete.restore('kc_blob', '{"k": "\\x41ff"}');
RESET IntervalStyle;
RESET bytea_output;
SELECT * FROM kc_state;
SELECT count(*) AS remembered FROM audit_softdelete.soft_delete_cascades;

-- A regclass key's text follows the search_path (orders for
-- kc_app.orders while kc_app is on it): the key is written with its
-- schema whatever the deleting session's, so that restored under another
-- search_path its rows come back (they were left deleted).
CREATE SCHEMA kc_app;
CREATE TABLE kc_app.orders (id int);
CREATE TABLE kc_conf (k regclass PRIMARY KEY, v text);
CREATE TABLE kc_conf_note (id int PRIMARY KEY, k regclass REFERENCES kc_conf ON DELETE CASCADE);
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['kc_conf', 'kc_conf_note']) t;
INSERT INTO kc_conf VALUES ('kc_app.orders', 'a');
INSERT INTO kc_conf_note VALUES (1, 'kc_app.orders');
SET search_path = public, kc_app;
DELETE FROM kc_conf WHERE k = 'orders'::regclass;
RESET search_path;
SELECT parent_pk FROM audit_softdelete.soft_delete_cascades;
SELECT audit_softdelete.restore('kc_conf', '{"k": "kc_app.orders"}');
SELECT id, deleted_at IS NOT NULL AS deleted FROM kc_conf_note;

\c :regress_db
DROP DATABASE :test_db;
