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
-- A primary key added after enable() over a column the extension writes
-- is refused the same way (the ALTER TABLE fails, the table keeps no key)
CREATE TABLE erk_late (id integer NOT NULL, v text);
SELECT audit_softdelete.enable('erk_late', soft_delete => 'trigger');
\set VERBOSITY default
ALTER TABLE erk_late ADD PRIMARY KEY (id, created_at);
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
ALTER TABLE erk_late ADD CONSTRAINT erk_late_key PRIMARY KEY (deleted_at, id);
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS keys FROM pg_index WHERE indrelid = 'erk_late'::regclass AND indisprimary;
-- a key of columns it does not write is fine; so is a stamp column's name
-- on a table without stamps
ALTER TABLE erk_late ADD PRIMARY KEY (id);
CREATE TABLE erk_plain (id integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
SELECT audit_softdelete.enable('erk_plain', stamps => false);
ALTER TABLE erk_plain ADD PRIMARY KEY (id, created_at);
SELECT count(*) AS keys FROM pg_index
 WHERE indrelid IN ('erk_late'::regclass, 'erk_plain'::regclass) AND indisprimary;
SELECT audit_softdelete.disable('erk_late');
SELECT audit_softdelete.disable('erk_plain');
DROP TABLE erk_t, erk_two, erk_late, erk_plain;
