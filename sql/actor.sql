-- Actor resolution: set_actor() / SET LOCAL, then the setting named by
-- actor_setting (its "sub" when it holds a JSON object), then session_user.

-- Set before the library is loaded: the value is kept when it loads.
BEGIN;
SET LOCAL audit_softdelete.actor = 'set-before-load';
SELECT audit_softdelete.current_actor();
COMMIT;

-- Nothing set: session_user.
SELECT audit_softdelete.current_actor() = session_user AS is_session_user;

-- set_actor lasts until the end of the transaction, COMMIT or ROLLBACK.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
SELECT audit_softdelete.current_actor();
SHOW audit_softdelete.actor;
COMMIT;
SELECT audit_softdelete.current_actor() = session_user AS reset_after_commit;
BEGIN;
SELECT audit_softdelete.set_actor('alice');
ROLLBACK;
SELECT audit_softdelete.current_actor() = session_user AS reset_after_rollback;

-- A savepoint rolled back takes its set_actor with it.
BEGIN;
SELECT audit_softdelete.set_actor('alice');
SAVEPOINT s1;
SELECT audit_softdelete.set_actor('bob');
SELECT audit_softdelete.current_actor();
ROLLBACK TO SAVEPOINT s1;
SELECT audit_softdelete.current_actor();
COMMIT;

-- SET LOCAL is the same thing; NULL or '' clears it.
BEGIN;
SET LOCAL audit_softdelete.actor = 'carol';
SELECT audit_softdelete.current_actor();
SELECT audit_softdelete.set_actor(NULL);
SELECT audit_softdelete.current_actor() = session_user AS cleared_by_null;
SELECT audit_softdelete.set_actor('dave');
SELECT audit_softdelete.set_actor('');
SELECT audit_softdelete.current_actor() = session_user AS cleared_by_empty;
COMMIT;

-- Outside a transaction block it would be gone before the next statement:
-- a warning says so.
SELECT audit_softdelete.set_actor('erin');
SELECT audit_softdelete.current_actor() = session_user AS gone;

-- The actor stamps rows.
CREATE TABLE actor_t (id int, note text);
SELECT audit_softdelete.enable('actor_t');
INSERT INTO actor_t (id) VALUES (1);
BEGIN;
SELECT audit_softdelete.set_actor('frank');
INSERT INTO actor_t (id) VALUES (2);
COMMIT;
INSERT INTO actor_t (id) VALUES (3);
SELECT id, CASE WHEN created_by = session_user THEN '(session_user)' ELSE created_by END AS created_by
  FROM actor_t ORDER BY id;

-- actor_setting: a JSON claims setting, as PostgREST and Supabase set it.
SET audit_softdelete.actor_setting = 'request.jwt.claims';
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "user-42", "role": "authenticated"}', true);
SELECT audit_softdelete.current_actor();
INSERT INTO actor_t (id) VALUES (4);
-- set_actor still comes first
SELECT audit_softdelete.set_actor('grace');
SELECT audit_softdelete.current_actor();
COMMIT;
SELECT created_by FROM actor_t WHERE id = 4;
BEGIN;
-- a numeric "sub"
SELECT set_config('request.jwt.claims', '{"sub": 1234}', true);
SELECT audit_softdelete.current_actor();
-- no "sub", or a "sub" that is not a scalar: session_user
SELECT set_config('request.jwt.claims', '{"role": "anon"}', true);
SELECT audit_softdelete.current_actor() = session_user AS no_sub;
SELECT set_config('request.jwt.claims', '{"sub": {"id": 1}}', true);
SELECT audit_softdelete.current_actor() = session_user AS object_sub;
-- a value that is not a JSON object is the actor itself
SELECT set_config('request.jwt.claims', 'plain-value', true);
SELECT audit_softdelete.current_actor();
-- an empty value is not set
SELECT set_config('request.jwt.claims', '', true);
SELECT audit_softdelete.current_actor() = session_user AS empty_value;
COMMIT;
-- malformed JSON is an error that names the setting
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": ', true);
SELECT audit_softdelete.current_actor();
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- a setting that is not set at all
SET audit_softdelete.actor_setting = 'app.no_such_setting';
SELECT audit_softdelete.current_actor() = session_user AS unset_setting;
-- a setting only superusers may read is never an actor, whoever asks
CREATE ROLE actor_nobody;
SET audit_softdelete.actor_setting = 'data_directory';
SELECT audit_softdelete.current_actor();
\echo SQLSTATE :SQLSTATE
SET ROLE actor_nobody;
SELECT audit_softdelete.current_actor();
\echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP ROLE actor_nobody;
RESET audit_softdelete.actor_setting;

DROP TABLE actor_t;
