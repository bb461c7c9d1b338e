-- row_as_of(), table_as_of() and revert_table_to() by a role from whom
-- row-level security on audit_logs hides some audit rows of the table
-- written since the time asked (here: each actor reads its own): the past
-- cannot be rebuilt without them, so the call is refused (55000) rather
-- than answer with later values.  Audit rows hidden from before that time
-- do not matter.
\set test_db db_asd_as_of_hidden_rows
\i sql/include/own_database.sql
\i sql/include/show_error.sql

CREATE TABLE ah_items (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('ah_items', stamps => false);
CREATE ROLE ah_alice;
CREATE ROLE ah_bob;
GRANT USAGE ON SCHEMA audit_softdelete TO ah_alice, ah_bob;
GRANT SELECT, INSERT, UPDATE, DELETE ON ah_items TO ah_alice, ah_bob;
GRANT SELECT ON audit_softdelete.audit_logs TO ah_alice, ah_bob;
ALTER TABLE audit_softdelete.audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY ah_own ON audit_softdelete.audit_logs FOR SELECT
    USING (actor OPERATOR(pg_catalog.=) current_user);

SET ROLE ah_bob;
SET audit_softdelete.actor = 'ah_bob';
INSERT INTO ah_items VALUES (1, 1);
RESET ROLE;
SELECT clock_timestamp() AS t0 \gset
SET ROLE ah_bob;
UPDATE ah_items SET qty = 3;
RESET ROLE;
SELECT clock_timestamp() AS t1 \gset

SET ROLE ah_alice;
SET audit_softdelete.actor = 'ah_alice';
SELECT show_error(format('SELECT audit_softdelete.row_as_of(%L, %L, %L)', 'ah_items', '{"id": 1}', :'t0'));
SELECT show_error(format('SELECT count(*) FROM audit_softdelete.table_as_of(NULL::ah_items, %L)', :'t0'));
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'ah_items', :'t0'));
-- after bob's change: nothing hidden since
SELECT audit_softdelete.row_as_of('ah_items', '{"id": 1}', :'t1') - 'deleted_at'::text - 'deleted_by'::text AS at_t1;
RESET ROLE;
-- bob, whose audit rows they all are, rebuilds it
SET ROLE ah_bob;
SELECT audit_softdelete.row_as_of('ah_items', '{"id": 1}', :'t0') - 'deleted_at'::text - 'deleted_by'::text AS at_t0;
RESET ROLE;
SELECT qty FROM ah_items;

\c :regress_db
DROP DATABASE :test_db;
DROP ROLE ah_alice;
DROP ROLE ah_bob;
