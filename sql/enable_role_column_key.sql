-- A standard column is written by the extension (the stamps, the soft
-- delete's marks): mapped onto a primary key column, every insert would
-- overwrite the row's key with the actor.  enable() refuses it, changing
-- nothing; a column it does not write may be a key column.
\set SHOW_CONTEXT never
CREATE TABLE erk_t (id integer PRIMARY KEY, v text);
\set VERBOSITY default
SELECT audit_softdelete.enable('erk_t', columns => '{"created_by": "id"}');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables WHERE relid = 'erk_t'::regclass;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'erk_t'::regclass AND NOT tgisinternal;
SELECT count(*) AS columns FROM pg_attribute WHERE attrelid = 'erk_t'::regclass AND attnum > 0;
-- a column of a key of two, for the soft delete's marks
CREATE TABLE erk_two (tenant text, id integer, v text, PRIMARY KEY (tenant, id));
SELECT audit_softdelete.enable('erk_two', columns => '{"deleted_by": "tenant"}');
\echo SQLSTATE :SQLSTATE
-- without stamps, created_by is not written: allowed
SELECT audit_softdelete.enable('erk_t', stamps => false, columns => '{"created_by": "id"}');
BEGIN;
SELECT audit_softdelete.set_actor('7');
INSERT INTO erk_t (id, v) VALUES (1, 'a'), (2, 'b');
COMMIT;
SELECT id, v FROM erk_t ORDER BY id;
-- and stamps on again, with the key mapped: refused
SELECT audit_softdelete.enable('erk_t', columns => '{"created_by": "id"}');
\echo SQLSTATE :SQLSTATE
SELECT stamps FROM audit_softdelete.tracked_tables WHERE relid = 'erk_t'::regclass;
DROP TABLE erk_t, erk_two;
