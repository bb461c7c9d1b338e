-- test/bench/ref_audit_logs.sql: the audit table of variants 4 and 5, made
-- in their base database after prefill.sql.  It is audit_logs' own shape
-- (columns, defaults, constraints, indexes, storage, options), taken from
-- the installed extension so that it never drifts from what variant 2
-- writes into, except that the row-key hash is a plain column the writer
-- fills (LIKE without GENERATED copies a generated column as a plain one).
-- It takes over the prefilled history, so that every variant writes into a
-- log of the same size.
CREATE TABLE ref_audit_logs
    (LIKE audit_softdelete.audit_logs INCLUDING ALL EXCLUDING GENERATED);

DO $$
DECLARE
    opts text[] := (SELECT reloptions FROM pg_class
                     WHERE oid = 'audit_softdelete.audit_logs'::regclass);
    idx regclass;
BEGIN
    IF opts IS NOT NULL THEN
        EXECUTE format('ALTER TABLE ref_audit_logs SET (%s)', array_to_string(opts, ', '));
    END IF;
    -- as the extension's install script does with its own BRIN index
    FOR idx IN SELECT i.indexrelid::regclass FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'ref_audit_logs'::regclass
                  AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'brin') LOOP
        PERFORM brin_desummarize_range(idx, 0);
    END LOOP;
END $$;

INSERT INTO ref_audit_logs SELECT * FROM audit_softdelete.audit_logs ORDER BY id;
TRUNCATE audit_softdelete.audit_logs;
VACUUM ANALYZE;
