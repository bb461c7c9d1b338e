/*-------------------------------------------------------------------------
 *
 * restore.c
 *	  restore(): bring back a soft-deleted row and what its delete
 *	  cascaded to.
 *
 * restore() runs with the caller's rights: it finds and updates the rows
 * as the caller, so that the caller's privileges and row-level security
 * apply and the rows' triggers fire as for the caller's own UPDATE.  What a
 * soft delete cascaded to is remembered in soft_delete_cascades, which only
 * the extension owner reads and writes.  It is read here and nowhere else:
 * for a row restore_row() has just restored, in the same call, and only
 * for the children the caller may read and update; and a child's entry is
 * forgotten only once the child is restored (one hidden from the caller by
 * row-level security, or kept deleted by a trigger, stays deleted, and
 * remembered).  No SQL function hands out or forgets the bookkeeping.
 *
 * IDENTIFICATION
 *	  src/restore.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "call_check.h"
#include "cascade.h"
#include "internal.h"
#include "key_compare.h"
#include "owner.h"
#include "sql_text.h"
#include "relinfo.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_restore);

/* A row a soft delete cascaded to, as soft_delete_cascades names it. */
typedef struct CascadedRow
{
	Oid			relid;
	Jsonb	   *pk;
	int32		table_id;
} CascadedRow;

/*
 * The key of a row as the cascade bookkeeping records it
 * (asd_bookkeeping_key), from a row of the SELECT in restore(): the
 * relation holding it (tableoid, a partition of a partitioned table) is
 * column 2, the values of its key columns keycols follow.
 */
static Jsonb *
bookkeeping_key(HeapTuple row, TupleDesc desc, List *keycols)
{
	bool		isnull;
	Relation	rel = relation_open(DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull)),
									AccessShareLock);
	AsdRelInfo *info = asd_get_relinfo(rel);
	Datum	   *values = palloc0(sizeof(Datum) * info->natts);
	bool	   *nulls = palloc(sizeof(bool) * info->natts);
	Jsonb	   *key;
	ListCell   *lc;
	int			i;

	for (i = 0; i < info->natts; i++)
		nulls[i] = true;
	foreach(lc, keycols)
	{
		for (i = 0; i < info->natts; i++)
		{
			if (info->columns[i].name != NULL &&
				strcmp(info->columns[i].name, lfirst(lc)) == 0)
				values[i] = SPI_getbinval(row, desc, 3 + foreach_current_index(lc),
										  &nulls[i]);
		}
	}
	key = asd_bookkeeping_key(info, values, nulls);
	relation_close(rel, NoLock);
	return key;
}

/*
 * Read from soft_delete_cascades what parent's soft delete at deleted_at
 * cascaded to: only for children the caller may read and update, and only
 * right after restore_row() restored parent.
 */
static List *
cascaded_children(Oid parent, Jsonb *parent_pk, Datum deleted_at)
{
	static const char *query =
		"SELECT ch.relid, c.child_pk, c.child_table_id"
		" FROM audit_softdelete.soft_delete_cascades c,"
		" audit_softdelete.tracked_tables p, audit_softdelete.tracked_tables ch"
		" WHERE p.relid OPERATOR(pg_catalog.=) $1"
		" AND c.parent_table_id OPERATOR(pg_catalog.=) p.table_id"
		" AND c.parent_pk OPERATOR(pg_catalog.=) $2"
		" AND c.deleted_at OPERATOR(pg_catalog.=) $3"
		" AND ch.table_id OPERATOR(pg_catalog.=) c.child_table_id"
		" AND pg_catalog.has_table_privilege($4, ch.relid, 'SELECT')"
		" AND pg_catalog.has_table_privilege($4, ch.relid, 'UPDATE')";
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[4] = {REGCLASSOID, JSONBOID, TIMESTAMPTZOID, OIDOID};
	Datum		args[4];
	AsdSpi		spi;
	List	   *result = NIL;
	uint64		i;

	args[0] = ObjectIdGetDatum(parent);
	args[1] = JsonbPGetDatum(parent_pk);
	args[2] = deleted_at;
	args[3] = ObjectIdGetDatum(GetUserId());

	asd_spi_connect_as_owner(&spi);
	asd_spi_run(query, 4, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
		CascadedRow *child = palloc(sizeof(CascadedRow));

		child->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		child->pk = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		child->table_id = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		result = lappend(result, child);
		MemoryContextSwitchTo(oldcxt);
	}
	asd_spi_finish(&spi);
	return result;
}

