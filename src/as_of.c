/*-------------------------------------------------------------------------
 *
 * as_of.c
 *	  row_as_of() and table_as_of(): rows as they were at a past time,
 *	  rebuilt backwards from today's rows and the audit trail.
 *
 * A row as it was at a time is today's row with every later change taken
 * back: each column has the old value of the earliest later audit row that
 * changed it, else today's value.  A DELETE logs the whole row, so a row
 * deleted since comes back whole; a row whose earliest later audit row is
 * its INSERT did not exist yet.  Rows that existed before auditing began
 * need no baseline: today's row, or the row its DELETE logged, is where
 * the rebuilding starts.  So the cost of enable() stays that of creating
 * triggers, whatever the table holds.
 *
 * What the trail cannot tell is refused rather than guessed: a time before
 * the table's auditing began (or last resumed, or last changed which
 * columns it logs), a TRUNCATE since (it removes rows without logging
 * them), a primary key changed since (rows are followed by their key), a
 * row gone without an audit row of its deletion, a column the audit rows
 * name that column_history does not know (dropped or renamed before it
 * recorded the table).  Audit rows are read under today's column names
 * (column_history): a column dropped since is left out, with a NOTICE; one
 * added since, and excluded and redacted columns, come back NULL.
 *
 * Everything is read as the caller: the table (SELECT, row-level
 * security), audit_logs and tracked_tables.  Where row-level security on
 * audit_logs hides audit rows of the table written since the time (counted
 * again as the extension owner), the past cannot be rebuilt: refused.
 *
 * IDENTIFICATION
 *	  src/as_of.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "call_check.h"
#include "column_history.h"
#include "history.h"
#include "internal.h"
#include "key_compare.h"
#include "owner.h"
#include "sql_text.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_row_as_of);
PG_FUNCTION_INFO_V1(asd_table_as_of);

/* How many rebuilt rows table_as_of() fetches at a time */
#define AS_OF_BATCH 1000

/* The query parameters, in this order */
enum
{
	PARAM_KEY,					/* $1 jsonb: the row's key, NULL for a table */
	PARAM_TABLE_ID,				/* $2 int4 */
	PARAM_AT,					/* $3 timestamptz */
	PARAM_KEY_COLUMNS,			/* $4 text[]: the primary key's columns */
	PARAM_COLUMNS,				/* $5 text[]: the table's columns today */
	PARAM_HIDDEN,				/* $6 jsonb: excluded and redacted -> null */
	PARAM_ROWTYPE,				/* $7 the row type table_as_of() returns */
	NUM_PARAMS
};

/* A table to rebuild, and what its rebuilding needs. */
typedef struct AsOfTable
{
	Oid			relid;			/* the table enable() was called on */
	int32		table_id;
	char	   *name;			/* as the caller named it, for messages */
	List	   *pkcols;			/* the primary key's column names */
	char	   *deleted_at;		/* its deleted_at column, NULL if none */
	bool		rls;			/* row-level security hides rows of it */
	bool		renamed;		/* a column renamed or dropped: map names */
	bool		key_renamed;	/* a key column renamed: no key lookups */
	bool		typed_keys;		/* key text depends on the writer's settings */
	Oid			argtypes[NUM_PARAMS];
	Datum		args[NUM_PARAMS];
	char		nulls[NUM_PARAMS];
} AsOfTable;

static char *
regclass_name(Oid relid)
{
	return DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
}

/* The names of relid's columns today. */
static List *
column_names(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *names = NIL;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			names = lappend(names, pstrdup(NameStr(TupleDescAttr(desc, i)->attname)));
	relation_close(rel, NoLock);
	return names;
}

