-- The status view read by a role that may SELECT a tracked table but not
-- use its schema: that table's rows are not counted (NULL, as without
-- SELECT), and the view still answers for every table.
SET client_min_messages = warning;
CREATE ROLE ssu_owner;
CREATE ROLE ssu_reader;
CREATE SCHEMA ssu_hidden AUTHORIZATION ssu_owner;
SET ROLE ssu_owner;
CREATE TABLE ssu_hidden.t (id int PRIMARY KEY);
SELECT audit_softdelete.enable('ssu_hidden.t');
INSERT INTO ssu_hidden.t VALUES (1), (2);
GRANT SELECT ON ssu_hidden.t TO ssu_reader;   -- but no USAGE on the schema
RESET ROLE;
CREATE TABLE ssu_open (id int PRIMARY KEY);
SELECT audit_softdelete.enable('ssu_open');
INSERT INTO ssu_open VALUES (1);
GRANT SELECT ON ssu_open TO ssu_reader;

SET ROLE ssu_reader;
SELECT table_name, live_rows, deleted_rows, rows_estimated, problems
  FROM audit_softdelete.status
 WHERE table_name::text IN ('ssu_hidden.t', 'ssu_open') ORDER BY table_name::text;
RESET ROLE;

-- with USAGE, counted
GRANT USAGE ON SCHEMA ssu_hidden TO ssu_reader;
SET ROLE ssu_reader;
SELECT table_name, live_rows, deleted_rows, rows_estimated
  FROM audit_softdelete.status
 WHERE table_name::text IN ('ssu_hidden.t', 'ssu_open') ORDER BY table_name::text;
RESET ROLE;

DROP TABLE ssu_open;
DROP SCHEMA ssu_hidden CASCADE;
DROP ROLE ssu_owner;
DROP ROLE ssu_reader;
