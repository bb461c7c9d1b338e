/*-------------------------------------------------------------------------
 *
 * revert.c
 *	  revert_table_to(): put a whole table back as it was at a time, as
 *	  ordinary audited writes.
 *
 * The table as it was comes from table_as_of() (as_of.c), which refuses
 * what the audit trail cannot tell.  Each row is compared with today's, on
 * the columns the trail knows: not the created_* and updated_* stamps
 * (each write stamps its own), generated columns (they follow), excluded
 * and redacted columns (the trail holds no value for them) or columns
 * added since (there was none then).  A row there today and not then is
 * deleted, soft-deleted where the table has soft delete; a row there then
 * and not today is inserted again, its created_* kept; a row that differs
 * gets the values it had, its deleted_at included.
 *
 * A redacted column changed since would stay as it is today: that is the
 * conflict that refuses the call, unless force.  The table is locked
 * against other writers (SHARE ROW EXCLUSIVE) from the comparison on.  Everything runs as the
 * caller, and the writes carry {"undo": {"table": ..., "at": ...}} in their
 * context.
 *
 * IDENTIFICATION
 *	  src/revert.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/relation.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "call_check.h"
#include "history.h"
#include "internal.h"
#include "key_compare.h"
#include "owner.h"
#include "sql_text.h"
#include "tracked.h"
#include "undo.h"

PG_FUNCTION_INFO_V1(asd_revert_table_to);

/* Columns of the table added since at (column_history). */
static List *
added_since(int32 table_id, TimestampTz at)
{
	AsdSpi		spi;
	Oid			argtypes[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		args[2];
	List	   *names = NIL;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;

	args[0] = Int32GetDatum(table_id);
	args[1] = TimestampTzGetDatum(at);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT h.name FROM audit_softdelete.column_history h"
				" WHERE h.table_id OPERATOR(pg_catalog.=) $1 AND h.until_id IS NULL"
				" AND NOT EXISTS (SELECT FROM audit_softdelete.column_history f"
				"  WHERE f.table_id OPERATOR(pg_catalog.=) h.table_id"
				"    AND f.column_id OPERATOR(pg_catalog.=) h.column_id"
				"    AND (f.from_at IS NULL OR f.from_at OPERATOR(pg_catalog.<=) $2))",
				2, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		names = lappend(names, MemoryContextStrdup(outer, name));
	}
	asd_spi_finish(&spi);
	return names;
}

/* A redacted column changed since at: its value then is not known. */
static char *
redacted_change(int32 table_id, TimestampTz at, List *redacted)
{
	AsdSpi		spi;
	Oid			argtypes[3] = {INT4OID, TIMESTAMPTZOID, TEXTARRAYOID};
	Datum		args[3];
	char	   *found = NULL;
	MemoryContext outer = CurrentMemoryContext;

	if (redacted == NIL)
		return NULL;
	args[0] = Int32GetDatum(table_id);
	args[1] = TimestampTzGetDatum(at);
	args[2] = asd_text_array(redacted);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT pg_catalog.min(l.id)::pg_catalog.text FROM audit_softdelete.audit_logs l"
				" WHERE l.table_id OPERATOR(pg_catalog.=) $1 AND l.logged_at OPERATOR(pg_catalog.>) $2"
				" AND l.new_values OPERATOR(pg_catalog.?|) $3",
				3, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	found = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (found)
		found = MemoryContextStrdup(outer, found);
	asd_spi_finish(&spi);
	return found;
}

/* "c1, c2" or "r.c1, r.c2" of the names in a text[] datum */
static char *
column_list(ArrayType *names, const char *prefix)
{
	Datum	   *elems;
	int			n;
	int			i;
	StringInfoData buf;

	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s%s", i > 0 ? ", " : "", prefix,
						 quote_identifier(TextDatumGetCString(elems[i])));
	return buf.data;
}

/* The table being reverted, as its writes need it. */
typedef struct RevertTable
{
	Oid			relid;
	Oid			target;			/* deletes go through the live view in view mode */
	AsdTableOptions *opts;
	char	   *past_row;		/* $2 as jsonb_populate_record() reads it */
} RevertTable;