/* How many audit rows of the table after at role reads (InvalidOid: the caller). */
static int64
count_later(int32 table_id, TimestampTz at, Oid role)
{
	Oid			argtypes[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		args[2];
	AsdSpi		spi;
	bool		isnull;
	int64		n;

	args[0] = Int32GetDatum(table_id);
	args[1] = TimestampTzGetDatum(at);
	asd_spi_connect(&spi, role, OidIsValid(role) ? SECURITY_RESTRICTED_OPERATION : 0);
	asd_spi_run("SELECT pg_catalog.count(*) FROM audit_softdelete.audit_logs l"
				" WHERE l.table_id OPERATOR(pg_catalog.=) $1 AND l.logged_at OPERATOR(pg_catalog.>) $2",
				2, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	asd_spi_finish(&spi);
	return n;
}

/*
 * The table's audit state, read as the caller: refuses a table not audited
 * today, a time before its history, a TRUNCATE since.
 */
static void
check_history(AsOfTable *t, TimestampTz at)
{
	static const char *query =
		"SELECT t.enabled AND t.audit,"
		" GREATEST(t.enabled_at,"
		"  (SELECT pg_catalog.max(l.logged_at) FROM audit_softdelete.audit_logs l"
		"    WHERE l.table_id OPERATOR(pg_catalog.=) t.table_id AND l.row_pk_hash IS NULL"
		"      AND (l.action OPERATOR(pg_catalog.=) 'ENABLE'"
		"           OR (l.action OPERATOR(pg_catalog.=) 'CONFIGURE'"
		"               AND l.changed_columns OPERATOR(pg_catalog.&&)"
		"                   '{audit,exclude_columns,redact_columns}'::pg_catalog.text[])))),"
		" (SELECT pg_catalog.min(l.logged_at) FROM audit_softdelete.audit_logs l"
		"   WHERE l.table_id OPERATOR(pg_catalog.=) t.table_id AND l.row_pk_hash IS NULL"
		"     AND l.action OPERATOR(pg_catalog.=) 'TRUNCATE'"
		"     AND l.logged_at OPERATOR(pg_catalog.>) $2),"
	/* excluded, redacted and added since: NULL */
		" coalesce((SELECT pg_catalog.jsonb_object_agg(c.c, NULL::pg_catalog.jsonb)"
		"             FROM (SELECT pg_catalog.unnest(t.exclude_columns OPERATOR(pg_catalog.||)"
		"                                            t.redact_columns)"
		"                   UNION SELECT h.name FROM audit_softdelete.column_history h"
		"                    WHERE h.table_id OPERATOR(pg_catalog.=) t.table_id AND h.until_id IS NULL"
		"                      AND NOT EXISTS (SELECT FROM audit_softdelete.column_history f"
		"                            WHERE f.table_id OPERATOR(pg_catalog.=) h.table_id"
		"                              AND f.column_id OPERATOR(pg_catalog.=) h.column_id"
		"                              AND (f.from_at IS NULL OR f.from_at OPERATOR(pg_catalog.<=) $2))) c(c)),"
		"          '{}'::pg_catalog.jsonb),"
		" t.columns OPERATOR(pg_catalog.->>) 'deleted_at',"
		" t.soft_delete OPERATOR(pg_catalog.<>) 'off',"
		" EXISTS (SELECT FROM audit_softdelete.column_history h"
		"   WHERE h.table_id OPERATOR(pg_catalog.=) t.table_id AND h.until_id IS NOT NULL),"
		" EXISTS (SELECT FROM audit_softdelete.column_history h, audit_softdelete.column_history k"
		"   WHERE h.table_id OPERATOR(pg_catalog.=) t.table_id AND h.until_id IS NOT NULL"
		"     AND k.table_id OPERATOR(pg_catalog.=) h.table_id AND k.column_id OPERATOR(pg_catalog.=) h.column_id"
		"     AND k.until_id IS NULL AND k.name OPERATOR(pg_catalog.=) ANY ($3)),"
	/* columns dropped since */
		" (SELECT pg_catalog.string_agg(d.name, ', ' ORDER BY d.name) FROM"
		"   (SELECT DISTINCT ON (h.column_id) h.name, h.until_id, h.until_at"
		"      FROM audit_softdelete.column_history h WHERE h.table_id OPERATOR(pg_catalog.=) t.table_id"
		"     ORDER BY h.column_id, h.until_id DESC NULLS FIRST) d"
		"   WHERE d.until_id IS NOT NULL AND d.until_at OPERATOR(pg_catalog.>) $2)"
		" FROM audit_softdelete.tracked_tables t"
		" WHERE t.table_id OPERATOR(pg_catalog.=) $1";
	Oid			argtypes[3] = {INT4OID, TIMESTAMPTZOID, TEXTARRAYOID};
	Datum		args[3];
	char	   *dropped;
	AsdSpi		spi;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull,
				audited;
	TimestampTz since;
	bool		truncated;
	TimestampTz truncated_at = 0;
	MemoryContext outer = CurrentMemoryContext;

	args[0] = Int32GetDatum(t->table_id);
	args[1] = TimestampTzGetDatum(at);
	args[2] = t->args[PARAM_KEY_COLUMNS];
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(query, 3, argtypes, args, NULL, SPI_OK_SELECT,
				ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no audit history", t->name)));
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	audited = DatumGetBool(SPI_getbinval(row, desc, 1, &isnull));
	since = DatumGetTimestampTz(SPI_getbinval(row, desc, 2, &isnull));
	SPI_getbinval(row, desc, 3, &truncated);
	truncated = !truncated;
	if (truncated)
		truncated_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 3, &isnull));
	t->args[PARAM_HIDDEN] = SPI_datumTransfer(SPI_getbinval(row, desc, 4, &isnull),
											  false, -1);
	t->nulls[PARAM_HIDDEN] = ' ';
	t->deleted_at = DatumGetBool(SPI_getbinval(row, desc, 6, &isnull)) ?
		SPI_getvalue(row, desc, 5) : NULL;
	if (t->deleted_at)
		t->deleted_at = MemoryContextStrdup(outer, t->deleted_at);
	t->renamed = DatumGetBool(SPI_getbinval(row, desc, 7, &isnull));
	t->key_renamed = DatumGetBool(SPI_getbinval(row, desc, 8, &isnull));
	dropped = SPI_getvalue(row, desc, 9);
	if (dropped)
		dropped = MemoryContextStrdup(outer, dropped);
	asd_spi_finish(&spi);

	if (!audited)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not audited", t->name),
				 errdetail("Changes made while auditing is off are not in the audit trail, so its past rows cannot be rebuilt from today's."),
				 errhint("Turn auditing on with audit_softdelete.enable(); times after that can be rebuilt.")));
	/* rows row-level security on audit_logs hides would be missed */
	if (asd_audit_logs_hides_rows() &&
		count_later(t->table_id, at, InvalidOid) != count_later(t->table_id, at, asd_extension_owner()))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" cannot be rebuilt as it was then", t->name),
				 errdetail("Row-level security on audit_logs hides from you audit rows of the table written since."),
				 errhint("Ask a role that may read them.")));
	if (at < since)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" has no history that early", t->name),
				 errdetail("Its history begins at %s, when its auditing began, resumed or last changed the columns it logs; earlier changes are not all in the audit trail.",
						   timestamptz_to_str(since))));
	if (truncated)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" cannot be rebuilt as it was before a TRUNCATE",
						t->name),
				 errdetail("It was truncated at %s, which removed rows without an audit row for each.",
						   timestamptz_to_str(truncated_at)),
				 errhint("Ask for a time after the TRUNCATE.")));
	if (dropped)
		ereport(NOTICE,
				(errmsg("columns of \"%s\" dropped since are left out: %s",
						t->name, dropped)));
}

