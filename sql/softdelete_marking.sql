-- The UPDATE that marks a row deleted (mark_deleted.c) runs through the
-- executor's row-level routines, or, for a table with rules, statement
-- triggers or transition tables, as an SPI statement.  Both must behave as
-- an UPDATE of the row would: triggers, generated columns, constraints,
-- index entries, and the same audit row.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'marker';

-- Two tables alike; sm_spi has a statement-level UPDATE trigger, which
-- sends its marking through SPI.
CREATE TABLE sm_events (tbl text, what text, seq serial);
CREATE FUNCTION sm_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sm_events (tbl, what) VALUES (TG_TABLE_NAME, TG_NAME || ' ' || TG_LEVEL);
    IF TG_LEVEL = 'ROW' AND TG_WHEN = 'BEFORE' THEN
        NEW.note := coalesce(NEW.note, '') || 'seen';
    END IF;
    RETURN CASE WHEN TG_LEVEL = 'ROW' THEN NEW END;
END $$;

CREATE FUNCTION sm_make(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, email text, note text,
                        live boolean GENERATED ALWAYS AS (deleted_at IS NULL) STORED,
                        deleted_at timestamptz,
                        CHECK (deleted_at IS NULL OR email IS DISTINCT FROM %L))', tbl, 'keep@x');
    EXECUTE format('CREATE UNIQUE INDEX ON %I (email) WHERE deleted_at IS NULL', tbl);
    EXECUTE format('CREATE INDEX ON %I (deleted_at)', tbl);
    PERFORM audit_softdelete.enable(tbl::regclass);
    EXECUTE format('CREATE TRIGGER b_row BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION sm_note()', tbl);
    EXECUTE format('CREATE TRIGGER a_col AFTER UPDATE OF deleted_at ON %I FOR EACH ROW EXECUTE FUNCTION sm_note()', tbl);
    EXECUTE format('CREATE TRIGGER a_other_col AFTER UPDATE OF email ON %I FOR EACH ROW EXECUTE FUNCTION sm_note()', tbl);
    EXECUTE format('INSERT INTO %I (id, email) VALUES (1, %L), (2, %L), (3, %L), (4, %L)',
                   tbl, 'a@x', 'b@x', 'c@x', 'keep@x');
END $$;
SELECT sm_make('sm_row'), sm_make('sm_spi');
CREATE TRIGGER s_stmt BEFORE UPDATE ON sm_spi FOR EACH STATEMENT EXECUTE FUNCTION sm_note();
TRUNCATE sm_events;

-- A DELETE whose join meets rows 1 and 2 twice: each is marked once.
-- (Through SPI the second meeting fails: the marking is a later command.)
CREATE TABLE sm_refs (ref int);
INSERT INTO sm_refs VALUES (1), (1), (2), (2);
DELETE FROM sm_row t USING sm_refs r WHERE r.ref = t.id;
DELETE FROM sm_spi t USING sm_refs r WHERE r.ref = t.id;
\echo SQLSTATE :SQLSTATE
DELETE FROM sm_spi t USING (SELECT DISTINCT ref FROM sm_refs) r WHERE r.ref = t.id;

-- Row triggers fired alike (column triggers only for the columns the
-- marking sets); the statement trigger once per marked row.
SELECT tbl, what, count(*) FROM sm_events GROUP BY tbl, what ORDER BY tbl, what;

-- The BEFORE trigger's change is kept, the generated column follows.
SELECT 'sm_row' AS tbl, id, note, live, deleted_by FROM sm_row
UNION ALL
SELECT 'sm_spi', id, note, live, deleted_by FROM sm_spi ORDER BY 1, 2;

-- The same audit rows from both paths (but for the times: the two DELETEs
-- ran in two transactions).
SELECT a.action, a.row_pk, a.changed_columns,
       a.new_values - 'deleted_at' - 'updated_at' AS new_values,
       a.old_values = b.old_values AS old_same,
       a.new_values - 'deleted_at' - 'updated_at' =
       b.new_values - 'deleted_at' - 'updated_at' AS new_same,
       a.changed_columns = b.changed_columns AS columns_same
  FROM audit_softdelete.audit_logs a
  JOIN audit_softdelete.audit_logs b
    ON b.table_oid = 'sm_spi'::regclass AND b.row_pk = a.row_pk AND b.action = a.action
 WHERE a.table_oid = 'sm_row'::regclass AND a.action <> 'INSERT'
 ORDER BY a.row_pk;

-- The new row versions are in every index: found through the index on
-- deleted_at, and their e-mail addresses are free again.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sm_row WHERE deleted_at IS NOT NULL;
SELECT id FROM sm_row WHERE deleted_at IS NOT NULL ORDER BY id;
SELECT id FROM sm_spi WHERE deleted_at IS NOT NULL ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;
INSERT INTO sm_row (id, email) VALUES (11, 'a@x');
INSERT INTO sm_spi (id, email) VALUES (11, 'a@x');

