/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  The user's schema as sorted lines of text ("facts"), and their hash:
 *	  migration_schema_facts() and migration_schema_fingerprint().
 *
 * A migration ledger records the fingerprint before and after each
 * migration; a fingerprint that differs from the last one recorded means
 * the schema was changed outside the migrations (drift).  Two databases
 * with equal fingerprints have the same schema; where they differ, the
 * facts say how (diff them).
 *
 * One fact is one line: the kind and schema-qualified name of an object,
 * then its definition as PostgreSQL deparses it (pg_get_constraintdef,
 * pg_get_indexdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef,
 * pg_get_expr, ...), e.g.
 *		relation app.users column email: position 2, type citext, ...
 * Schemas; other extensions with their versions; tables (partitioned ones
 * with their key, partitions with their bounds, inheritance, unlogged,
 * options, row-level security, replica identity), views, materialized
 * views, foreign tables and composite types; columns with type, typmod,
 * collation, NOT NULL, identity, generation and default; constraints,
 * indexes, triggers (and whether they are disabled, replica or always),
 * rules, policies; sequences (type, start, increment, bounds, cache, cycle,
 * owning column; not their position); functions, procedures and
 * aggregates; enums, domains and their constraints, ranges, base types;
 * collations, extended statistics, event triggers; operators (function,
 * commutator, negator, estimators; not shells, which only a reference
 * makes and pg_dump leaves to it); casts made after initdb (OIDs from
 * FirstNormalObjectId, as pg_dump tells them apart); text search
 * templates, parsers, dictionaries (with their options), configurations
 * and each mapping of a token type; publications, the user's tables they
 * publish (column lists, row filters) and the user's schemas.
 *
 * What is left out, and why:
 *	- OIDs, relfilenodes, attnums (a dropped column leaves a hole that a
 *	  restore closes; columns carry their position among the live ones),
 *	  enum sort order numbers, sequence positions, statistics, data:
 *	  nothing that differs after pg_dump and restore, or changes without
 *	  DDL;
 *	- owners, grants, default privileges, comments, security labels,
 *	  tablespaces, storage and planner settings (SET STATISTICS, SET
 *	  STORAGE, CLUSTER ON), collation versions: they differ between
 *	  environments that share one schema (migration_drift() leaves GRANT,
 *	  REVOKE, ALTER DEFAULT PRIVILEGES, COMMENT and SECURITY LABEL out of
 *	  the drift for the same reason);
 *	- subscriptions, and what is global to the cluster (roles, tablespaces,
 *	  databases): no part of a database's schema;
 *	- not yet: operator classes and families, conversions, transforms,
 *	  access methods, foreign-data wrappers and servers (a foreign table
 *	  names its server);
 *	- system schemas (pg_catalog, information_schema, pg_toast, every other
 *	  schema whose name starts with pg_, so temporary schemas too);
 *	- members of extensions (pg_depend deptype 'e'): an extension's objects
 *	  are those of its version, which the "extension" fact names; this
 *	  extension itself, its schema and everything in it are left out
 *	  altogether, so that neither installing nor upgrading it is drift;
 *	- what a partition gets from its partitioned table (cloned constraints,
 *	  attached indexes, cloned triggers) and what a type makes for itself
 *	  (array types, multiranges, a range's constructors): implied by the
 *	  facts of what they come from;
 *	- what enable() makes on a table: the extension's triggers on it (named
 *	  audit_softdelete_* with one of the extension's functions) and its live
 *	  view in view mode.  An upgrade of the extension may redefine those.
 *	  They are stood for by one fact per enabled table, what enable() was
 *	  asked for (stamps, soft delete mode and live view, audit, column
 *	  mapping, excluded and redacted columns), and by the columns enable()
 *	  added, which are the table's own: enabling, reconfiguring and disabling
 *	  a table are changes the ledger sees.  Of the extension's triggers only
 *	  ENABLE ALWAYS (a choice of the DBA's) is a fact.
 *
 * Deparsed text depends on settings: names are qualified or not according
 * to search_path, constants are printed by their types' output functions
 * (DateStyle, IntervalStyle, TimeZone, extra_float_digits, bytea_output,
 * lc_monetary), quoting on quote_all_identifiers and
 * standard_conforming_strings.  All of them are fixed while the facts are
 * read (fact_settings): with search_path = pg_catalog, pg_temp every name
 * outside pg_catalog comes out schema-qualified.
 *
 * The facts are escaped to one line each (backslash, newline and carriage
 * return as \\, \n and \r), converted to UTF-8 and sorted by their bytes,
 * so that neither the order in which objects were made nor the database's
 * encoding or collation matter.  The fingerprint is "v1:sha256:" and the
 * hex SHA-256 of the sorted facts, each followed by a newline:
 *		SELECT encode(sha256(convert_to(string_agg(f || E'\n', ''
 *					  ORDER BY convert_to(f, 'UTF8')), 'UTF8')), 'hex')
 *		  FROM audit_softdelete.migration_schema_facts() f;
 * gives the same hex.  Whatever changes the facts or how they are written
 * must change the "v1".
 *
 * Both functions run as the caller, and any role may call them: every fact
 * comes from catalogs that every role may read (function sources are public
 * in pg_proc, view queries through pg_get_viewdef, policies in pg_policy,
 * tracked_tables is granted to PUBLIC), and nothing is filtered by the
 * caller's privileges, so every role gets the same answer.
 *
 * IDENTIFICATION
 *	  src/fingerprint.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"
#include "fingerprint.h"
#include "migration.h"
#include "owner.h"

#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_FUNCTION_INFO_V1(asd_migration_schema_facts);
PG_FUNCTION_INFO_V1(asd_migration_schema_fingerprint);

/*
 * The fingerprint is written as a migration checksum is, "v1:sha256:<hex>"
 * (asd_sha256_tag): v1 is also the version of the facts, so a change to
 * what they say or how needs a tag of its own (see the file header).
 */

/* One fact, as shown and as hashed. */
typedef struct SchemaFact
{
	char	   *text;			/* escaped, in the server encoding */
	char	   *utf8;			/* the same in UTF-8: sorted and hashed */
} SchemaFact;

/* The settings that deparsed text depends on, fixed while it is read. */
static const struct
{
	const char *name;
	const char *value;
}			fact_settings[] =
{
	{"search_path", "pg_catalog, pg_temp"},
	{"DateStyle", "ISO, YMD"},
	{"IntervalStyle", "postgres"},
	{"TimeZone", "UTC"},
	{"extra_float_digits", "1"},
	{"bytea_output", "hex"},
	{"lc_monetary", "C"},
	{"quote_all_identifiers", "off"},
	{"standard_conforming_strings", "on"}
};

/*
 * The facts, one text column.  Plain operators are safe: search_path is
 * pg_catalog, pg_temp while it runs, and pg_temp is never searched for
 * operators or functions.
 */
static const char *const fact_query =
"WITH ext_member AS (\n"
"    SELECT d.classid, d.objid FROM pg_depend d WHERE d.deptype = 'e'\n"
"), own_extension AS (\n"
"    SELECT e.oid, e.extnamespace FROM pg_extension e WHERE e.extname = 'audit_softdelete'\n"
"), own_function AS (\n"
"    SELECT d.objid FROM pg_depend d JOIN own_extension e ON d.refobjid = e.oid\n"
"     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'\n"
"       AND d.classid = 'pg_proc'::regclass\n"
"), nsp AS (\n"
"    SELECT n.oid FROM pg_namespace n\n"
"     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'\n"
"       AND n.oid NOT IN (SELECT e.extnamespace FROM own_extension e)\n"
"       AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                        WHERE m.classid = 'pg_namespace'::regclass AND m.objid = n.oid)\n"
"), live_view AS (\n"
"    SELECT v.oid\n"
"      FROM audit_softdelete.tracked_tables t\n"
"      JOIN pg_class c ON c.oid = t.relid\n"
"      JOIN pg_class v ON v.relnamespace = c.relnamespace AND v.relname = t.view_name\n"
"                     AND v.relkind = 'v'\n"
"     WHERE t.enabled AND t.soft_delete = 'view'\n"
"       AND EXISTS (SELECT 1 FROM pg_rewrite ru\n"
"                     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = ru.oid\n"
"                    WHERE ru.ev_class = v.oid AND d.refclassid = 'pg_class'::regclass\n"
"                      AND d.refobjid = t.relid)\n"
"), rel AS (\n"
"    SELECT c.oid, c.relkind,\n"
"           CASE WHEN c.relkind = 'c' THEN 'type ' ELSE 'relation ' END\n"
"           || c.oid::regclass::text AS prefix,\n"
"           c.oid IN (SELECT lv.oid FROM live_view lv) AS live_view\n"
"      FROM pg_class c\n"
"     WHERE c.relnamespace IN (SELECT nsp.oid FROM nsp)\n"
"       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')\n"
"       AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                        WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)\n"
"), typ AS (\n"
"    SELECT t.oid, t.typtype FROM pg_type t\n"
"     WHERE t.typnamespace IN (SELECT nsp.oid FROM nsp)\n"
"       AND t.typtype IN ('b', 'd', 'e', 'r')\n"
"       AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                        WHERE m.classid = 'pg_type'::regclass AND m.objid = t.oid)\n"
"       AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)\n"
")\n"
"-- schemas\n"
"SELECT 'schema ' || quote_ident(n.nspname)\n"
"  FROM pg_namespace n WHERE n.oid IN (SELECT nsp.oid FROM nsp)\n"
"UNION ALL\n"
"-- other extensions, with their versions\n"
"SELECT 'extension ' || quote_ident(e.extname) || ': version ' || e.extversion\n"
"       || ', schema ' || quote_ident(n.nspname)\n"
"  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace\n"
" WHERE e.extname <> 'audit_softdelete'\n"
"UNION ALL\n"
"-- relations and composite types\n"
"SELECT r.prefix || ': '\n"
"       || CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'\n"
"                         WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'\n"
"                         WHEN 'f' THEN 'foreign table' ELSE 'composite type' END\n"
"       || CASE WHEN c.relpersistence = 'u' THEN ', unlogged' ELSE '' END\n"
"       || coalesce(', access method ' || quote_ident(am.amname), '')\n"
"       || coalesce(', of type ' || nullif(c.reloftype, 0)::regtype::text, '')\n"
"       || CASE WHEN c.relkind = 'p' THEN ', partition by ' || pg_get_partkeydef(c.oid) ELSE '' END\n"
"       || CASE WHEN c.relispartition\n"
"               THEN coalesce(', partition of ' || (SELECT i.inhparent::regclass::text FROM pg_inherits i\n"
"                                                    WHERE i.inhrelid = c.oid), '')\n"
"                    || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '')\n"
"               ELSE coalesce(', inherits ' || (SELECT string_agg(i.inhparent::regclass::text, ', '\n"
"                                                                 ORDER BY i.inhseqno)\n"
"                                                 FROM pg_inherits i WHERE i.inhrelid = c.oid), '')\n"
"          END\n"
"       || coalesce(', options ' || (SELECT string_agg(o, ', ' ORDER BY o COLLATE \"C\")\n"
"                                      FROM unnest(c.reloptions) o), '')\n"
"       || CASE WHEN c.relrowsecurity THEN ', row level security' ELSE '' END\n"
"       || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END\n"
"       || CASE WHEN c.relkind NOT IN ('r', 'p') THEN ''\n"
"               WHEN c.relreplident = 'n' THEN ', replica identity nothing'\n"
"               WHEN c.relreplident = 'f' THEN ', replica identity full'\n"
"               WHEN c.relreplident = 'i'\n"
"               THEN ', replica identity using index '\n"
"                    || coalesce((SELECT quote_ident(ic.relname) FROM pg_index x\n"
"                                   JOIN pg_class ic ON ic.oid = x.indexrelid\n"
"                                  WHERE x.indrelid = c.oid AND x.indisreplident), '')\n"
"               ELSE '' END\n"
"       || coalesce(', server ' || quote_ident(s.srvname), '')\n"
"       || coalesce(', options ' || (SELECT string_agg(o, ', ' ORDER BY o COLLATE \"C\")\n"
"                                      FROM unnest(ft.ftoptions) o), '')\n"
"  FROM rel r JOIN pg_class c ON c.oid = r.oid\n"
"  LEFT JOIN pg_am am ON am.oid = c.relam AND am.amname <> 'heap'\n"
"  LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid\n"
"  LEFT JOIN pg_foreign_server s ON s.oid = ft.ftserver\n"
" WHERE NOT r.live_view\n"
"UNION ALL\n"
"-- columns: position among the live columns (dropped ones leave no hole\n"
"-- after a restore), type, collation, NOT NULL, identity, generation, default\n"
"SELECT r.prefix || ' column ' || quote_ident(a.attname) || ': position '\n"
"       || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)\n"
"       || ', type ' || format_type(a.atttypid, a.atttypmod)\n"
"       || CASE WHEN a.attcollation <> 0\n"
"               THEN ', collation ' || a.attcollation::regcollation::text ELSE '' END\n"
"       || CASE WHEN a.attnotnull THEN ', not null' ELSE '' END\n"
"       || CASE a.attidentity WHEN 'a' THEN ', generated always as identity'\n"
"                             WHEN 'd' THEN ', generated by default as identity' ELSE '' END\n"
"       || CASE WHEN a.attgenerated = 's'\n"
"               THEN ', generated always as (' || pg_get_expr(d.adbin, d.adrelid) || ') stored'\n"
"               ELSE coalesce(', default ' || pg_get_expr(d.adbin, d.adrelid), '') END\n"
"  FROM rel r\n"
"  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped\n"
"  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n"
" WHERE NOT r.live_view\n"
"UNION ALL\n"
"-- views and materialized views: their query\n"
"SELECT r.prefix || ' query: ' || pg_get_viewdef(r.oid)\n"
"  FROM rel r WHERE r.relkind IN ('v', 'm') AND NOT r.live_view\n"
"UNION ALL\n"
"-- constraints; those a partition got from its parent's are implied by it\n"
"SELECT r.prefix || ' constraint ' || quote_ident(co.conname) || ': '\n"
"       || pg_get_constraintdef(co.oid)\n"
"  FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid\n"
" WHERE co.conparentid = 0\n"
"UNION ALL\n"
"-- indexes; those attached to a partitioned table's index are implied by it\n"
"SELECT r.prefix || ' index ' || quote_ident(ic.relname) || ': ' || pg_get_indexdef(x.indexrelid)\n"
"  FROM rel r JOIN pg_index x ON x.indrelid = r.oid JOIN pg_class ic ON ic.oid = x.indexrelid\n"
" WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid)\n"
"UNION ALL\n"
"-- triggers; those a partition got from its parent's are implied by it.  Of\n"
"-- the extension's own triggers only ENABLE ALWAYS, a choice of the DBA's\n"
"-- (what enable() was asked for stands for the rest of them, below)\n"
"SELECT r.prefix || ' trigger ' || quote_ident(tg.tgname) || ': '\n"
"       || CASE WHEN own.own THEN 'audit_softdelete''s own' ELSE pg_get_triggerdef(tg.oid) END\n"
"       || CASE tg.tgenabled WHEN 'D' THEN ', disabled' WHEN 'R' THEN ', enabled replica'\n"
"                            WHEN 'A' THEN ', enabled always' ELSE '' END\n"
"  FROM rel r JOIN pg_trigger tg ON tg.tgrelid = r.oid\n"
" CROSS JOIN LATERAL (SELECT starts_with(tg.tgname::text, 'audit_softdelete_')\n"
"                            AND tg.tgfoid IN (SELECT f.objid FROM own_function f) AS own) own\n"
" WHERE NOT tg.tgisinternal AND tg.tgparentid = 0\n"
"   AND (NOT own.own OR tg.tgenabled <> 'O')\n"
"UNION ALL\n"
"-- rules (a view's own _RETURN rule is its query)\n"
"SELECT r.prefix || ' rule ' || quote_ident(ru.rulename) || ': ' || pg_get_ruledef(ru.oid)\n"
"       || CASE ru.ev_enabled WHEN 'D' THEN ', disabled' WHEN 'R' THEN ', enabled replica'\n"
"                             WHEN 'A' THEN ', enabled always' ELSE '' END\n"
"  FROM rel r JOIN pg_rewrite ru ON ru.ev_class = r.oid\n"
" WHERE ru.rulename <> '_RETURN'\n"
"UNION ALL\n"
"-- row-level security policies\n"
"SELECT r.prefix || ' policy ' || quote_ident(p.polname) || ': '\n"
"       || CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END\n"
"       || ' for ' || CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert'\n"
"                                   WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END\n"
"       || ' to ' || (SELECT string_agg(g.name, ', ' ORDER BY g.name COLLATE \"C\")\n"
"                       FROM (SELECT CASE WHEN ro = 0 THEN 'public' ELSE ro::regrole::text END AS name\n"
"                               FROM unnest(p.polroles) ro) g)\n"
"       || coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')\n"
"       || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')\n"
"  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid\n"
"UNION ALL\n"
"-- what enable() asked for on a table: it stands for the extension's\n"
"-- triggers and live view, which an upgrade of the extension may redefine\n"
"SELECT r.prefix || ' audit_softdelete: '\n"
"       || CASE WHEN t.stamps THEN 'stamps' ELSE 'no stamps' END\n"
"       || CASE t.soft_delete WHEN 'trigger' THEN ', soft delete by trigger'\n"
"               WHEN 'view' THEN ', soft delete by view '\n"
"                                || quote_ident(n.nspname) || '.' || quote_ident(t.view_name)\n"
"               ELSE ', no soft delete' END\n"
"       || CASE WHEN t.audit THEN ', audit' ELSE ', no audit' END\n"
"       || ', columns ' || t.columns::text\n"
"       || coalesce(', exclude ' || (SELECT string_agg(quote_ident(x), ', ' ORDER BY x COLLATE \"C\")\n"
"                                      FROM unnest(t.exclude_columns) x), '')\n"
"       || coalesce(', redact ' || (SELECT string_agg(quote_ident(x), ', ' ORDER BY x COLLATE \"C\")\n"
"                                     FROM unnest(t.redact_columns) x), '')\n"
"  FROM audit_softdelete.tracked_tables t JOIN rel r ON r.oid = t.relid\n"
"  JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace\n"
" WHERE t.enabled\n"
"UNION ALL\n"
"-- sequences: their definition, not their position\n"
"SELECT 'sequence ' || c.oid::regclass::text || ': type ' || format_type(s.seqtypid, NULL)\n"
"       || ', start ' || s.seqstart || ', increment ' || s.seqincrement\n"
"       || ', minimum ' || s.seqmin || ', maximum ' || s.seqmax || ', cache ' || s.seqcache\n"
"       || CASE WHEN s.seqcycle THEN ', cycle' ELSE '' END\n"
"       || CASE WHEN c.relpersistence = 'u' THEN ', unlogged' ELSE '' END\n"
"       || coalesce((SELECT CASE d.deptype WHEN 'i' THEN ', identity of ' ELSE ', owned by ' END\n"
"                           || d.refobjid::regclass::text || '.' || quote_ident(a.attname)\n"
"                      FROM pg_depend d\n"
"                      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid\n"
"                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid\n"
"                       AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0\n"
"                       AND d.deptype IN ('a', 'i')), '')\n"
"  FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid\n"
" WHERE c.relkind = 'S' AND c.relnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)\n"
"UNION ALL\n"
"-- functions and procedures: their whole definition; aggregates: their parts\n"
"SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' ELSE 'function ' END\n"
"       || p.oid::regprocedure::text || ': '\n"
"       || CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid)\n"
"          ELSE 'returns ' || format_type(p.prorettype, NULL)\n"
"               || CASE ag.aggkind WHEN 'o' THEN ', ordered-set' WHEN 'h' THEN ', hypothetical-set'\n"
"                                  ELSE '' END\n"
"               || ', direct arguments ' || ag.aggnumdirectargs\n"
"               || ', sfunc ' || ag.aggtransfn::oid::regprocedure::text\n"
"               || ', stype ' || format_type(ag.aggtranstype, NULL)\n"
"               || ', sspace ' || ag.aggtransspace\n"
"               || coalesce(', finalfunc ' || nullif(ag.aggfinalfn::oid, 0)::regprocedure::text, '')\n"
"               || CASE WHEN ag.aggfinalextra THEN ', finalfunc_extra' ELSE '' END\n"
"               || ', finalfunc_modify ' || ag.aggfinalmodify::text\n"
"               || coalesce(', combinefunc ' || nullif(ag.aggcombinefn::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', serialfunc ' || nullif(ag.aggserialfn::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', deserialfunc ' || nullif(ag.aggdeserialfn::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', initcond ' || quote_literal(ag.agginitval), '')\n"
"               || coalesce(', msfunc ' || nullif(ag.aggmtransfn::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', minvfunc ' || nullif(ag.aggminvtransfn::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', mstype ' || format_type(nullif(ag.aggmtranstype, 0), NULL), '')\n"
"               || coalesce(', mfinalfunc ' || nullif(ag.aggmfinalfn::oid, 0)::regprocedure::text, '')\n"
"               || CASE WHEN ag.aggmfinalextra THEN ', mfinalfunc_extra' ELSE '' END\n"
"               || coalesce(', minitcond ' || quote_literal(ag.aggminitval), '')\n"
"               || coalesce(', sortop ' || nullif(ag.aggsortop, 0)::regoperator::text, '')\n"
"               || ', parallel ' || p.proparallel::text\n"
"          END\n"
"  FROM pg_proc p LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid\n"
" WHERE p.pronamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)\n"
"   -- made with a type (a range's constructors): implied by it\n"
"   AND NOT EXISTS (SELECT 1 FROM pg_depend d\n"
"                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid\n"
"                      AND d.deptype = 'i')\n"
"UNION ALL\n"
"-- enums, domains, ranges and base types (composite types are above)\n"
"SELECT 'type ' || t.oid::regtype::text || ': '\n"
"       || CASE t.typtype\n"
"          WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', '\n"
"                                                                ORDER BY e.enumsortorder)\n"
"                                                FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'\n"
"          WHEN 'd' THEN 'domain over ' || format_type(ty.typbasetype, ty.typtypmod)\n"
"                        || CASE WHEN ty.typcollation <> 0\n"
"                                THEN ', collation ' || ty.typcollation::regcollation::text ELSE '' END\n"
"                        || CASE WHEN ty.typnotnull THEN ', not null' ELSE '' END\n"
"                        || coalesce(', default ' || pg_get_expr(ty.typdefaultbin, 0), '')\n"
"          WHEN 'r' THEN 'range over ' || format_type(rg.rngsubtype, NULL)\n"
"                        || ', operator class ' || (SELECT quote_ident(n.nspname) || '.' || quote_ident(o.opcname)\n"
"                                                     FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace\n"
"                                                    WHERE o.oid = rg.rngsubopc)\n"
"                        || CASE WHEN rg.rngcollation <> 0\n"
"                                THEN ', collation ' || rg.rngcollation::regcollation::text ELSE '' END\n"
"                        || coalesce(', canonical ' || nullif(rg.rngcanonical::oid, 0)::regprocedure::text, '')\n"
"                        || coalesce(', subtype_diff ' || nullif(rg.rngsubdiff::oid, 0)::regprocedure::text, '')\n"
"                        || ', multirange ' || rg.rngmultitypid::regtype::text\n"
"          ELSE 'base type, input ' || ty.typinput::oid::regprocedure::text\n"
"               || ', output ' || ty.typoutput::oid::regprocedure::text\n"
"               || coalesce(', receive ' || nullif(ty.typreceive::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', send ' || nullif(ty.typsend::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', typmod_in ' || nullif(ty.typmodin::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', typmod_out ' || nullif(ty.typmodout::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', analyze ' || nullif(ty.typanalyze::oid, 0)::regprocedure::text, '')\n"
"               || coalesce(', subscript ' || nullif(ty.typsubscript::oid, 0)::regprocedure::text, '')\n"
"               || ', length ' || ty.typlen || CASE WHEN ty.typbyval THEN ', by value' ELSE '' END\n"
"               || ', alignment ' || ty.typalign::text || ', storage ' || ty.typstorage::text\n"
"               || ', category ' || ty.typcategory::text || CASE WHEN ty.typispreferred THEN ', preferred' ELSE '' END\n"
"               || ', delimiter ' || quote_literal(ty.typdelim::text)\n"
"               || coalesce(', element ' || nullif(ty.typelem, 0)::regtype::text, '')\n"
"               || CASE WHEN ty.typcollation <> 0 THEN ', collatable' ELSE '' END\n"
"               || coalesce(', default ' || quote_literal(ty.typdefault), '')\n"
"          END\n"
"  FROM typ t JOIN pg_type ty ON ty.oid = t.oid\n"
"  LEFT JOIN pg_range rg ON rg.rngtypid = t.oid\n"
"UNION ALL\n"
"SELECT 'type ' || co.contypid::regtype::text || ' constraint ' || quote_ident(co.conname) || ': '\n"
"       || pg_get_constraintdef(co.oid)\n"
"  FROM typ t JOIN pg_constraint co ON co.contypid = t.oid\n"
"UNION ALL\n"
"SELECT 'collation ' || co.oid::regcollation::text || ': provider '\n"
"       || CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END\n"
"       || coalesce(', lc_collate ' || quote_literal(co.collcollate), '')\n"
"       || coalesce(', lc_ctype ' || quote_literal(co.collctype), '')\n"
"       || coalesce(', icu locale ' || quote_literal(co.colliculocale), '')\n"
"       || CASE WHEN co.collisdeterministic THEN '' ELSE ', nondeterministic' END\n"
"  FROM pg_collation co\n"
" WHERE co.collnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_collation'::regclass AND m.objid = co.oid)\n"
"UNION ALL\n"
"SELECT 'statistics ' || quote_ident(n.nspname) || '.' || quote_ident(s.stxname) || ': '\n"
"       || pg_get_statisticsobjdef(s.oid)\n"
"  FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace\n"
" WHERE s.stxnamespace IN (SELECT nsp.oid FROM nsp) AND s.stxrelid IN (SELECT r.oid FROM rel r)\n"
"UNION ALL\n"
"SELECT 'event trigger ' || quote_ident(ev.evtname) || ': on ' || ev.evtevent::text\n"
"       || ' execute ' || ev.evtfoid::regprocedure::text\n"
"       || coalesce(', tags ' || (SELECT string_agg(quote_literal(tag), ', ' ORDER BY tag COLLATE \"C\")\n"
"                                   FROM unnest(ev.evttags) tag), '')\n"
"       || CASE ev.evtenabled WHEN 'D' THEN ', disabled' WHEN 'R' THEN ', enabled replica'\n"
"                             WHEN 'A' THEN ', enabled always' ELSE '' END\n"
"  FROM pg_event_trigger ev\n"
" WHERE NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_event_trigger'::regclass AND m.objid = ev.oid)\n"
"UNION ALL\n"
"-- operators: their function, commutator, negator, estimators; not a shell\n"
"-- (made by naming a commutator or negator that does not exist yet), which\n"
"-- pg_dump leaves to the operator that names it\n"
"SELECT 'operator ' || o.oid::regoperator::text || ': function ' || o.oprcode::oid::regprocedure::text\n"
"       || coalesce(', commutator ' || nullif(o.oprcom, 0)::regoperator::text, '')\n"
"       || coalesce(', negator ' || nullif(o.oprnegate, 0)::regoperator::text, '')\n"
"       || coalesce(', restrict ' || nullif(o.oprrest::oid, 0)::regprocedure::text, '')\n"
"       || coalesce(', join ' || nullif(o.oprjoin::oid, 0)::regprocedure::text, '')\n"
"       || CASE WHEN o.oprcanmerge THEN ', merges' ELSE '' END\n"
"       || CASE WHEN o.oprcanhash THEN ', hashes' ELSE '' END\n"
"  FROM pg_operator o\n"
" WHERE o.oprnamespace IN (SELECT nsp.oid FROM nsp) AND o.oprcode <> 0\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_operator'::regclass AND m.objid = o.oid)\n"
"UNION ALL\n"
"-- casts made after initdb (those of the system have OIDs below\n"
"-- FirstNormalObjectId, 16384, as pg_dump tells them apart): how they cast\n"
"-- and when\n"
"SELECT 'cast (' || format_type(c.castsource, NULL) || ' as ' || format_type(c.casttarget, NULL)\n"
"       || '): ' || CASE c.castmethod WHEN 'f' THEN 'function ' || c.castfunc::regprocedure::text\n"
"                                     WHEN 'i' THEN 'with inout' ELSE 'without function' END\n"
"       || CASE c.castcontext WHEN 'i' THEN ', implicit' WHEN 'a' THEN ', assignment'\n"
"                             ELSE ', explicit' END\n"
"  FROM pg_cast c\n"
" WHERE c.oid >= 16384\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_cast'::regclass AND m.objid = c.oid)\n"
"UNION ALL\n"
"-- text search templates, parsers, dictionaries, configurations and each\n"
"-- configuration's mapping of a token type\n"
"SELECT 'text search template ' || quote_ident(n.nspname) || '.' || quote_ident(t.tmplname)\n"
"       || ': ' || coalesce('init ' || nullif(t.tmplinit::oid, 0)::regprocedure::text || ', ', '')\n"
"       || 'lexize ' || t.tmpllexize::oid::regprocedure::text\n"
"  FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace\n"
" WHERE t.tmplnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_ts_template'::regclass AND m.objid = t.oid)\n"
"UNION ALL\n"
"SELECT 'text search parser ' || quote_ident(n.nspname) || '.' || quote_ident(p.prsname)\n"
"       || ': start ' || p.prsstart::oid::regprocedure::text\n"
"       || ', gettoken ' || p.prstoken::oid::regprocedure::text\n"
"       || ', end ' || p.prsend::oid::regprocedure::text\n"
"       || coalesce(', headline ' || nullif(p.prsheadline::oid, 0)::regprocedure::text, '')\n"
"       || ', lextypes ' || p.prslextype::oid::regprocedure::text\n"
"  FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace\n"
" WHERE p.prsnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_ts_parser'::regclass AND m.objid = p.oid)\n"
"UNION ALL\n"
"SELECT 'text search dictionary ' || d.oid::regdictionary::text || ': template '\n"
"       || (SELECT quote_ident(n.nspname) || '.' || quote_ident(t.tmplname)\n"
"             FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace\n"
"            WHERE t.oid = d.dicttemplate)\n"
"       || coalesce(', options ' || d.dictinitoption, '')\n"
"  FROM pg_ts_dict d\n"
" WHERE d.dictnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_ts_dict'::regclass AND m.objid = d.oid)\n"
"UNION ALL\n"
"SELECT 'text search configuration ' || c.oid::regconfig::text || ': parser '\n"
"       || (SELECT quote_ident(n.nspname) || '.' || quote_ident(p.prsname)\n"
"             FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace\n"
"            WHERE p.oid = c.cfgparser)\n"
"  FROM pg_ts_config c\n"
" WHERE c.cfgnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_ts_config'::regclass AND m.objid = c.oid)\n"
"UNION ALL\n"
"SELECT 'text search configuration ' || c.oid::regconfig::text || ' mapping '\n"
"       || coalesce((SELECT tt.alias FROM ts_token_type(c.cfgparser) tt\n"
"                     WHERE tt.tokid = m.maptokentype), m.maptokentype::text)\n"
"       || ': ' || string_agg(m.mapdict::regdictionary::text, ', ' ORDER BY m.mapseqno)\n"
"  FROM pg_ts_config c JOIN pg_ts_config_map m ON m.mapcfg = c.oid\n"
" WHERE c.cfgnamespace IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_ts_config'::regclass AND m.objid = c.oid)\n"
" GROUP BY c.oid, c.cfgparser, m.maptokentype\n"
"UNION ALL\n"
"-- publications, the user's tables they publish (with their column lists\n"
"-- and row filters) and the user's schemas\n"
"SELECT 'publication ' || quote_ident(p.pubname) || ': '\n"
"       || CASE WHEN p.puballtables THEN 'all tables, ' ELSE '' END\n"
"       || 'publish ' || coalesce(nullif(concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,\n"
"                                                  CASE WHEN p.pubupdate THEN 'update' END,\n"
"                                                  CASE WHEN p.pubdelete THEN 'delete' END,\n"
"                                                  CASE WHEN p.pubtruncate THEN 'truncate' END),\n"
"                                        ''), 'nothing')\n"
"       || CASE WHEN p.pubviaroot THEN ', via partition root' ELSE '' END\n"
"  FROM pg_publication p\n"
" WHERE NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_publication'::regclass AND m.objid = p.oid)\n"
"UNION ALL\n"
"SELECT 'publication ' || quote_ident(p.pubname) || ' table ' || pr.prrelid::regclass::text\n"
"       || coalesce(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)\n"
"                             FROM pg_attribute a\n"
"                            WHERE a.attrelid = pr.prrelid\n"
"                              AND a.attnum = ANY (pr.prattrs::int2[])) || ')', '')\n"
"       || coalesce(' where ' || pg_get_expr(pr.prqual, pr.prrelid), '')\n"
"  FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid\n"
" WHERE pr.prrelid IN (SELECT r.oid FROM rel r)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_publication'::regclass AND m.objid = p.oid)\n"
"UNION ALL\n"
"SELECT 'publication ' || quote_ident(p.pubname) || ' schema ' || quote_ident(n.nspname)\n"
"  FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid\n"
"  JOIN pg_namespace n ON n.oid = pn.pnnspid\n"
" WHERE pn.pnnspid IN (SELECT nsp.oid FROM nsp)\n"
"   AND NOT EXISTS (SELECT 1 FROM ext_member m\n"
"                    WHERE m.classid = 'pg_publication'::regclass AND m.objid = p.oid)\n";

/*
 * escape_fact
 *		s with backslash, newline and carriage return written as \\, \n and
 *		\r, so that every fact is one line and two lists of facts that
 *		differ cannot hash alike; palloc'd.
 */
static char *
escape_fact(const char *s)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = s; *p; p++)
	{
		switch (*p)
		{
			case '\\':
				appendStringInfoString(&buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(&buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(&buf, "\\r");
				break;
			default:
				appendStringInfoChar(&buf, *p);
				break;
		}
	}
	return buf.data;
}

/* qsort comparator: by the bytes of the UTF-8 text. */
static int
compare_facts(const void *a, const void *b)
{
	return strcmp(((const SchemaFact *) a)->utf8,
				  ((const SchemaFact *) b)->utf8);
}

/*
 * collect_facts
 *		The facts of the current database, sorted; their number in *nfacts.
 *		Allocated in the caller's memory context.
 */
static SchemaFact *
collect_facts(int *nfacts)
{
	MemoryContext callercxt = CurrentMemoryContext;
	SchemaFact *facts;
	AsdSpi		spi;
	int			nestlevel;
	int			n;
	int			i;

	nestlevel = NewGUCNestLevel();
	for (i = 0; i < lengthof(fact_settings); i++)
		(void) set_config_option(fact_settings[i].name, fact_settings[i].value,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(fact_query, 0, NULL, NULL, NULL, SPI_OK_SELECT,
				ASD_SPI_READ_ONLY);
	n = (int) SPI_processed;
	facts = MemoryContextAlloc(callercxt, sizeof(SchemaFact) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[i],
										  SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext oldcxt;

		/* every branch of the query is written to yield text */
		if (isnull)
			elog(ERROR, "the schema fact query returned a null fact");
		oldcxt = MemoryContextSwitchTo(callercxt);
		facts[i].text = escape_fact(TextDatumGetCString(value));
		facts[i].utf8 = pg_server_to_any(facts[i].text, strlen(facts[i].text),
										 PG_UTF8);
		MemoryContextSwitchTo(oldcxt);
	}
	asd_spi_finish(&spi);
	AtEOXact_GUC(true, nestlevel);

	qsort(facts, n, sizeof(SchemaFact), compare_facts);
	*nfacts = n;
	return facts;
}

/*
 * asd_schema_fingerprint
 *		"v1:sha256:" and the hex SHA-256 of the current database's facts,
 *		each followed by a newline; palloc'd.
 */
char *
asd_schema_fingerprint(void)
{
	SchemaFact *facts;
	int			nfacts;
	StringInfoData text;
	int			i;

	facts = collect_facts(&nfacts);
	initStringInfo(&text);
	for (i = 0; i < nfacts; i++)
	{
		appendStringInfoString(&text, facts[i].utf8);
		appendStringInfoChar(&text, '\n');
	}
	return asd_sha256_tag(text.data, text.len);
}

/*
 * migration_schema_facts() RETURNS SETOF text
 *		The facts the fingerprint is the hash of, in the order hashed.
 */
Datum
asd_migration_schema_facts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SchemaFact *facts;
	int			nfacts;
	int			i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	facts = collect_facts(&nfacts);
	for (i = 0; i < nfacts; i++)
	{
		Datum		value = CStringGetTextDatum(facts[i].text);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/*
 * migration_schema_fingerprint() RETURNS text
 *		The fingerprint of the current database's schema, tagged with its
 *		version: v1:sha256:<hex>.
 */
Datum
asd_migration_schema_fingerprint(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(asd_schema_fingerprint()));
}
