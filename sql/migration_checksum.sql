-- migration_checksum(): the SHA-256 of a migration script, normalised so
-- that edits the server cannot see (line ends, trailing whitespace,
-- trailing blank lines, a byte order mark) keep the checksum, tagged
-- v1:sha256:<hex>.

-- The hash is SHA-256 itself: the same as PostgreSQL's sha256() of the
-- normalised bytes (printf 'a\n' | sha256sum gives 87428fc5...).
SELECT audit_softdelete.migration_checksum(E'a\n');
SELECT audit_softdelete.migration_checksum(s)
       = 'v1:sha256:' || encode(sha256(convert_to(n, 'UTF8')), 'hex') AS same_as_sha256
  FROM (VALUES (E'CREATE TABLE t (id int);\n', E'CREATE TABLE t (id int);\n'),
               ('', ''),
               (E'line 1\nline 2', E'line 1\nline 2\n'),
               (E'x\n\n\ny\n', E'x\n\n\ny\n'),
               (E'\n\nleading blank lines stay\n', E'\n\nleading blank lines stay\n'),
               (E'   indentation stays\n', E'   indentation stays\n'),
               (E'unicode: é ü 日本\n', E'unicode: é ü 日本\n')) AS v(s, n);

-- What does not count: each of these has the checksum of 'a;\nb;\n'.
SELECT edit,
       audit_softdelete.migration_checksum(script)
       = audit_softdelete.migration_checksum(E'a;\nb;\n') AS same_checksum
  FROM (VALUES ('no final line end',        E'a;\nb;'),
               ('CRLF line ends',           E'a;\r\nb;\r\n'),
               ('CR line ends',             E'a;\rb;\r'),
               ('mixed line ends',          E'a;\r\nb;\n'),
               ('trailing spaces and tabs', E'a;  \t\nb; \n'),
               ('trailing blank lines',     E'a;\nb;\n\n\n  \n\t\n'),
               ('byte order mark',          E'\uFEFFa;\nb;\n'),
               ('all of them',              E'\uFEFFa; \r\nb;\t\r\n\r\n')) AS v(edit, script)
 ORDER BY edit;

-- What counts: each of these changes the checksum.
SELECT edit,
       audit_softdelete.migration_checksum(script)
       = audit_softdelete.migration_checksum(E'a;\nb;\n') AS same_checksum
  FROM (VALUES ('a changed statement',  E'a;\nc;\n'),
               ('leading spaces',       E'  a;\nb;\n'),
               ('an inner blank line',  E'a;\n\nb;\n'),
               ('spaces inside a line', E'a ;\nb;\n'),
               ('a leading blank line', E'\na;\nb;\n'),
               ('a BOM not at the start', E'a;\n\uFEFFb;\n')) AS v(edit, script)
 ORDER BY edit;

-- NULL in, NULL out; immutable, strict and parallel safe.
SELECT audit_softdelete.migration_checksum(NULL) IS NULL AS null_checksum;
SELECT provolatile, proisstrict, proparallel
  FROM pg_proc WHERE oid = 'audit_softdelete.migration_checksum(text)'::regprocedure;

-- Any role may compute a checksum: it reads nothing.
CREATE ROLE checksum_user;
SET ROLE checksum_user;
SELECT length(audit_softdelete.migration_checksum('SELECT 1;')) AS tag_length;
RESET ROLE;
DROP ROLE checksum_user;
