-- The standard columns' roles and the types that can hold them are decided
-- in C (src/roles.c): enable() asks _role_names() and _check_role_column(),
-- the same rule relinfo.c applies to a column retyped after enable().
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT audit_softdelete._role_names();

CREATE DOMAIN rc_who AS text CHECK (VALUE <> '');
CREATE TABLE rc_t (id int PRIMARY KEY, made timestamp, who rc_who, gone timestamptz,
                   n int, flag boolean, g text GENERATED ALWAYS AS ('x') STORED);
-- true: a column that can hold the role (domains count as their base type)
SELECT audit_softdelete._check_role_column('rc_t', 'created_at', 'made') AS created_at,
       audit_softdelete._check_role_column('rc_t', 'created_by', 'who') AS created_by,
       audit_softdelete._check_role_column('rc_t', 'updated_by', 'n') AS updated_by,
       audit_softdelete._check_role_column('rc_t', 'deleted_at', 'gone') AS deleted_at;
-- false: no such column, enable() adds it
SELECT audit_softdelete._check_role_column('rc_t', 'deleted_by', 'deleted_by') AS deleted_by;
-- errors: a column that cannot hold it, as enable() reports them
SELECT audit_softdelete._check_role_column('rc_t', 'deleted_at', 'made');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_role_column('rc_t', 'updated_at', 'n');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_role_column('rc_t', 'deleted_by', 'flag');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_role_column('rc_t', 'created_by', 'g');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_role_column('rc_t', 'created_by', 'ctid');
\echo SQLSTATE :SQLSTATE
-- misuse
SELECT audit_softdelete._check_role_column('rc_t', 'creator', 'who');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_role_column('rc_t', NULL, 'who');
\echo SQLSTATE :SQLSTATE

DROP TABLE rc_t;
DROP DOMAIN rc_who;
