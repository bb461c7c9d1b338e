-- test/bench/ref_defaults.sql: for variants 4 and 5, once bench_items
-- exists.  Columns of ref_audit_logs that the extension's C writer fills
-- itself get defaults with the values it writes: the table's identity
-- (table_id, table_oid, schema_name, table_name), read back from an audit
-- row the extension writes for bench_items in a rolled-back
-- subtransaction, and the session columns, as its insert computes them.
-- The writers (the *_app.sql statements, variant_plpgsql.sql) name the rest.
DO $$
DECLARE
    probe jsonb;
    col text;
BEGIN
    BEGIN
        PERFORM audit_softdelete.enable('bench_items');
        INSERT INTO bench_items (id, name) VALUES (-1, 'probe');
        SELECT to_jsonb(a) INTO probe FROM audit_softdelete.audit_logs a
         WHERE txid = pg_current_xact_id() AND action = 'INSERT';
        RAISE EXCEPTION 'roll back';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    IF probe IS NULL THEN
        RAISE EXCEPTION 'no audit row for the probe insert';
    END IF;
    FOR col IN SELECT attname FROM pg_attribute
                WHERE attrelid = 'ref_audit_logs'::regclass AND attnum > 0 AND NOT attisdropped
                  AND attname IN ('table_id', 'table_oid', 'schema_name', 'table_name') LOOP
        EXECUTE format('ALTER TABLE ref_audit_logs ALTER %I SET DEFAULT %L::%s', col, probe ->> col,
                       (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                         WHERE attrelid = 'ref_audit_logs'::regclass AND attname = col));
    END LOOP;
END $$;
ALTER TABLE ref_audit_logs
    ALTER db_user SET DEFAULT SESSION_USER,
    ALTER client_addr SET DEFAULT inet_client_addr(),
    ALTER application_name SET DEFAULT current_setting('application_name');