/* The table named (a partition or live view stands for its table). */
static void
resolve_table(Oid named, TimestampTz at, AsOfTable *t)
{
	t->name = get_rel_name(named);
	t->table_id = asd_history_table_id(named, &t->relid);
	t->pkcols = asd_primary_key_columns(t->relid);
	if (t->pkcols == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key", t->name),
				 errdetail("Rows are rebuilt from their audit rows by their primary key.")));

	/* a key whose text depends on the writer's TimeZone: compared as values */
	t->typed_keys = asd_key_text_depends_on_settings(t->relid);

	t->argtypes[PARAM_KEY] = JSONBOID;
	t->argtypes[PARAM_TABLE_ID] = INT4OID;
	t->argtypes[PARAM_AT] = TIMESTAMPTZOID;
	t->argtypes[PARAM_KEY_COLUMNS] = TEXTARRAYOID;
	t->argtypes[PARAM_COLUMNS] = TEXTARRAYOID;
	t->argtypes[PARAM_HIDDEN] = JSONBOID;
	t->argtypes[PARAM_ROWTYPE] = get_rel_type_id(t->relid);
	memset(t->nulls, 'n', NUM_PARAMS);
	t->args[PARAM_TABLE_ID] = Int32GetDatum(t->table_id);
	t->nulls[PARAM_TABLE_ID] = ' ';
	t->args[PARAM_AT] = TimestampTzGetDatum(at);
	t->nulls[PARAM_AT] = ' ';
	t->args[PARAM_KEY_COLUMNS] = asd_text_array(t->pkcols);
	t->nulls[PARAM_KEY_COLUMNS] = ' ';
	t->args[PARAM_COLUMNS] = asd_text_array(column_names(t->relid));
	t->nulls[PARAM_COLUMNS] = ' ';
	/* a row it hides today looks gone: it is left out, not refused */
	t->rls = check_enable_rls(t->relid, InvalidOid, true) == RLS_ENABLED;
	check_history(t, at);
}

/*
 * "WITH ... later AS (...)": the table's audit rows after the time, their
 * keys and old values under today's column names.
 */