/* One row to write back, copied out of the comparison. */
typedef struct RevertRow
{
	RevertTable *table;
	char		kind;			/* 'd' delete, 'i' insert again, 'u' update */
	Jsonb	   *pk;
	Jsonb	   *past;			/* the row then */
	ArrayType  *columns;		/* 'u': the columns that differ; 'i': all compared */
} RevertRow;

static void
write_row(void *arg)
{
	RevertRow  *r = arg;
	Oid			relid = r->table->relid;
	Oid			target = r->table->target;
	Oid			types[2] = {JSONBOID, JSONBOID};
	Datum		vals[2];
	char	   *cond = asd_row_key_condition(relid, r->pk);
	AsdSpi		spi;
	int			role;

	vals[0] = JsonbPGetDatum(r->pk);
	vals[1] = r->past ? JsonbPGetDatum(r->past) : (Datum) 0;
	asd_spi_connect(&spi, InvalidOid, 0);
	if (r->kind == 'd')
	{
		/* not there then: deleted (soft where the table has it) */
		asd_spi_run(psprintf("DELETE FROM %s%s x WHERE %s",
							 target == relid ? asd_only(relid) : "", asd_qualified_name(target),
							 cond),
					1, types, vals, NULL, SPI_OK_DELETE, 0);
	}
	else if (r->kind == 'i')
	{
		/* gone since: inserted again, created_* as they were */
		StringInfoData stamps;
		StringInfoData stamp_values;

		initStringInfo(&stamps);
		initStringInfo(&stamp_values);
		for (role = ASD_CREATED_AT; role <= ASD_CREATED_BY; role++)
			if (r->table->opts->stamps && r->table->opts->column_names[role] &&
				get_attnum(relid, r->table->opts->column_names[role]) > 0)
			{
				appendStringInfo(&stamps, ", %s",
								 quote_identifier(r->table->opts->column_names[role]));
				appendStringInfo(&stamp_values, ", r.%s",
								 quote_identifier(r->table->opts->column_names[role]));
			}
		asd_undo_reinserting = relid;
		PG_TRY();
		{
			asd_spi_run(psprintf("INSERT INTO %s (%s%s) OVERRIDING SYSTEM VALUE SELECT %s%s"
								 " FROM pg_catalog.jsonb_populate_record(NULL::%s, %s) r",
								 asd_qualified_name(relid), column_list(r->columns, ""), stamps.data,
								 column_list(r->columns, "r."), stamp_values.data,
								 asd_qualified_name(relid), r->table->past_row),
						2, types, vals, NULL, SPI_OK_INSERT, 0);
		}
		PG_FINALLY();
		{
			asd_undo_reinserting = InvalidOid;
		}
		PG_END_TRY();
	}
	else
		asd_spi_run(psprintf("UPDATE %s%s x SET (%s) = (SELECT %s FROM"
							 " pg_catalog.jsonb_populate_record(NULL::%s, %s) r) WHERE %s",
							 asd_only(relid), asd_qualified_name(relid),
							 column_list(r->columns, ""), column_list(r->columns, "r."),
							 asd_qualified_name(relid), r->table->past_row, cond),
					2, types, vals, NULL, SPI_OK_UPDATE, 0);
	/* a row to write, and none written */
	if (r->kind != 'd' && SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot revert table \"%s\": its %s of row %s wrote nothing",
						get_rel_name(relid), r->kind == 'i' ? "INSERT" : "UPDATE",
						JsonbToCString(NULL, &r->pk->root, VARSIZE(r->pk))),
				 r->kind == 'i' ?
				 errdetail("A BEFORE trigger returned NULL.") :
				 errdetail("A BEFORE trigger returned NULL, row-level security kept the row from the UPDATE, or the row is gone.")));
	asd_spi_finish(&spi);
}

/*
 * revert_table_to(tbl regclass, at timestamptz, force boolean DEFAULT false)
 *		RETURNS bigint
 *		Put tbl back as it was at at; returns how many rows it wrote.
 */
