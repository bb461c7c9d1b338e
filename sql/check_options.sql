-- The options enable() takes and tracked_tables stores have one owner, in C
-- (src/tracked.c): enable() asks _check_options() before it changes
-- anything, and _save_table_options() checks what it is given to store
-- with the same rules and messages.  The hints on how to call enable()
-- (the columns mapping, the soft_delete modes) come only with enable()'s
-- own arguments; the list of known keys comes with both.
\set VERBOSITY default
\set SHOW_CONTEXT never

-- the columns option completed: every role, its own name by default
SELECT audit_softdelete._check_options('trigger', '{"created_by": "author_id"}');
SELECT audit_softdelete._check_options('off', '{}');
SELECT audit_softdelete._check_options(NULL, '{}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_options('trigger', NULL);
\echo SQLSTATE :SQLSTATE

-- the same rules for what _save_table_options() would store, which must
-- map every role already
CREATE TABLE co_t (id int PRIMARY KEY);
SELECT audit_softdelete._check_options('trigger', '{"creator": "who"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('co_t', true, true,
    '{"created_at": "a", "created_by": "b", "updated_at": "c", "updated_by": "d", "deleted_at": "e", "deleted_by": "f", "creator": "g"}',
    true, '{}', '{}', 'trigger', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_options('trigger', '{"created_by": "who", "updated_by": "who"}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('co_t', true, true,
    '{"created_at": "a", "created_by": "who", "updated_at": "c", "updated_by": "who", "deleted_at": "e", "deleted_by": "f"}',
    true, '{}', '{}', 'trigger', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_options('trigger', '{"deleted_by": null}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._save_table_options('co_t', true, true,
    '{"created_at": "a", "created_by": "b", "updated_at": "c", "updated_by": "d", "deleted_at": "e", "deleted_by": null}',
    true, '{}', '{}', 'trigger', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_options('sometimes', '{}');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete._check_options('view', '"created_at"');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables;
DROP TABLE co_t;