static void
append_later_rows(StringInfo q, AsOfTable *t)
{
	appendStringInfoString(q, "WITH ");
	if (t->renamed)
	{
		asd_append_names_cte(q, "$2");
		appendStringInfoString(q, ", ");
	}
	/* keys whose text depends on the writer's settings: as this session prints them */
	appendStringInfo(q, "later AS MATERIALIZED (SELECT l.id, l.action, %s AS row_pk, l.old_values"
					 " FROM (SELECT l.id, l.action, ",
					 t->typed_keys ? asd_audit_key_reprinted(t->relid, "l.row_pk") : "l.row_pk");
	if (t->renamed)
	{
		asd_append_todays_names(q, "l.row_pk", "l");
		appendStringInfoString(q, " AS row_pk, ");
		asd_append_todays_names(q, "l.old_values", "l");
		appendStringInfoString(q, " AS old_values");
	}
	else
		appendStringInfoString(q, "l.row_pk, l.old_values");
	appendStringInfoString(q,
						   " FROM audit_softdelete.audit_logs l"
						   " WHERE l.table_id OPERATOR(pg_catalog.=) $2"
						   " AND l.logged_at OPERATOR(pg_catalog.>) $3"
						   " AND l.row_pk IS NOT NULL) l)");
}

/* obj of the audit row l, under today's column names when any changed */
static char *
todays_names(AsOfTable *t, const char *obj)
{
	StringInfoData buf;

	if (!t->renamed)
		return pstrdup(obj);
	initStringInfo(&buf);
	asd_append_todays_names(&buf, obj, "l");
	return buf.data;
}

static void
report_changed_key(AsOfTable *t, int64 audit_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("table \"%s\" cannot be rebuilt across a change of a row's primary key",
					t->name),
			 errdetail("Audit row %lld changed the key; rows are followed by their key.",
					   (long long) audit_id)));
}

/* names: columns that are not in column_history, dropped or renamed before */
static void
report_unknown_columns(AsOfTable *t, const char *names)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("audit rows of \"%s\" name columns it no longer has: %s",
					t->name, names),
			 errdetail("Whether they were dropped or renamed is not known: it happened before column_history recorded the table's columns (version 1.1)."),
			 errhint("Ask for a time after the newest audit row that names them.")));
}

/*
 * For a whole table: refuses a primary key changed since the time, and
 * logged columns the table no longer has (not $5) that column_history does
 * not know.
 */
static void
check_later_rows(AsOfTable *t)
{
	StringInfoData q;
	AsdSpi		spi;
	bool		isnull;
	Datum		changed_key;

	initStringInfo(&q);
	append_later_rows(&q, t);
	appendStringInfoString(&q,
						   " SELECT (SELECT pg_catalog.min(p.id) FROM later p"
						   "   WHERE p.action OPERATOR(pg_catalog.=) ANY ('{UPDATE,RESTORE}'::pg_catalog.text[])"
						   "     AND p.old_values OPERATOR(pg_catalog.?|) $4),"
						   " g.g, pg_catalog.array_to_string(g.g, ', ')"
	/* the keys of all later old values, merged into one object first */
						   " FROM (SELECT pg_catalog.array_agg(k.k ORDER BY k.k)"
						   "   FROM pg_catalog.jsonb_object_keys((SELECT"
						   "     audit_softdelete.jsonb_merge_agg(p.old_values) FROM later p)) k(k)"
						   "  WHERE NOT k.k OPERATOR(pg_catalog.=) ANY ($5)) g(g)");

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(q.data, NUM_PARAMS - 1, t->argtypes, t->args, t->nulls,
				SPI_OK_SELECT, ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	changed_key = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		report_changed_key(t, DatumGetInt64(changed_key));
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (!isnull)
		report_unknown_columns(t, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
	asd_spi_finish(&spi);
}

/*
 * The query that rebuilds the table's rows: each row as jsonb, whether it
 * was lost from the trail, and its key.
 */
static char *
rebuild_query(AsOfTable *t)
{
	StringInfoData q;
	ListCell   *lc;
	bool		first = true;
	char	   *relname = regclass_name(t->relid);

	initStringInfo(&q);
	append_later_rows(&q, t);
	appendStringInfoString(&q,
						   ", ends AS (SELECT p.row_pk,"
						   " (pg_catalog.array_agg(p.action ORDER BY p.id))[1] AS first_action,"
						   " (pg_catalog.array_agg(p.action ORDER BY p.id DESC))[1] AS last_action,"
	/* the earliest old value of each column: merged newest first, the last wins */
						   " audit_softdelete.jsonb_merge_agg(p.old_values ORDER BY p.id DESC) AS olds"
						   " FROM later p GROUP BY p.row_pk)"
						   ", today AS (SELECT pg_catalog.jsonb_build_object(");
	foreach(lc, t->pkcols)
	{
		const char *col = lfirst(lc);

		appendStringInfo(&q, "%s%s, pg_catalog.to_jsonb(x.%s)", first ? "" : ", ",
						 quote_literal_cstr(col), quote_identifier(col));
		first = false;
	}
	appendStringInfo(&q, ") AS k, pg_catalog.to_jsonb(x.*) AS j FROM %s%s x",
					 get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 relname);
	appendStringInfoString(&q,
						   "), past AS ("
						   " SELECT CASE WHEN e.first_action OPERATOR(pg_catalog.=) 'INSERT' THEN NULL"
						   "  ELSE coalesce(c.j, '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||)"
						   "       coalesce(e.olds, '{}'::pg_catalog.jsonb) END AS j,"
						   "  e.first_action OPERATOR(pg_catalog.<>) 'INSERT' AND c.j IS NULL"
						   "  AND e.last_action OPERATOR(pg_catalog.<>) 'DELETE' AS lost,"
						   "  e.row_pk AS k"
						   " FROM ends e LEFT JOIN today c ON c.k OPERATOR(pg_catalog.=) e.row_pk"
						   " UNION ALL"
						   " SELECT c.j, false, c.k FROM today c"
						   "  WHERE NOT EXISTS (SELECT FROM ends e WHERE e.row_pk OPERATOR(pg_catalog.=) c.k))"
						   " SELECT p.j OPERATOR(pg_catalog.||) $6, p.lost, p.k"
						   " FROM past p WHERE p.j IS NOT NULL OR p.lost");
	return q.data;
}

/* key: the row's key, as its audit rows spell it */
static void
report_lost_row(AsOfTable *t, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("row %s of table \"%s\" cannot be rebuilt", key, t->name),
			 errdetail("The row is gone, and no audit row records its deletion.")));
}

