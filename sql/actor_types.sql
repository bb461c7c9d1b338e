-- The actor is converted to the stamp column's type with that type's input
-- function; a value that does not convert is an error, never a NULL.

CREATE TABLE actor_uuid (id int, created_by uuid, updated_by uuid);
SELECT audit_softdelete.enable('actor_uuid');
BEGIN;
SELECT audit_softdelete.set_actor('5d0d6c2a-7a53-4b9a-9b8e-1f2a3b4c5d6e');
INSERT INTO actor_uuid (id) VALUES (1);
COMMIT;
SELECT id, created_by, updated_by FROM actor_uuid;
-- not a uuid: the error names the actor, the type, the column and the table
BEGIN;
SELECT audit_softdelete.set_actor('alice');
INSERT INTO actor_uuid (id) VALUES (2);
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- session_user is no uuid either
CREATE ROLE actor_types_session;
GRANT INSERT ON actor_uuid TO actor_types_session;
SET SESSION AUTHORIZATION actor_types_session;
INSERT INTO actor_uuid (id) VALUES (3);
\echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
REVOKE ALL ON actor_uuid FROM actor_types_session;
DROP ROLE actor_types_session;
SELECT count(*) AS rows_kept FROM actor_uuid;

CREATE TABLE actor_int (id int, created_by integer, updated_by bigint);
SELECT audit_softdelete.enable('actor_int');
BEGIN;
SELECT audit_softdelete.set_actor('42');
INSERT INTO actor_int (id) VALUES (1);
SELECT audit_softdelete.set_actor('9000000000');
UPDATE actor_int SET id = 2;
COMMIT;
SELECT id, created_by, updated_by, pg_typeof(created_by), pg_typeof(updated_by) FROM actor_int;
-- too big for integer
BEGIN;
SELECT audit_softdelete.set_actor('9000000000');
INSERT INTO actor_int (id) VALUES (3);
\echo SQLSTATE :SQLSTATE
ROLLBACK;

-- varchar(n) refuses an actor that is too long
CREATE TABLE actor_varchar (id int, created_by varchar(5), updated_by varchar(5));
SELECT audit_softdelete.enable('actor_varchar');
BEGIN;
SELECT audit_softdelete.set_actor('bob');
INSERT INTO actor_varchar (id) VALUES (1);
SELECT audit_softdelete.set_actor('bartholomew');
INSERT INTO actor_varchar (id) VALUES (2);
\echo SQLSTATE :SQLSTATE
ROLLBACK;

-- A domain's constraint applies to the actor.
CREATE DOMAIN actor_email AS text CHECK (VALUE LIKE '%@%');
CREATE TABLE actor_domain (id int, created_by actor_email, updated_by actor_email);
SELECT audit_softdelete.enable('actor_domain');
BEGIN;
SELECT audit_softdelete.set_actor('ann@example.com');
INSERT INTO actor_domain (id) VALUES (1);
SELECT created_by, pg_typeof(created_by) FROM actor_domain;
SELECT audit_softdelete.set_actor('ann');
INSERT INTO actor_domain (id) VALUES (2);
\echo SQLSTATE :SQLSTATE
ROLLBACK;

DROP TABLE actor_uuid, actor_int, actor_varchar, actor_domain;
DROP DOMAIN actor_email;
