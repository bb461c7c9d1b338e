-- A restore of tables referencing soft-delete tables: pg_dump writes the
-- check audit_softdelete_live_parent as a CREATE TRIGGER before the foreign
-- key, and the extension creates it itself when the key is added.
\set VERBOSITY terse

CREATE TABLE lpr_parent (id int PRIMARY KEY);
SELECT audit_softdelete.enable('lpr_parent');
CREATE TABLE lpr_child (id int PRIMARY KEY, parent_id int REFERENCES lpr_parent);
CREATE TABLE lpr_events (id int, day int, parent_id int REFERENCES lpr_parent,
                         PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE lpr_events_1 PARTITION OF lpr_events FOR VALUES IN (1);

-- pg_restore -j may add the key first: the restore's CREATE TRIGGER then
-- replaces the check the key gave the table (it failed on the name)
CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON public.lpr_child
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON public.lpr_events
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
SELECT tgrelid::regclass AS tbl, count(*) FROM pg_trigger
 WHERE tgname = 'audit_softdelete_live_parent' GROUP BY 1 ORDER BY 1;
INSERT INTO lpr_parent VALUES (1);
DELETE FROM lpr_parent;
INSERT INTO lpr_child VALUES (1, 1);
INSERT INTO lpr_events VALUES (1, 1, 1);

-- a trigger of that name of another function is not replaced
CREATE TABLE lpr_own (id int PRIMARY KEY);
CREATE FUNCTION lpr_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT ON lpr_own
    FOR EACH ROW EXECUTE FUNCTION lpr_noop();
CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON lpr_own
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
SELECT tgfoid::regproc FROM pg_trigger WHERE tgrelid = 'lpr_own'::regclass;

-- a schema-only dump: the check is created, then the key is added while
-- tracked_tables has no rows yet (they come after, in the data): adding
-- the key keeps the check (it was dropped)
CREATE TABLE lpr_plain (id int PRIMARY KEY);
CREATE TABLE lpr_later (id int PRIMARY KEY, plain_id int);
CREATE TRIGGER audit_softdelete_live_parent AFTER INSERT OR UPDATE ON public.lpr_later
    FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
ALTER TABLE ONLY public.lpr_later
    ADD CONSTRAINT lpr_later_plain_id_fkey FOREIGN KEY (plain_id) REFERENCES public.lpr_plain(id);
SELECT count(*) FROM pg_trigger
 WHERE tgrelid = 'lpr_later'::regclass AND tgname = 'audit_softdelete_live_parent';
-- dropping the key takes it
ALTER TABLE lpr_later DROP CONSTRAINT lpr_later_plain_id_fkey;
SELECT count(*) FROM pg_trigger
 WHERE tgrelid = 'lpr_later'::regclass AND tgname = 'audit_softdelete_live_parent';

-- a constraint other than a foreign key (pg_restore -j adds primary keys of
-- partitions in parallel) does not look at the checks: that took locks on
-- the whole partition tree and deadlocked
CREATE TABLE lpr_p (id int, zone int) PARTITION BY LIST (zone);
CREATE TABLE lpr_p_1 PARTITION OF lpr_p FOR VALUES IN (1);
BEGIN;
SET LOCAL track_functions = 'all';
SELECT coalesce(pg_stat_get_xact_function_calls('audit_softdelete._live_parent_triggers_after_ddl(boolean, boolean)'::regprocedure), 0) AS calls0 \gset
ALTER TABLE ONLY lpr_p_1 ADD CONSTRAINT lpr_p_1_pkey PRIMARY KEY (id, zone);
ALTER TABLE lpr_p_1 ADD CONSTRAINT lpr_p_1_check CHECK (id > 0);
SELECT coalesce(pg_stat_get_xact_function_calls('audit_softdelete._live_parent_triggers_after_ddl(boolean, boolean)'::regprocedure), 0) - :calls0 AS calls;
COMMIT;

DROP TABLE lpr_child, lpr_events, lpr_own, lpr_later, lpr_plain, lpr_p;
DROP FUNCTION lpr_noop();
SELECT audit_softdelete.disable('lpr_parent');
DROP TABLE lpr_parent;