/* Forget that parent's soft delete at deleted_at cascaded to child. */
static void
forget_cascaded(Oid parent, Jsonb *parent_pk, Datum deleted_at,
				CascadedRow *child)
{
	static const char *query =
		"DELETE FROM audit_softdelete.soft_delete_cascades c"
		" USING audit_softdelete.tracked_tables p"
		" WHERE p.relid OPERATOR(pg_catalog.=) $1"
		" AND c.parent_table_id OPERATOR(pg_catalog.=) p.table_id"
		" AND c.parent_pk OPERATOR(pg_catalog.=) $2"
		" AND c.deleted_at OPERATOR(pg_catalog.=) $3"
		" AND c.child_table_id OPERATOR(pg_catalog.=) $4"
		" AND c.child_pk OPERATOR(pg_catalog.=) $5";
	Oid			argtypes[5] = {REGCLASSOID, JSONBOID, TIMESTAMPTZOID, INT4OID, JSONBOID};
	Datum		args[5];
	AsdSpi		spi;

	args[0] = ObjectIdGetDatum(parent);
	args[1] = JsonbPGetDatum(parent_pk);
	args[2] = deleted_at;
	args[3] = Int32GetDatum(child->table_id);
	args[4] = JsonbPGetDatum(child->pk);

	asd_spi_connect_as_owner(&spi);
	asd_spi_run(query, 5, argtypes, args, NULL, SPI_OK_DELETE, 0);
	asd_spi_finish(&spi);
}

/*
 * Restore the row of relid with key pk (as the bookkeeping writes keys)
 * deleted at deleted_at, then what its soft delete cascaded to.  Returns
 * the number of rows restored.  *done says whether a cascade's record of
 * the row has served: the row is restored, or the caller sees it no longer
 * deleted at that time (restored or deleted again on its own since).
 */
