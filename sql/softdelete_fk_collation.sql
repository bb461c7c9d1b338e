-- A referenced key column of a nondeterministic collation (an ICU
-- case-insensitive one) that the referencing column does not share
-- (users.email text COLLATE ci, orders.email text): PostgreSQL's own
-- foreign-key queries compare under the referenced column's collation,
-- so 'ANN@X' references 'Ann@x'.  The soft delete does the same: its
-- cascade soft-deleted only the rows spelled as the parent is, and a
-- RESTRICT key let the parent go while a row spelled otherwise still
-- referenced it.  (Needs ICU, as nondeterministic collations do.)
\set test_db db_asd_softdelete_fk_collation
\i sql/include/own_database.sql
CREATE COLLATION public.fkc_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE fkc_users (email text COLLATE public.fkc_ci PRIMARY KEY);
CREATE TABLE fkc_orders (id int PRIMARY KEY, email text REFERENCES fkc_users ON DELETE CASCADE);
CREATE TABLE fkc_holds (id int PRIMARY KEY, email text REFERENCES fkc_users ON DELETE RESTRICT);
SELECT count(audit_softdelete.enable(t, stamps => false)) AS enabled
  FROM unnest(ARRAY['fkc_users', 'fkc_orders', 'fkc_holds']) t;
INSERT INTO fkc_users VALUES ('Ann@x'), ('Bob@x');
-- PostgreSQL's own check finds the parent in any case
INSERT INTO fkc_orders VALUES (1, 'Ann@x'), (2, 'ANN@X'), (3, 'bob@X');
INSERT INTO fkc_holds VALUES (1, 'BOB@X');

-- the cascade reaches both spellings
DELETE FROM fkc_users WHERE email = 'ann@x';
SELECT id, email, deleted_at IS NOT NULL AS deleted FROM fkc_orders ORDER BY id;
-- and restore() brings both back
SELECT audit_softdelete.restore('fkc_users', '{"email": "ANN@X"}');
SELECT id, email, deleted_at IS NOT NULL AS deleted FROM fkc_orders ORDER BY id;

-- RESTRICT sees the live row spelled otherwise
\set VERBOSITY terse
DELETE FROM fkc_users WHERE email = 'bob@x';
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT email, deleted_at IS NOT NULL AS deleted FROM fkc_users ORDER BY email;

-- the same under another search_path (the queries are kept plans)
DELETE FROM fkc_holds;
SET search_path = pg_catalog;
DELETE FROM public.fkc_users WHERE email = 'BOB@X';
RESET search_path;
SELECT id, email, deleted_at IS NOT NULL AS deleted FROM fkc_orders ORDER BY id;

\c :regress_db
DROP DATABASE :test_db;
