-- View mode: what DELETE through the live view reports.  It counts a row
-- when that row was deleted, softly or (hard_delete) physically, and only
-- then; RETURNING shows the row as it was before the delete.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE vx_users (id int PRIMARY KEY, name text, locked boolean NOT NULL DEFAULT false);
CREATE TABLE vx_sessions (id int PRIMARY KEY, user_id int);
CREATE TABLE vx_posts (id int PRIMARY KEY,
                       user_id int REFERENCES vx_users ON DELETE CASCADE);
SELECT audit_softdelete.enable('vx_sessions');
SELECT audit_softdelete.enable('vx_posts');
SELECT audit_softdelete.enable('vx_users', soft_delete => 'view');
INSERT INTO vx_users (id, name) VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cid'), (4, 'Dee');
UPDATE vx_users SET locked = true WHERE id = 3;
INSERT INTO vx_sessions VALUES (30, 3), (40, 4);
INSERT INTO vx_posts VALUES (10, 1), (11, 1), (20, 2);

-- RETURNING shows the row as the DELETE found it, deleted_at still NULL,
-- as a DELETE's RETURNING always does: PostgreSQL lets the view's INSTEAD
-- OF DELETE trigger say whether the row counts, not change what RETURNING
-- shows.  The marked row is in vx_users_all.
SET audit_softdelete.actor = 'alice';
DELETE FROM vx_users WHERE id = 1 RETURNING id, name, deleted_at IS NULL AS deleted_at_null, deleted_by;
SELECT id, deleted_at IS NOT NULL AS deleted, deleted_by FROM vx_users_all WHERE id = 1;
-- the cascade's rows are not counted: one row was deleted through the view
SELECT id, deleted_at IS NOT NULL AS deleted FROM vx_posts ORDER BY id;

-- A join meeting the same row twice deletes it once, and counts it once.
CREATE TEMP TABLE vx_pick (id int);
INSERT INTO vx_pick VALUES (2), (2);
DELETE FROM vx_users u USING vx_pick p WHERE u.id = p.id RETURNING u.id;

-- A trigger of yours on the table that keeps a row (returns NULL) while it
-- soft-deletes rows elsewhere: the DELETE through the view counts only the
-- row it was about, which stays.
CREATE FUNCTION vx_keep_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.locked THEN
        DELETE FROM public.vx_sessions WHERE user_id = OLD.id;
        RETURN NULL;
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER a_keep_locked BEFORE DELETE ON vx_users_all
    FOR EACH ROW EXECUTE FUNCTION vx_keep_locked();
DELETE FROM vx_users WHERE id = 3 RETURNING id;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vx_users_all WHERE id = 3;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vx_sessions WHERE user_id = 3;
-- an unlocked row goes, and is counted once
DELETE FROM vx_users WHERE id IN (3, 4) RETURNING id;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vx_users_all ORDER BY id;
DROP TRIGGER a_keep_locked ON vx_users_all;

-- A DELETE through another live view, run by a trigger of yours while the
-- first one is being answered, gets its own answer.
CREATE TABLE vx_tags (id int PRIMARY KEY, user_id int);
SELECT audit_softdelete.enable('vx_tags', soft_delete => 'view');
INSERT INTO vx_users (id, name) VALUES (5, 'Eve');
INSERT INTO vx_tags VALUES (50, 5), (51, 5);
CREATE FUNCTION vx_drop_tags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM public.vx_tags WHERE user_id = OLD.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'tags deleted through their view: %', n;
    RETURN OLD;
END
$$;
CREATE TRIGGER a_drop_tags BEFORE DELETE ON vx_users_all
    FOR EACH ROW EXECUTE FUNCTION vx_drop_tags();
DELETE FROM vx_users WHERE id = 5 RETURNING id;
SELECT id, deleted_at IS NOT NULL AS deleted FROM vx_tags_all ORDER BY id;
DROP TRIGGER a_drop_tags ON vx_users_all;

-- With hard_delete on, the row really goes, and is counted.
INSERT INTO vx_users (id, name) VALUES (6, 'Fay');
SET audit_softdelete.hard_delete = on;
DELETE FROM vx_users WHERE id = 6 RETURNING id, name;
RESET audit_softdelete.hard_delete;
SELECT count(*) AS rows_6 FROM vx_users_all WHERE id = 6;

-- A partitioned table in view mode counts the same way.
CREATE TABLE vx_events (id int, day int, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
CREATE TABLE vx_events_1 PARTITION OF vx_events FOR VALUES IN (1);
CREATE TABLE vx_events_2 PARTITION OF vx_events FOR VALUES IN (2);
SELECT audit_softdelete.enable('vx_events', soft_delete => 'view');
INSERT INTO vx_events VALUES (1, 1), (2, 2), (3, 2);
DELETE FROM vx_events WHERE day = 2 RETURNING id, day;
DELETE FROM vx_events WHERE day = 2 RETURNING id, day;
SELECT id, day, deleted_at IS NOT NULL AS deleted FROM vx_events_all ORDER BY id;

SELECT audit_softdelete.disable('vx_users');
SELECT audit_softdelete.disable('vx_tags');
SELECT audit_softdelete.disable('vx_events');
DROP TABLE vx_posts, vx_sessions, vx_users, vx_tags, vx_events;
DROP FUNCTION vx_keep_locked(), vx_drop_tags();
RESET audit_softdelete.actor;