static int64
restore_row(Oid relid, Jsonb *pk, Datum deleted_at, bool *done)
{
	AsdTableOptions opts;
	const char *at;
	char	   *query;
	Oid			argtypes[2] = {JSONBOID, TIMESTAMPTZOID};
	Datum		args[2];
	AsdSpi		spi;
	int64		restored;
	List	   *children;
	ListCell   *lc;

	check_stack_depth();
	if (!asd_read_table_options(relid, &opts))
		elog(ERROR, "table \"%s\" is not in audit_softdelete.tracked_tables",
			 get_rel_name(relid));
	at = quote_identifier(opts.column_names[ASD_DELETED_AT]);
	query = psprintf("UPDATE %s%s x SET %s = NULL, %s = NULL WHERE %s"
					 " AND x.%s OPERATOR(pg_catalog.=) $2",
					 asd_only(relid), asd_qualified_name(relid), at,
					 quote_identifier(opts.column_names[ASD_DELETED_BY]),
					 asd_row_key_condition(relid, pk), at);
	args[0] = JsonbPGetDatum(pk);
	args[1] = deleted_at;

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(query, 2, argtypes, args, NULL, SPI_OK_UPDATE, 0);
	restored = SPI_processed;
	*done = restored > 0;

	/*
	 * Not restored: deleted again on its own since (not ours to bring
	 * back), or hidden from the caller, or kept deleted by a trigger.
	 */
	if (restored == 0)
	{
		query = psprintf("SELECT 1 FROM %s%s x WHERE %s"
						 " AND (x.%s IS NULL OR x.%s OPERATOR(pg_catalog.<>) $2)",
						 asd_only(relid), asd_qualified_name(relid),
						 asd_row_key_condition(relid, pk), at, at);
		asd_spi_run(query, 2, argtypes, args, NULL, SPI_OK_SELECT,
					ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
		*done = SPI_processed > 0;
		asd_spi_finish(&spi);
		return 0;
	}
	asd_spi_finish(&spi);

	children = cascaded_children(relid, pk, deleted_at);
	foreach(lc, children)
	{
		CascadedRow *child = lfirst(lc);
		bool		child_done;

		restored += restore_row(child->relid, child->pk, deleted_at, &child_done);
		/* hidden from the caller, or kept deleted by a trigger: remembered */
		if (child_done)
			forget_cascaded(relid, pk, deleted_at, child);
	}
	return restored;
}

/*
 * restore(tbl regclass, pk jsonb) RETURNS bigint
 *		Bring back the soft-deleted row of tbl named by its whole primary
 *		key, and exactly the rows its delete cascaded to.
 */
Datum
asd_restore(PG_FUNCTION_ARGS)
{
	Oid			tbl;
	Jsonb	   *pk;
	Oid			real;
	char	   *relname;
	List	   *pkcols;
	List	   *keys;
	AsdKeyMatch match;
	AsdTableOptions opts;
	ListCell   *lc;
	char	   *query;
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1];
	AsdSpi		spi;
	bool		isnull;
	Datum		deleted_at;
	StringInfoData keycols;
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext oldcxt;
	Jsonb	   *row_pk;
	bool		done;

	asd_args_not_null(fcinfo, "table", "pk", NULL);
	tbl = PG_GETARG_OID(0);
	pk = PG_GETARG_JSONB_P(1);

	real = asd_resolve_soft_delete_table(tbl, true);
	relname = get_rel_name(real);

	pkcols = asd_primary_key_columns(real);
	if (pkcols == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key", relname),
				 errdetail("restore() finds the row by its primary key.")));
	match = asd_match_key(pk, pkcols, &keys);
	if (match != ASD_KEY_MATCHES)
		asd_report_key_mismatch(match, pkcols, keys, relname);

	/*
	 * Find the row as the caller sees it (privileges and row-level security
	 * apply), converting the key to the columns' types, and lock it; read
	 * its key's own values, and which partition holds it.
	 */
	if (!asd_read_table_options(real, &opts))
		elog(ERROR, "table \"%s\" is not in audit_softdelete.tracked_tables", relname);
	initStringInfo(&keycols);
	foreach(lc, pkcols)
		appendStringInfo(&keycols, ", x.%s", quote_identifier(lfirst(lc)));
	query = psprintf("SELECT x.%s, x.tableoid%s FROM %s%s x WHERE %s FOR UPDATE OF x",
					 quote_identifier(opts.column_names[ASD_DELETED_AT]), keycols.data,
					 asd_only(real), asd_qualified_name(real), asd_row_key_condition(real, pk));
	args[0] = JsonbPGetDatum(pk);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(query, 1, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_ONE_ROW);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no row with key %s in table \"%s\"",
						JsonbToCString(NULL, &pk->root, VARSIZE(pk)), relname)));
	deleted_at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" is not deleted",
						JsonbToCString(NULL, &pk->root, VARSIZE(pk)), relname)));

	/*
	 * The key as the cascade bookkeeping recorded it, whatever spelling of
	 * its values the caller used: written by the same function, for the
	 * relation the row's triggers fired on.
	 */
	oldcxt = MemoryContextSwitchTo(cxt);
	row_pk = bookkeeping_key(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, pkcols);
	MemoryContextSwitchTo(oldcxt);
	asd_spi_finish(&spi);
	if (row_pk == NULL)
		elog(ERROR, "row %s of table \"%s\" has no key",
			 JsonbToCString(NULL, &pk->root, VARSIZE(pk)), relname);

	PG_RETURN_INT64(restore_row(real, row_pk, deleted_at, &done));
}
