-- docs/reference.md documents everything the installed extension defines,
-- and nothing it does not.
--
-- The convention the reference follows (and this test reads): an object is
-- documented by a line that begins (after an optional "#... ", "- " or
-- "| ") with a code span "<kind> <identity>", exactly once:
--   `schema audit_softdelete`
--   `function audit_softdelete.enable(regclass, boolean, ...)`   argument types as
--   `aggregate audit_softdelete.jsonb_merge_agg(jsonb)`          regprocedure prints them
--   `table audit_softdelete.audit_logs`, `view ...`, `sequence ...`, `index ...`
--   `trigger migration_ddl_guard on audit_softdelete.migration_ddl`
--   `event trigger audit_softdelete_ddl_log`
--   `operator class audit_softdelete.xid8_minmax_ops`, `operator family ...`
--   `setting audit_softdelete.actor`
-- A table's or view's columns are the rows "| `name` | ..." of the markdown
-- tables in its section (from its heading to the next heading).
-- The two lists below must be empty: each line is an object to add to
-- docs/reference.md, or an entry to remove from it.
\getenv abs_srcdir PG_ABS_SRCDIR
\set reference `cat :'abs_srcdir'/docs/reference.md`
LOAD 'audit_softdelete';
SET search_path = pg_catalog;

CREATE TEMP TABLE documented AS
WITH doc AS (SELECT :'reference'::text AS text),
declared AS (
    SELECT m[1] AS kind, regexp_replace(m[2], ',\s+', ',', 'g') AS identity
      FROM doc, regexp_matches(doc.text,
             '^(?:#+ |- |\| )?`(schema|function|aggregate|procedure|table|view|sequence|index|trigger|event trigger|operator class|operator family|setting) ([^`]+)`',
             'gn') AS m
),
sections AS (
    SELECT s AS text FROM doc, regexp_split_to_table(doc.text, '\n(?=#)') AS s
),
columns AS (
    SELECT 'column' AS kind, r[1] || '.' || c[1] AS identity
      FROM sections,
           regexp_match(sections.text, '^(?:#+ |- |\| )?`(?:table|view) ([^`]+)`', 'n') AS r,
           regexp_matches(sections.text, '^\| `([a-z_0-9]+)` \|', 'gn') AS c
)
SELECT kind, identity FROM declared
UNION ALL
SELECT kind, identity FROM columns;

CREATE TEMP TABLE defined AS
WITH ext AS (SELECT oid, extnamespace FROM pg_extension WHERE extname = 'audit_softdelete'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
relations AS (
    SELECT c.oid, c.relkind, c.relnamespace::regnamespace::text || '.' || c.relname AS name
      FROM members m JOIN pg_class c ON c.oid = m.objid
     WHERE m.classid = 'pg_class'::regclass
)
SELECT 'schema' AS kind, extnamespace::regnamespace::text AS identity FROM ext
UNION ALL
SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' ELSE 'function' END,
       p.oid::regprocedure::text
  FROM members m JOIN pg_proc p ON p.oid = m.objid
 WHERE m.classid = 'pg_proc'::regclass
UNION ALL
SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' END, r.name
  FROM relations r
UNION ALL
SELECT 'index', i.indexrelid::regclass::text
  FROM relations r JOIN pg_index i ON i.indrelid = r.oid
UNION ALL
SELECT 'trigger', t.tgname || ' on ' || r.name
  FROM relations r JOIN pg_trigger t ON t.tgrelid = r.oid
UNION ALL
SELECT 'column', r.name || '.' || a.attname
  FROM relations r JOIN pg_attribute a ON a.attrelid = r.oid
 WHERE r.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'event trigger', e.evtname
  FROM members m JOIN pg_event_trigger e ON e.oid = m.objid
 WHERE m.classid = 'pg_event_trigger'::regclass
UNION ALL
SELECT 'operator class', o.opcnamespace::regnamespace::text || '.' || o.opcname
  FROM members m JOIN pg_opclass o ON o.oid = m.objid
 WHERE m.classid = 'pg_opclass'::regclass
UNION ALL
SELECT 'operator family', o.opfnamespace::regnamespace::text || '.' || o.opfname
  FROM members m JOIN pg_opfamily o ON o.oid = m.objid
 WHERE m.classid = 'pg_opfamily'::regclass
UNION ALL
SELECT 'setting', s.name FROM pg_settings s WHERE s.name LIKE 'audit\_softdelete.%'
UNION ALL
-- a kind of object this test does not know yet: teach it, and document it
SELECT 'unknown member ' || m.classid::regclass::text, pg_describe_object(m.classid, m.objid, 0)
  FROM members m
 WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_event_trigger'::regclass,
                         'pg_opclass'::regclass, 'pg_opfamily'::regclass)
    OR (m.classid = 'pg_class'::regclass
        AND (SELECT c.relkind FROM pg_class c WHERE c.oid = m.objid) NOT IN ('r', 'v', 'S'));

-- sanity: the reference was read, and the catalog listed
SELECT count(*) > 100 AS reference_read FROM documented;
SELECT count(*) > 100 AS catalog_listed FROM defined;

-- defined by the extension, not in docs/reference.md: document each
SELECT kind || ' ' || identity AS "add to docs/reference.md"
  FROM (SELECT kind, identity FROM defined EXCEPT SELECT kind, identity FROM documented) x
 ORDER BY 1;

-- in docs/reference.md, not defined by the extension: remove or correct each
SELECT kind || ' ' || identity AS "remove from docs/reference.md"
  FROM (SELECT kind, identity FROM documented EXCEPT SELECT kind, identity FROM defined) x
 ORDER BY 1;

-- documented more than once: keep one entry each
SELECT kind || ' ' || identity AS "documented twice in docs/reference.md"
  FROM documented GROUP BY kind, identity HAVING count(*) > 1
 ORDER BY 1;

DROP TABLE documented, defined;
RESET search_path;