-- A CHECK constraint the marking breaks fails the DELETE, on both paths;
-- the row stays live and no audit row is written.
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs
 WHERE table_oid IN ('sm_row'::regclass, 'sm_spi'::regclass);
\set VERBOSITY terse
DELETE FROM sm_row WHERE id = 4;
\echo SQLSTATE :SQLSTATE
DELETE FROM sm_spi WHERE id = 4;
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs
 WHERE table_oid IN ('sm_row'::regclass, 'sm_spi'::regclass);
SELECT id, live FROM sm_row WHERE id = 4;

-- Rolled back with its savepoint: the row live again, the trail as it was.
BEGIN;
SAVEPOINT s;
DELETE FROM sm_row WHERE id = 3;
SELECT live FROM sm_row WHERE id = 3;
ROLLBACK TO SAVEPOINT s;
SELECT live FROM sm_row WHERE id = 3;
COMMIT;
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs
 WHERE table_oid IN ('sm_row'::regclass, 'sm_spi'::regclass);

-- A transition table also sends the marking through SPI, where the
-- statement-level trigger sees the marked row.
CREATE FUNCTION sm_count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sm_events (tbl, what)
        SELECT TG_TABLE_NAME, 'transition ' || string_agg(id::text, ',') FROM new_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER a_stmt AFTER UPDATE ON sm_row REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm_count_new();
TRUNCATE sm_events;
DELETE FROM sm_row WHERE id = 3;
SELECT tbl, what FROM sm_events WHERE what LIKE 'transition%';
SELECT live FROM sm_row WHERE id = 3;

-- A tree whose parent and children one DELETE names: the cascade from the
-- parent marks the children by a later command, so the DELETE, meeting
-- them after, fails cleanly and changes nothing (a known limit; delete the
-- parent alone).  A cascade reaching a row by two foreign keys fails alike.
CREATE TABLE sm_tree (id int PRIMARY KEY, parent int REFERENCES sm_tree ON DELETE CASCADE);
SELECT audit_softdelete.enable('sm_tree');
INSERT INTO sm_tree VALUES (1, NULL), (2, 1), (3, 2), (4, NULL);
DELETE FROM sm_tree WHERE id IN (1, 2, 3);
\echo SQLSTATE :SQLSTATE
DELETE FROM sm_tree WHERE id = 1;
SELECT id, deleted_at IS NOT NULL AS deleted FROM sm_tree ORDER BY id;
SELECT action, row_pk FROM audit_softdelete.audit_logs
 WHERE table_oid = 'sm_tree'::regclass AND action <> 'INSERT' ORDER BY id;
CREATE TABLE sm_doc (id int PRIMARY KEY);
CREATE TABLE sm_node (id int PRIMARY KEY, doc_id int REFERENCES sm_doc ON DELETE CASCADE,
                      parent_id int REFERENCES sm_node ON DELETE CASCADE);
SELECT audit_softdelete.enable('sm_doc'), audit_softdelete.enable('sm_node');
INSERT INTO sm_doc VALUES (1);
INSERT INTO sm_node VALUES (10, 1, NULL), (11, 1, 10);
DELETE FROM sm_doc WHERE id = 1;
\echo SQLSTATE :SQLSTATE
SELECT id, deleted_at IS NOT NULL AS deleted FROM sm_node ORDER BY id;

-- A BEFORE UPDATE trigger of the user's that updates the row being marked
-- fails the DELETE as PostgreSQL fails such an UPDATE, and changes nothing.
CREATE TABLE sm_selfmod (id int PRIMARY KEY, n int DEFAULT 0);
SELECT audit_softdelete.enable('sm_selfmod');
INSERT INTO sm_selfmod (id) VALUES (1);
CREATE FUNCTION sm_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
        UPDATE sm_selfmod SET n = n + 1 WHERE id = OLD.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER b_bump BEFORE UPDATE ON sm_selfmod FOR EACH ROW EXECUTE FUNCTION sm_bump();
DELETE FROM sm_selfmod WHERE id = 1;
\echo SQLSTATE :SQLSTATE
SELECT id, n, deleted_at IS NOT NULL AS deleted FROM sm_selfmod;
SELECT count(*) AS audit_rows FROM audit_softdelete.audit_logs
 WHERE table_oid = 'sm_selfmod'::regclass AND action <> 'INSERT';

DROP TABLE sm_row, sm_spi, sm_refs, sm_events, sm_tree, sm_selfmod, sm_node, sm_doc;
DROP FUNCTION sm_make(text), sm_note(), sm_count_new(), sm_bump();
