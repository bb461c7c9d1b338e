-- View mode renames a table <name>_all: a name too long for that (more
-- than max_identifier_length bytes with "_all", which PostgreSQL would cut
-- short to <name>_al, or to <name> itself) is refused, and changes
-- nothing; one just short enough works.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

-- 59 bytes: <name>_all has 63
CREATE TABLE vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id int PRIMARY KEY);
SELECT audit_softdelete.enable('vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', soft_delete => 'view');
SELECT c.relname, c.relkind, length(c.relname) FROM pg_class c
 WHERE c.relname LIKE 'vn\_%' AND c.relkind IN ('r', 'v') ORDER BY 1;
INSERT INTO vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa VALUES (1);
DELETE FROM vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;
SELECT count(*) AS deleted FROM vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_all WHERE deleted_at IS NOT NULL;

-- 60 bytes (PostgreSQL would make it <name>_al) and 63 bytes (<name>)
CREATE TABLE vn_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb (id int PRIMARY KEY);
SELECT audit_softdelete.enable('vn_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', soft_delete => 'view');
CREATE TABLE vn_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc (id int PRIMARY KEY);
\set VERBOSITY verbose
SELECT audit_softdelete.enable('vn_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', soft_delete => 'view');
\set VERBOSITY default
-- both as they were; trigger mode keeps the name
SELECT c.relname, c.relkind, length(c.relname) FROM pg_class c
 WHERE c.relname LIKE 'vn\_%' AND c.relkind IN ('r', 'v') ORDER BY 1;
SELECT count(*) AS tracked FROM audit_softdelete.tracked_tables
 WHERE relid IN ('vn_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'::regclass, 'vn_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'::regclass);
SELECT audit_softdelete.enable('vn_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc');

DROP VIEW vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;
DROP TABLE vn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_all, vn_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, vn_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc;