Datum
asd_revert_table_to(PG_FUNCTION_ARGS)
{
	Oid			tbl;
	TimestampTz at;
	bool		force;
	Oid			relid;
	int32		table_id;
	AsdTableOptions opts;
	List	   *pkcols;
	List	   *compared = NIL;
	List	   *added;
	List	   *skipped;
	char	   *redacted_id;
	Relation	rel;
	TupleDesc	desc;
	StringInfoData key;
	StringInfoData q;
	ListCell   *lc;
	Oid			argtypes[2] = {TIMESTAMPTZOID, TEXTARRAYOID};
	Datum		args[2];
	AsdSpi		spi;
	uint64		i;
	int64		written = 0;
	List	   *writes = NIL;
	RevertTable table;
	MemoryContext outer = CurrentMemoryContext;
	char	   *saved;
	char	   *deleted_today;
	Oid			target;
	int			role;

	asd_args_not_null(fcinfo, "table", "at", "force", NULL);
	tbl = PG_GETARG_OID(0);
	at = PG_GETARG_TIMESTAMPTZ(1);
	force = PG_GETARG_BOOL(2);

	table_id = asd_history_table_id(tbl, &relid);
	if (!asd_read_table_options(relid, &opts) || !opts.enabled || !opts.audit)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not audited", get_rel_name(relid)),
				 errdetail("A revert is written like any change, and must be audited."),
				 errhint("Turn auditing on with audit_softdelete.enable().")));
	pkcols = asd_primary_key_columns(relid);
	if (pkcols == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key", get_rel_name(relid)),
				 errdetail("A revert matches rows by their primary key.")));

	redacted_id = redacted_change(table_id, at, opts.redact_columns);
	if (redacted_id && !force)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot revert table \"%s\": a redacted column changed since",
						get_rel_name(relid)),
				 errdetail("Audit row %s changed a redacted column, whose value then the audit trail does not hold.",
						   redacted_id),
				 errhint("Pass force => true to revert the rest and leave redacted columns as they are.")));

	/* the columns the trail knows, compared and written back */
	added = added_since(table_id, at);
	skipped = list_concat(list_concat(list_copy(opts.exclude_columns), opts.redact_columns),
						  added);
	/* stamps the writes set; without stamps, such columns are the table's own */
	for (role = 0; role < ASD_NUM_STAMP_ROLES; role++)
		if (opts.stamps && opts.column_names[role])
			skipped = lappend(skipped, opts.column_names[role]);
	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->attgenerated ||
			asd_list_has_name(skipped, NameStr(att->attname)))
			continue;
		compared = lappend(compared, pstrdup(NameStr(att->attname)));
	}
	relation_close(rel, NoLock);

	initStringInfo(&key);
	foreach(lc, pkcols)
		appendStringInfo(&key, "%s%s, %%1$s OPERATOR(pg_catalog.->) %s",
						 key.len > 0 ? ", " : "", quote_literal_cstr(lfirst(lc)),
						 quote_literal_cstr(lfirst(lc)));

	/* a row soft-deleted today is as good as gone */
	deleted_today = (opts.soft_delete != ASD_SOFT_DELETE_OFF && opts.column_names[ASD_DELETED_AT]) ?
		psprintf("(t.j OPERATOR(pg_catalog.->>) %s) IS NOT NULL",
				 quote_literal_cstr(opts.column_names[ASD_DELETED_AT])) : "false";

	/* then and today, side by side, by key; the columns that differ */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "WITH past AS (SELECT pg_catalog.to_jsonb(p.*) AS j"
					 "  FROM audit_softdelete.table_as_of(NULL::%s, $1) p),"
					 " today AS (SELECT pg_catalog.to_jsonb(x.*) AS j FROM %s%s x)"
					 " SELECT pg_catalog.jsonb_build_object(%s), p.j, t.j,"
					 "  ARRAY(SELECT c FROM pg_catalog.unnest($2) c(c)"
					 "   WHERE (p.j OPERATOR(pg_catalog.->) c) IS DISTINCT FROM (t.j OPERATOR(pg_catalog.->) c)),"
					 " %s"
					 " FROM past p FULL JOIN today t"
					 "  ON pg_catalog.jsonb_build_object(%s) OPERATOR(pg_catalog.=) pg_catalog.jsonb_build_object(%s)"
					 " ORDER BY 1",
					 asd_qualified_name(relid), asd_only(relid), asd_qualified_name(relid),
					 psprintf(key.data, "coalesce(p.j, t.j)"),
					 deleted_today,
					 psprintf(key.data, "p.j"), psprintf(key.data, "t.j"));
	args[0] = TimestampTzGetDatum(at);
	args[1] = asd_text_array(compared);

	{
		StringInfoData what;

		initStringInfo(&what);
		appendStringInfoString(&what, "{\"table\": ");
		escape_json(&what, asd_qualified_name(relid));
		appendStringInfoString(&what, ", \"at\": ");
		escape_json(&what, timestamptz_to_str(at));
		appendStringInfoChar(&what, '}');
		saved = asd_set_undo_context(what.data);
	}

	target = relid;
	if (opts.soft_delete == ASD_SOFT_DELETE_VIEW && opts.view_name)
		target = get_relname_relid(opts.view_name, get_rel_namespace(relid));
	table.relid = relid;
	table.target = target;
	table.opts = &opts;
	/* once for all the rows: it reads the catalogs of the table's types */
	table.past_row = asd_populate_json(relid, "$2");

	asd_spi_connect(&spi, InvalidOid, 0);

	/*
	 * No write of another transaction between the comparison and the
	 * writes: one that committed after the comparison read today's rows
	 * would stay, and one waiting on a row lock would be overwritten or
	 * overwrite.  Reads go on.  Taken by the caller, as LOCK TABLE, so that
	 * it takes the privileges LOCK TABLE asks.
	 */
	asd_spi_run(psprintf("LOCK TABLE %s%s IN SHARE ROW EXCLUSIVE MODE",
						 asd_only(relid), asd_qualified_name(relid)),
				0, NULL, NULL, NULL, SPI_OK_UTILITY, 0);
	asd_spi_run(q.data, 2, argtypes, args, NULL, SPI_OK_SELECT, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	rowdesc = SPI_tuptable->tupdesc;
		bool		nopast,
					notoday,
					isnull;
		Datum		past = SPI_getbinval(row, rowdesc, 2, &nopast);
		ArrayType  *changed = DatumGetArrayTypeP(SPI_getbinval(row, rowdesc, 4, &isnull));
		MemoryContext old;
		RevertRow  *r;

		SPI_getbinval(row, rowdesc, 3, &notoday);
		if (!nopast && !notoday && ArrayGetNItems(ARR_NDIM(changed), ARR_DIMS(changed)) == 0)
			continue;
		/* not there then, and soft-deleted today: as good as gone */
		if (nopast && DatumGetBool(SPI_getbinval(row, rowdesc, 5, &isnull)))
			continue;
		old = MemoryContextSwitchTo(outer);
		r = palloc0(sizeof(RevertRow));
		r->table = &table;
		r->kind = nopast ? 'd' : notoday ? 'i' : 'u';
		r->pk = DatumGetJsonbPCopy(SPI_getbinval(row, rowdesc, 1, &isnull));
		r->past = nopast ? NULL : DatumGetJsonbPCopy(past);
		r->columns = r->kind == 'i' ? DatumGetArrayTypePCopy(args[1]) :
			DatumGetArrayTypePCopy(PointerGetDatum(changed));
		writes = lappend(writes, r);
		MemoryContextSwitchTo(old);
	}
	asd_spi_finish(&spi);

	/*
	 * In key order; a write a foreign key refuses (a row that needs one
	 * written after it) is put off and tried again after the rest, until a
	 * round writes nothing more: then the first refusal is raised.
	 */
	while (writes != NIL)
	{
		List	   *put_off = NIL;
		ErrorData  *error = NULL;

		foreach(lc, writes)
		{
			if (asd_write_or_put_off(write_row, lfirst(lc), &error))
				written++;
			else
				put_off = lappend(put_off, lfirst(lc));
		}
		if (put_off != NIL && list_length(put_off) == list_length(writes))
			ReThrowError(error);
		writes = put_off;
	}
	asd_restore_undo_context(saved);

	PG_RETURN_INT64(written);
}
