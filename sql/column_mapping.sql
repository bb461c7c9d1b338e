-- The columns option maps the standard names to the table's own.

-- An existing integer column as created_by, new names for the others.
CREATE TABLE map_posts (id int PRIMARY KEY, author_id integer, body text);
SELECT audit_softdelete.enable('map_posts', columns => '{
    "created_by": "author_id",
    "created_at": "inserted_at",
    "updated_at": "modified_at",
    "updated_by": "modified_by"
}');
\d map_posts
SELECT columns FROM audit_softdelete.tracked_tables WHERE relid = 'map_posts'::regclass;

BEGIN;
SELECT audit_softdelete.set_actor('7');
INSERT INTO map_posts (id, body) VALUES (1, 'hello');
COMMIT;
BEGIN;
SELECT audit_softdelete.set_actor('8');
UPDATE map_posts SET body = 'hello, edited', author_id = 99;
COMMIT;
SELECT id, body, author_id, modified_by, inserted_at < modified_at AS modified_later
  FROM map_posts;

-- Remapping one role leaves the others at their standard names.
CREATE TABLE map_partial (id int, who_made text);
SELECT audit_softdelete.enable('map_partial', columns => '{"created_by": "who_made"}');
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'map_partial'::regclass AND attnum > 0;
BEGIN;
SELECT audit_softdelete.set_actor('ann');
INSERT INTO map_partial (id) VALUES (1);
COMMIT;
SELECT id, who_made, updated_by FROM map_partial;

-- Reconfiguring with another mapping moves the stamps to the new columns;
-- the old ones stay as they are.
SELECT audit_softdelete.enable('map_partial', columns => '{"created_by": "creator"}');
BEGIN;
SELECT audit_softdelete.set_actor('ben');
INSERT INTO map_partial (id) VALUES (2);
COMMIT;
SELECT id, who_made, creator FROM map_partial ORDER BY id;

-- A mapped column renamed follows: the mapping takes the new name.
ALTER TABLE map_partial RENAME COLUMN creator TO made_by;
SELECT columns ->> 'created_by' AS created_by_column
  FROM audit_softdelete.tracked_tables WHERE relid = 'map_partial'::regclass;
BEGIN;
SELECT audit_softdelete.set_actor('cy');
INSERT INTO map_partial (id) VALUES (3);
COMMIT;
SELECT id, made_by FROM map_partial WHERE id = 3;

-- A mapped column dropped or retyped behind enable()'s back is reported at
-- the next write, naming what to do.
ALTER TABLE map_partial DROP COLUMN made_by;
INSERT INTO map_partial (id) VALUES (4);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.enable('map_partial', columns => '{"created_by": "who_made"}');
ALTER TABLE map_partial ALTER COLUMN updated_at TYPE date;
INSERT INTO map_partial (id) VALUES (4);
\echo SQLSTATE :SQLSTATE
SELECT id FROM map_partial ORDER BY id;

DROP TABLE map_posts, map_partial;
