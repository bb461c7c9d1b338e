-- migration_checksum() hashes the script's UTF-8 bytes, whatever the
-- database's encoding: a file has one checksum in every database.  A
-- UTF-8 byte order mark at its start is dropped in every encoding; in an
-- SQL_ASCII database, which holds bytes of no known encoding, the bytes
-- are hashed as they are.  The databases are created here, from
-- template0, with the C locale that every encoding accepts.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS asd_checksum_latin1;
DROP DATABASE IF EXISTS asd_checksum_sql_ascii;
RESET client_min_messages;
CREATE DATABASE asd_checksum_latin1 ENCODING 'LATIN1' TEMPLATE template0
    LC_COLLATE 'C' LC_CTYPE 'C';
CREATE DATABASE asd_checksum_sql_ascii ENCODING 'SQL_ASCII' TEMPLATE template0
    LC_COLLATE 'C' LC_CTYPE 'C';
SELECT current_database() AS regress_db \gset

-- In this (UTF8) database: the checksums of a script with accents, and
-- of a script with a byte order mark (the same as without it).
SELECT audit_softdelete.migration_checksum(E'-- café\nCOMMENT ON TABLE t IS \'naïve\';\n')
       AS accented \gset
SELECT audit_softdelete.migration_checksum(E'SELECT 1;\n') AS plain \gset
SELECT :'accented' = 'v1:sha256:' || encode(sha256(convert_to(E'-- café\nCOMMENT ON TABLE t IS \'naïve\';\n', 'UTF8')), 'hex')
       AS sha256_of_utf8;
SELECT audit_softdelete.migration_checksum(E'\uFEFFSELECT 1;\n') = :'plain' AS bom_dropped;

-- In a LATIN1 database the same script has the same checksum.  (psql
-- sends this file as UTF-8; the server converts it to LATIN1.)
\c asd_checksum_latin1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE EXTENSION audit_softdelete;
RESET client_min_messages;
SELECT audit_softdelete.migration_checksum(E'-- café\nCOMMENT ON TABLE t IS \'naïve\';\n')
       = :'accented' AS same_as_utf8;
SELECT audit_softdelete.migration_checksum(E'SELECT 1;\n') = :'plain' AS same_as_utf8;

-- In an SQL_ASCII database: the bytes as they are, a BOM dropped.  psql
-- sends this file's UTF-8 bytes, which SQL_ASCII keeps.
\c asd_checksum_sql_ascii
SET client_min_messages = warning;
CREATE EXTENSION audit_softdelete;
RESET client_min_messages;
SELECT audit_softdelete.migration_checksum(E'-- café\nCOMMENT ON TABLE t IS \'naïve\';\n')
       = :'accented' AS same_as_utf8;
SELECT audit_softdelete.migration_checksum(convert_from('\xefbbbf53454c45435420313b0a'::bytea, 'SQL_ASCII'))
       = :'plain' AS bom_dropped;
-- bytes that are no UTF-8 are hashed too, not refused
SELECT audit_softdelete.migration_checksum(convert_from('\x2d2d20e90a'::bytea, 'SQL_ASCII'))
       = 'v1:sha256:' || encode(sha256('\x2d2d20e90a'::bytea), 'hex') AS raw_bytes;

\c :regress_db
DROP DATABASE asd_checksum_latin1;
DROP DATABASE asd_checksum_sql_ascii;