/*
 * What one row's audit rows after the time say, read newest first in one
 * pass through the row-history index.
 */
typedef struct LaterRows
{
	bool		any;			/* there are some */
	char	   *first_action;	/* the earliest's action */
	char	   *last_action;	/* the newest's action */
	bool		inserted;		/* an INSERT among them */
	int64		changed_key;	/* the earliest that changed the key; 0: none */
	char	   *key;			/* the key as the newest of them spells it */
	Jsonb	   *olds;			/* their old values merged: the earliest wins */
} LaterRows;

/* Push obj's keys and values, in order, into an object being built. */
static void
push_pairs(JsonbParseState **state, Jsonb *obj)
{
	JsonbIterator *it = JsonbIteratorInit(&obj->root);
	JsonbIteratorToken token;
	JsonbValue	v;

	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (token == WJB_KEY || token == WJB_VALUE)
			(void) pushJsonbValue(state, token, &v);
}

/*
 * acc || each of values, in order, as jsonb_merge_agg() folds them: objects
 * are merged in one build (a key pushed later wins, as with ||) instead of
 * one || per value, each of which rebuilt the whole object.  Objects merged
 * so are freed, and the list with them.
 */
static Jsonb *
concat_all(Jsonb *acc, List *values)
{
	JsonbParseState *state = NULL;
	ListCell   *lc;
	bool		objects = (acc == NULL || JB_ROOT_IS_OBJECT(acc));
	Jsonb	   *result;

	if (values == NIL)
		return acc;
	foreach(lc, values)
		if (!JB_ROOT_IS_OBJECT((Jsonb *) lfirst(lc)))
			objects = false;
	if (!objects)
	{
		foreach(lc, values)
			acc = acc == NULL ? (Jsonb *) lfirst(lc) :
				DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(acc),
												   PointerGetDatum(lfirst(lc))));
		return acc;
	}
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (acc != NULL)
		push_pairs(&state, acc);
	foreach(lc, values)
		push_pairs(&state, (Jsonb *) lfirst(lc));
	result = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
	if (acc != NULL)
		pfree(acc);
	list_free_deep(values);
	return result;
}

/*
 * Read the row's audit rows after the time, newest first: through the
 * row-history index, which gives them in that order, unless the key had
 * other names (then every later audit row of the table, its key under
 * today's names).
 */
