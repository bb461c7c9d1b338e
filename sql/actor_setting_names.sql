-- audit_softdelete.actor_setting refuses a name that cannot be a setting:
-- not words joined by dots, or a name without a dot (custom settings have
-- one) that is no built-in setting.  A custom name is accepted whether it
-- is set yet or not, so a misspelt one cannot be told from one this
-- session has not set yet: current_actor() shows what a write would get.
\set VERBOSITY default
LOAD 'audit_softdelete';
SET audit_softdelete.actor_setting = 'request.jwt.claims';

SET audit_softdelete.actor_setting = 'request jwt claims';
\echo SQLSTATE :SQLSTATE
SET audit_softdelete.actor_setting = 'claims';
\echo SQLSTATE :SQLSTATE
SET audit_softdelete.actor_setting = 'request..claims';
SET audit_softdelete.actor_setting = 'request.';
SET audit_softdelete.actor_setting = '.claims';
SET audit_softdelete.actor_setting = 'request.1claims';
SET audit_softdelete.actor_setting = 'request.jwt-claims';
SELECT set_config('audit_softdelete.actor_setting', 'jwt_claims', false);
-- each refusal left the setting as it was
SHOW audit_softdelete.actor_setting;

-- A misspelt custom name is taken: it may be set later in the session.
SET audit_softdelete.actor_setting = 'request.jwt.claim';
SELECT audit_softdelete.current_actor() = session_user AS falls_back_to_session_user;
SET request.jwt.claim = '{"sub": "carol"}';
SELECT audit_softdelete.current_actor();
-- digits, underscores and dollar signs after the first character, any case
SET audit_softdelete.actor_setting = 'Request.JWT_claims$2';
SHOW audit_softdelete.actor_setting;
-- a built-in setting, named in any case
SET audit_softdelete.actor_setting = 'APPLICATION_NAME';
SET application_name = 'app-user';
SELECT audit_softdelete.current_actor();
RESET application_name;
-- empty: no actor setting
SET audit_softdelete.actor_setting = '';
SELECT audit_softdelete.current_actor() = session_user AS session_user_again;

-- A value set before the library was loaded is checked when it loads: a
-- bad one is dropped with a warning.
\c
SET audit_softdelete.actor_setting = 'claims';
LOAD 'audit_softdelete';
SHOW audit_softdelete.actor_setting;
