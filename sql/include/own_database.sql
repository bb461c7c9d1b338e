-- Included (\i) first by the tests that need a database of their own: the
-- migration ledger is never emptied, and the DDL log must see no other
-- test's DDL.  Creates the database named :test_db with the extension and
-- connects to it.  The test ends with "\c :regress_db" and
-- "DROP DATABASE :test_db;".
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
CREATE DATABASE :test_db;
\c :test_db
SET client_min_messages = warning;
CREATE EXTENSION audit_softdelete;
RESET client_min_messages;