static void
read_later_rows(AsOfTable *t, LaterRows *later)
{
	StringInfoData q;
	AsdSpi		spi;
	Portal		portal;
	MemoryContext outer = CurrentMemoryContext;

	initStringInfo(&q);
	if (t->renamed)
	{
		appendStringInfoString(&q, "WITH ");
		asd_append_names_cte(&q, "$2");
		appendStringInfoChar(&q, ' ');
	}
	appendStringInfo(&q, "SELECT l.id, l.action, l.old_values, l.row_pk FROM (SELECT l.id, l.action,"
					 " %s AS row_pk, %s AS old_values"
					 " FROM audit_softdelete.audit_logs l"
					 " WHERE l.table_id OPERATOR(pg_catalog.=) $2"
					 " AND l.logged_at OPERATOR(pg_catalog.>) $3"
					 " AND l.row_pk IS NOT NULL",
					 todays_names(t, "l.row_pk"), todays_names(t, "l.old_values"));
	if (!t->key_renamed && !t->typed_keys)
		appendStringInfoString(&q,
							   " AND l.row_pk_hash OPERATOR(pg_catalog.=)"
							   " pg_catalog.jsonb_hash_extended($1, 0)"
							   " AND l.row_pk OPERATOR(pg_catalog.=) $1");
	appendStringInfoString(&q, ") l");
	if (t->typed_keys)
		appendStringInfo(&q, " WHERE %s", asd_audit_key_match(t->relid, "l.row_pk", "$1"));
	else if (t->renamed)
		appendStringInfoString(&q, " WHERE l.row_pk OPERATOR(pg_catalog.=) $1");
	appendStringInfoString(&q, " ORDER BY l.id DESC");

	memset(later, 0, sizeof(LaterRows));
	asd_spi_connect(&spi, InvalidOid, 0);
	portal = SPI_cursor_open_with_args(NULL, q.data, PARAM_AT + 1, t->argtypes,
									   t->args, t->nulls, true, CURSOR_OPT_NO_SCROLL);
	for (;;)
	{
		List	   *olds = NIL;
		uint64		i;
		MemoryContext oldcxt;

		SPI_cursor_fetch(portal, true, AS_OF_BATCH);
		if (SPI_processed == 0)
			break;
		oldcxt = MemoryContextSwitchTo(outer);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
			char	   *action = TextDatumGetCString(SPI_getbinval(row, desc, 2, &isnull));
			Datum		old = SPI_getbinval(row, desc, 3, &isnull);

			if (!later->any)
			{
				later->last_action = action;
				later->key = SPI_getvalue(row, desc, 4);
			}
			later->any = true;
			later->first_action = action;
			if (strcmp(action, "INSERT") == 0)
				later->inserted = true;
			if (isnull)
				continue;
			old = PointerGetDatum(PG_DETOAST_DATUM_COPY(old));
			if ((strcmp(action, "UPDATE") == 0 || strcmp(action, "RESTORE") == 0) &&
				DatumGetBool(DirectFunctionCall2(jsonb_exists_any, old,
												 t->args[PARAM_KEY_COLUMNS])))
				later->changed_key = id;
			olds = lappend(olds, DatumGetPointer(old));
		}
		later->olds = concat_all(later->olds, olds);
		MemoryContextSwitchTo(oldcxt);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	asd_spi_finish(&spi);
}

/*
 * The earliest audit row after the time that changed some row's key to
 * the key asked for ($1): the new key, the old values of its key columns
 * over it, is $1.  0 if none.
 */
