-- Variant 4: the same semantics in PL/pgSQL, as a team would write it by
-- hand: stamps (unchanged rows keep them), soft delete, and a JSONB diff of
-- the changed columns into ref_audit_logs: the same audit rows variant 2
-- writes (run-bench.sh checks it), the row-key hash filled here.
\ir ref_defaults.sql

CREATE FUNCTION ref_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('audit_softdelete.actor', true), ''), session_user::text)
$$;

-- The stamp columns whose value the audit row implies (its actor, and
-- xact_start = now()): the extension leaves them out of new_values and
-- changed_columns (src/implied_stamps.c), and so does this.
CREATE FUNCTION ref_implied(r bench_items) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN r.created_at = now() THEN 'created_at' END,
        CASE WHEN r.created_by = ref_actor() THEN 'created_by' END,
        CASE WHEN r.updated_at = now() THEN 'updated_at' END,
        CASE WHEN r.updated_by = ref_actor() THEN 'updated_by' END], NULL)
$$;

CREATE FUNCTION ref_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now(); NEW.created_by := ref_actor();
        NEW.updated_at := now(); NEW.updated_by := ref_actor();
    ELSE
        NEW.created_at := OLD.created_at; NEW.created_by := OLD.created_by;
        IF (to_jsonb(NEW) - '{created_at,created_by,updated_at,updated_by}'::text[])
           IS DISTINCT FROM (to_jsonb(OLD) - '{created_at,created_by,updated_at,updated_by}'::text[]) THEN
            NEW.updated_at := now(); NEW.updated_by := ref_actor();
        ELSE
            NEW.updated_at := OLD.updated_at; NEW.updated_by := OLD.updated_by;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ref_soft_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.deleted_at IS NULL THEN
        UPDATE bench_items SET deleted_at = now(), deleted_by = ref_actor() WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION ref_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o jsonb; n jsonb; pk jsonb; old_diff jsonb; new_diff jsonb; cols text[]; changed text[];
    implied text[];
    action text := TG_OP;
BEGIN
    IF TG_OP = 'INSERT' THEN
        pk := jsonb_build_object('id', NEW.id);
        INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, new_values, actor)
        VALUES ('INSERT', pk, jsonb_hash_extended(pk, 0), to_jsonb(NEW) - ref_implied(NEW), ref_actor());
    ELSIF TG_OP = 'DELETE' THEN
        pk := jsonb_build_object('id', OLD.id);
        INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, old_values, actor)
        VALUES ('DELETE', pk, jsonb_hash_extended(pk, 0), to_jsonb(OLD), ref_actor());
    ELSE
        o := to_jsonb(OLD); n := to_jsonb(NEW); implied := ref_implied(NEW);
        -- changed_columns in the table's column order, as the extension
        -- lists them (row_to_json keeps it; jsonb sorts its keys)
        SELECT jsonb_object_agg(k, o -> k), jsonb_object_agg(k, n -> k) FILTER (WHERE k <> ALL (implied)),
               array_agg(k ORDER BY i) FILTER (WHERE k <> ALL (implied)), array_agg(k)
          INTO old_diff, new_diff, cols, changed
          FROM json_object_keys(row_to_json(NEW)) WITH ORDINALITY AS c(k, i)
         WHERE o -> k IS DISTINCT FROM n -> k;
        IF changed IS NULL OR changed <@ '{updated_at,updated_by}'::text[] THEN
            RETURN NULL;
        END IF;
        IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
            action := 'SOFT_DELETE'; old_diff := o;
        ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
            action := 'RESTORE';
        END IF;
        pk := jsonb_build_object('id', NEW.id);
        INSERT INTO ref_audit_logs (action, row_pk, row_pk_hash, old_values, new_values, changed_columns, actor)
        VALUES (action, pk, jsonb_hash_extended(pk, 0), old_diff, new_diff, cols, ref_actor());
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ref_stamp BEFORE INSERT OR UPDATE ON bench_items
    FOR EACH ROW EXECUTE FUNCTION ref_stamp();
CREATE TRIGGER ref_soft_delete BEFORE DELETE ON bench_items
    FOR EACH ROW EXECUTE FUNCTION ref_soft_delete();
CREATE TRIGGER ref_audit AFTER INSERT OR UPDATE OR DELETE ON bench_items
    FOR EACH ROW EXECUTE FUNCTION ref_audit();
