-- An undo or a revert whose write a BEFORE trigger of the user's skips
-- (returns NULL): the change is not taken back, so the call fails (55000)
-- rather than report success with nothing written.
\set test_db db_asd_undo_skipped
\i sql/include/own_database.sql
\i sql/include/show_error.sql
SET audit_softdelete.actor = 'tester';
CREATE FUNCTION last_id() RETURNS bigint LANGUAGE sql AS
$$ SELECT max(id) FROM audit_softdelete.audit_logs $$;

CREATE TABLE sk_items (id int PRIMARY KEY, qty int);
SELECT audit_softdelete.enable('sk_items', stamps => false, soft_delete => 'off');
INSERT INTO sk_items VALUES (1, 1), (2, 2);
SELECT clock_timestamp() AS t0 \gset
UPDATE sk_items SET qty = 10 WHERE id = 1;
SELECT last_id() AS upd \gset
DELETE FROM sk_items WHERE id = 2;
SELECT last_id() AS del \gset

CREATE FUNCTION sk_skip() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER sk_skip BEFORE INSERT OR UPDATE ON sk_items
    FOR EACH ROW EXECUTE FUNCTION sk_skip();
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :upd));
SELECT show_error(format('SELECT audit_softdelete.undo(%s)', :del));
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'sk_items', :'t0'));
SELECT last_id() = :del AS nothing_written;
SELECT id, qty FROM sk_items ORDER BY id;

-- a row inserted again by the revert is skipped too
CREATE OR REPLACE FUNCTION sk_skip() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RETURN CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE NEW END; END $$;
SELECT show_error(format('SELECT audit_softdelete.revert_table_to(%L, %L)', 'sk_items', :'t0'));
SELECT last_id() = :del AS nothing_written;

-- a row gone is told apart (forced over the DELETE of it)
DROP TRIGGER sk_skip ON sk_items;
DELETE FROM sk_items WHERE id = 1;
SELECT show_error(format('SELECT audit_softdelete.undo(%s, force => true)', :upd));

\c :regress_db
DROP DATABASE :test_db;