static int64
earliest_key_change_to(AsOfTable *t)
{
	StringInfoData q;
	AsdSpi		spi;
	bool		isnull;
	Datum		id;
	char	   *before;

	/* the key before the change: the new one, the old values of its columns over it */
	before = psprintf("(%s OPERATOR(pg_catalog.||)"
					  " (SELECT pg_catalog.jsonb_object_agg(o.key, o.value)"
					  "    FROM pg_catalog.jsonb_each(%s) o"
					  "   WHERE o.key OPERATOR(pg_catalog.=) ANY ($4)))",
					  todays_names(t, "l.row_pk"), todays_names(t, "l.old_values"));
	initStringInfo(&q);
	if (t->renamed)
	{
		appendStringInfoString(&q, "WITH ");
		asd_append_names_cte(&q, "$2");
		appendStringInfoChar(&q, ' ');
	}
	appendStringInfo(&q,
					 "SELECT pg_catalog.min(l.id) FROM audit_softdelete.audit_logs l"
					 " WHERE l.table_id OPERATOR(pg_catalog.=) $2"
					 " AND l.logged_at OPERATOR(pg_catalog.>) $3"
					 " AND l.action OPERATOR(pg_catalog.=) ANY ('{UPDATE,RESTORE}'::pg_catalog.text[])"
					 " AND l.row_pk IS NOT NULL AND l.old_values IS NOT NULL"
					 " AND %s OPERATOR(pg_catalog.?|) $4 AND %s",
					 todays_names(t, "l.old_values"),
					 t->typed_keys ? asd_audit_key_match(t->relid, before, "$1") :
					 psprintf("%s OPERATOR(pg_catalog.=) $1", before));
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(q.data, PARAM_KEY_COLUMNS + 1, t->argtypes, t->args, t->nulls,
				SPI_OK_SELECT, ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	asd_spi_finish(&spi);
	return isnull ? 0 : DatumGetInt64(id);
}

/* Whether the row is there today, as the caller sees it (its key columns). */
static bool
exists_today(AsOfTable *t, const char *key_condition)
{
	AsdSpi		spi;
	bool		found;

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(psprintf("SELECT FROM %s%s x WHERE %s",
						 get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
						 regclass_name(t->relid), key_condition),
				1, t->argtypes, t->args, t->nulls, SPI_OK_SELECT,
				ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	found = (SPI_processed > 0);
	asd_spi_finish(&spi);
	return found;
}

/* The row today, as jsonb, read as the caller; NULL if none (or hidden). */
static Jsonb *
todays_row(AsOfTable *t, const char *key_condition)
{
	AsdSpi		spi;
	bool		isnull;
	Datum		row;
	Jsonb	   *result = NULL;

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(psprintf("SELECT pg_catalog.to_jsonb(x.*) FROM %s%s x WHERE %s",
						 get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
						 regclass_name(t->relid), key_condition),
				1, t->argtypes, t->args, t->nulls, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	if (SPI_processed > 0)
	{
		row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
			result = DatumGetJsonbP(SPI_datumTransfer(row, false, -1));
	}
	asd_spi_finish(&spi);
	return result;
}

/* For list_sort: names in the order ORDER BY gives text */
static int
compare_names(const ListCell *a, const ListCell *b)
{
	const char *x = lfirst(a);
	const char *y = lfirst(b);

	return varstr_cmp(x, strlen(x), y, strlen(y), DEFAULT_COLLATION_OID);
}

/*
 * Refuses what the trail cannot tell of one row, before its columns are
 * read today: a change of its key since the time (its own, or, when
 * another row may have had its key then, any row's change to it: the
 * UPDATE that changed a key is logged under the new key, so only a key no
 * row has today, or that a row took again later, can have been given up),
 * and logged columns the table no longer has that column_history does not
 * know.
 */
static void
check_later_row(AsOfTable *t, LaterRows *later, const char *key_condition)
{
	int64		changed = later->changed_key;
	Datum	   *columns;
	int			ncolumns;
	List	   *unknown = NIL;
	StringInfoData names;
	JsonbIterator *it;
	JsonbIteratorToken token;
	JsonbValue	v;
	ListCell   *lc;

	if (changed == 0 && (later->inserted || !exists_today(t, key_condition)))
		changed = earliest_key_change_to(t);
	if (changed != 0)
		report_changed_key(t, changed);

	if (later->olds == NULL || !JB_ROOT_IS_OBJECT(later->olds))
		return;
	deconstruct_array(DatumGetArrayTypeP(t->args[PARAM_COLUMNS]), TEXTOID, -1, false,
					  TYPALIGN_INT, &columns, NULL, &ncolumns);
	it = JsonbIteratorInit(&later->olds->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		int			i;
		bool		known = false;

		if (token != WJB_KEY)
			continue;
		for (i = 0; i < ncolumns && !known; i++)
			known = (VARSIZE_ANY_EXHDR(DatumGetPointer(columns[i])) == v.val.string.len &&
					 memcmp(VARDATA_ANY(DatumGetPointer(columns[i])), v.val.string.val,
							v.val.string.len) == 0);
		if (!known)
			unknown = lappend(unknown, pnstrdup(v.val.string.val, v.val.string.len));
	}
	if (unknown == NIL)
		return;
	list_sort(unknown, compare_names);
	initStringInfo(&names);
	foreach(lc, unknown)
		appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "", (char *) lfirst(lc));
	report_unknown_columns(t, names.data);
}

/*
 * row_as_of(tbl regclass, pk jsonb, at timestamptz) RETURNS jsonb
 *		The row of tbl named by pk as it was at at, as to_jsonb() of the row
 *		printed it; NULL if it did not exist then.
 *
 * Today's row, the earliest old value of each column its later audit rows
 * hold over it (read newest first in one pass, folded in C), and NULL for
 * excluded, redacted and newer columns.
 */
Datum
asd_row_as_of(PG_FUNCTION_ARGS)
{
	AsOfTable	t = {0};
	Jsonb	   *pk;
	Jsonb	   *stored;
	List	   *keys;
	AsdKeyMatch match;
	char	   *key_condition;
	Oid			argtypes[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];
	bool		isnull;
	LaterRows	later;
	Jsonb	   *today;
	Datum		result;

	asd_args_not_null(fcinfo, "table", "pk", "at", NULL);
	pk = PG_GETARG_JSONB_P(1);
	resolve_table(PG_GETARG_OID(0), PG_GETARG_TIMESTAMPTZ(2), &t);
	match = asd_match_key(pk, t.pkcols, &keys);
	if (match != ASD_KEY_MATCHES)
		asd_report_key_mismatch(match, t.pkcols, keys, get_rel_name(t.relid));

	/* the key as the row's audit rows spell it */
	stored = asd_history_stored_key(t.relid, pk);
	t.args[PARAM_KEY] = JsonbPGetDatum(stored ? stored : pk);
	t.nulls[PARAM_KEY] = ' ';
	args[0] = ObjectIdGetDatum(t.relid);
	args[1] = t.args[PARAM_KEY];
	key_condition = TextDatumGetCString(asd_call_internal_function("_key_condition", 2,
																   argtypes, args, &isnull));
	read_later_rows(&t, &later);
	check_later_row(&t, &later, key_condition);
	today = todays_row(&t, key_condition);

	if (later.any)
	{
		/* it did not exist yet */
		if (strcmp(later.first_action, "INSERT") == 0)
			PG_RETURN_NULL();
		/* gone without an audit row of its deletion, or hidden from the caller */
		if (today == NULL && strcmp(later.last_action, "DELETE") != 0)
		{
			if (!t.rls)
				report_lost_row(&t, later.key);
			PG_RETURN_NULL();
		}
	}
	else if (today == NULL)
		PG_RETURN_NULL();

	/* today's row (none if deleted since), the earliest old values over it */
	result = today ? JsonbPGetDatum(today) :
		DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	if (later.olds != NULL)
		result = DirectFunctionCall2(jsonb_concat, result, JsonbPGetDatum(later.olds));
	PG_RETURN_DATUM(DirectFunctionCall2(jsonb_concat, result, t.args[PARAM_HIDDEN]));
}

/*
 * table_as_of(rowtype anyelement, at timestamptz) RETURNS SETOF anyelement
 *		Every row of the table whose row type rowtype has, as the table
 *		stood at at.  Through a live view (view mode): its live rows then.
 */
Datum
asd_table_as_of(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AsOfTable	t = {0};
	Oid			rowtype;
	Oid			named;
	StringInfoData q;
	AsdSpi		spi;
	Portal		portal;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("at must not be null")));
	rowtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	named = type_is_rowtype(rowtype) ? get_typ_typrelid(rowtype) : InvalidOid;
	if (!OidIsValid(named))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("rowtype must be a table's row type, not %s",
						format_type_be(rowtype)),
				 errhint("Pass a typed NULL: audit_softdelete.table_as_of(NULL::my_table, ...).")));
	if (get_rel_relkind(named) != RELKIND_RELATION &&
		get_rel_relkind(named) != RELKIND_PARTITIONED_TABLE &&
		get_rel_relkind(named) != RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", regclass_name(named))));
	if (get_rel_relispartition(named))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table_as_of() rebuilds a partitioned table whole, not \"%s\", one of its partitions",
						get_rel_name(named)),
				 errhint("Pass the partitioned table's row type, and filter its rows.")));

	resolve_table(named, PG_GETARG_TIMESTAMPTZ(1), &t);
	check_later_rows(&t);

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT pg_catalog.jsonb_populate_record($7, %s), r.lost, r.k"
					 " FROM (%s) r(j, lost, k)",
					 asd_populate_json(t.relid, "r.j"), rebuild_query(&t));
	/* through the live view: only the rows that were live */
	if (named != t.relid && t.deleted_at != NULL)
		appendStringInfo(&q, " WHERE r.lost OR (r.j OPERATOR(pg_catalog.->>) %s) IS NULL",
						 quote_literal_cstr(t.deleted_at));
	t.argtypes[PARAM_ROWTYPE] = rowtype;

	InitMaterializedSRF(fcinfo, 0);
	asd_spi_connect(&spi, InvalidOid, 0);
	portal = SPI_cursor_open_with_args(NULL, q.data, NUM_PARAMS, t.argtypes, t.args,
									   t.nulls, true, CURSOR_OPT_NO_SCROLL);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, AS_OF_BATCH);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			bool		isnull;
			HeapTupleHeader rec;
			HeapTupleData tuple;

			if (DatumGetBool(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull)))
			{
				if (!t.rls)
					report_lost_row(&t, SPI_getvalue(row, SPI_tuptable->tupdesc, 3));
				continue;
			}
			rec = DatumGetHeapTupleHeader(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
			tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
			ItemPointerSetInvalid(&tuple.t_self);
			tuple.t_tableOid = InvalidOid;
			tuple.t_data = rec;
			tuplestore_puttuple(rsinfo->setResult, &tuple);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	asd_spi_finish(&spi);

	return (Datum) 0;
}
