-- View mode renames a table <name>_all and gives its name to a view:
-- names with quotes, spaces, upper case and multibyte characters go
-- through, and a name too long to take "_all" (PostgreSQL would cut it
-- short, to another name or to the table's own) is refused, changing
-- nothing.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';
CREATE SCHEMA "Svn ""q"" é";

-- 63 bytes: "<name>_all" would be cut back to the name itself
CREATE TABLE "Svn ""q"" é".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123 (id int PRIMARY KEY);
\set VERBOSITY default
SELECT audit_softdelete.enable('"Svn ""q"" é".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123',
                               soft_delete => 'view');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
-- 62 bytes of two-byte characters: cut to "<name>_"
CREATE TABLE "Svn ""q"" é"."ééééééééééééééééééééééééééééééé" (id int PRIMARY KEY);
SELECT audit_softdelete.enable('"Svn ""q"" é"."ééééééééééééééééééééééééééééééé"', soft_delete => 'view');
\echo SQLSTATE :SQLSTATE
-- nothing changed
SELECT c.relname, c.relkind, octet_length(c.relname) AS bytes,
       (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns
  FROM pg_class c WHERE c.relnamespace = '"Svn ""q"" é"'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY 1;
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables
 WHERE relid::oid IN (SELECT oid FROM pg_class WHERE relnamespace = '"Svn ""q"" é"'::regnamespace);

-- 59 bytes: "<name>_all" just fits
CREATE TABLE "Svn ""q"" é".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi (id int PRIMARY KEY);
SELECT audit_softdelete.enable('"Svn ""q"" é".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi',
                               soft_delete => 'view');
-- quotes, spaces, upper case in the table's, the key's and a role's names
CREATE ROLE "Svn ""R"" ø";
CREATE TABLE "Svn ""q"" é"."Mixed ""Case"" T" (id int, "K ""ey""" text, v text, PRIMARY KEY (id, "K ""ey"""));
GRANT USAGE ON SCHEMA "Svn ""q"" é" TO "Svn ""R"" ø";
GRANT SELECT, INSERT, UPDATE, DELETE ON "Svn ""q"" é"."Mixed ""Case"" T" TO "Svn ""R"" ø";
SELECT audit_softdelete.enable('"Svn ""q"" é"."Mixed ""Case"" T"', soft_delete => 'view');
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = '"Svn ""q"" é"'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1;
SET ROLE "Svn ""R"" ø";
INSERT INTO "Svn ""q"" é"."Mixed ""Case"" T" VALUES (1, 'a"b', 'x'), (2, 'c', 'y');
DELETE FROM "Svn ""q"" é"."Mixed ""Case"" T" WHERE id = 1;
SELECT id, "K ""ey""" FROM "Svn ""q"" é"."Mixed ""Case"" T" ORDER BY id;
SELECT audit_softdelete.restore('"Svn ""q"" é"."Mixed ""Case"" T"', '{"id": 1, "K \"ey\"": "a\"b"}');
SELECT id, "K ""ey""" FROM "Svn ""q"" é"."Mixed ""Case"" T" ORDER BY id;
RESET ROLE;
SELECT action, schema_name, table_name, row_pk, db_user = session_user AS by_session_user
  FROM audit_softdelete.audit_logs
 WHERE schema_name = 'Svn "q" é' AND action IN ('INSERT', 'SOFT_DELETE', 'RESTORE') ORDER BY id;
-- disable() gives the names back
SELECT audit_softdelete.disable('"Svn ""q"" é"."Mixed ""Case"" T"');
SELECT audit_softdelete.disable('"Svn ""q"" é".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi');
SELECT audit_softdelete.enable('"Svn ""q"" é"."Mixed ""Case"" T"', soft_delete => 'trigger');
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = '"Svn ""q"" é"'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1;

DROP SCHEMA "Svn ""q"" é" CASCADE;
DROP ROLE "Svn ""R"" ø";
RESET audit_softdelete.actor;
