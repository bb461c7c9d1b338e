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

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(asd_restore);

/* A row a soft delete cascaded to, as soft_delete_cascades names it. */
typedef struct CascadedRow
{
	Oid			relid;
	Jsonb	   *pk;
	int32		table_id;
} CascadedRow;

static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* ONLY for a plain table: its inheritance children are tables of their own. */
static const char *
only(Oid relid)
{
	return get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ";
}

/* The WHERE clause that finds a row by its key: see _key_condition. */
static char *
key_condition(Oid relid, Jsonb *pk)
{
	Oid			argtypes[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];
	bool		isnull;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = JsonbPGetDatum(pk);
	return TextDatumGetCString(asd_call_internal_function("_key_condition", 2, argtypes,
														  args, &isnull));
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
	Oid			save_userid;
	int			save_sec;
	List	   *result = NIL;
	uint64		i;

	args[0] = ObjectIdGetDatum(parent);
	args[1] = JsonbPGetDatum(parent_pk);
	args[2] = deleted_at;
	args[3] = ObjectIdGetDatum(GetUserId());

	asd_become_extension_owner(&save_userid, &save_sec);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 4, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read audit_softdelete.soft_delete_cascades");
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
	SPI_finish();
	asd_restore_user(save_userid, save_sec);
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
	Oid			save_userid;
	int			save_sec;

	args[0] = ObjectIdGetDatum(parent);
	args[1] = JsonbPGetDatum(parent_pk);
	args[2] = deleted_at;
	args[3] = Int32GetDatum(child->table_id);
	args[4] = JsonbPGetDatum(child->pk);

	asd_become_extension_owner(&save_userid, &save_sec);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 5, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not forget a row of audit_softdelete.soft_delete_cascades");
	SPI_finish();
	asd_restore_user(save_userid, save_sec);
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
					 only(relid), qualified_name(relid), at,
					 quote_identifier(opts.column_names[ASD_DELETED_BY]),
					 key_condition(relid, pk), at);
	args[0] = JsonbPGetDatum(pk);
	args[1] = deleted_at;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not restore a row of \"%s\"", get_rel_name(relid));
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
						 only(relid), qualified_name(relid),
						 key_condition(relid, pk), at, at);
		if (SPI_execute_with_args(query, 2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read a row of \"%s\"", get_rel_name(relid));
		*done = SPI_processed > 0;
		SPI_finish();
		return 0;
	}
	SPI_finish();

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
	bool		isnull;
	Datum		deleted_at;
	Oid			row_table;
	ItemPointerData row_tid;
	Datum	   *names;
	Oid			keytypes[4] = {REGCLASSOID, OIDOID, TIDOID, TEXTARRAYOID};
	Datum		keyargs[4];
	Jsonb	   *row_pk;
	bool		done;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "table" : "pk")));
	tbl = PG_GETARG_OID(0);
	pk = PG_GETARG_JSONB_P(1);

	if (get_rel_name(tbl) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", tbl)));
	real = asd_soft_delete_table(tbl);
	if (!OidIsValid(real))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not enabled for soft delete", get_rel_name(tbl)),
				 errhint("Enable it with audit_softdelete.enable('%s', soft_delete => 'trigger').",
						 DatumGetCString(DirectFunctionCall1(regclassout,
															 ObjectIdGetDatum(tbl))))));
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
	 * apply), converting the key to the columns' types, and lock it.
	 */
	if (!asd_read_table_options(real, &opts))
		elog(ERROR, "table \"%s\" is not in audit_softdelete.tracked_tables", relname);
	query = psprintf("SELECT x.%s, x.tableoid, x.ctid FROM %s%s x WHERE %s FOR UPDATE OF x",
					 quote_identifier(opts.column_names[ASD_DELETED_AT]),
					 only(real), qualified_name(real), key_condition(real, pk));
	args[0] = JsonbPGetDatum(pk);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read table \"%s\"", relname);
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
	row_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2, &isnull));
	row_tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 3, &isnull));
	SPI_finish();

	/*
	 * The key as the cascade bookkeeping recorded it, whatever spelling of
	 * its values the caller used (see _bookkeeping_key).
	 */
	names = palloc(sizeof(Datum) * list_length(pkcols));
	i = 0;
	foreach(lc, pkcols)
		names[i++] = CStringGetTextDatum(lfirst(lc));
	keyargs[0] = ObjectIdGetDatum(real);
	keyargs[1] = ObjectIdGetDatum(row_table);
	keyargs[2] = PointerGetDatum(&row_tid);
	keyargs[3] = PointerGetDatum(construct_array(names, i, TEXTOID, -1, false, TYPALIGN_INT));
	row_pk = DatumGetJsonbP(asd_call_internal_function("_bookkeeping_key", 4, keytypes,
													   keyargs, &isnull));
	if (isnull)
		elog(ERROR, "row %s of table \"%s\" has no key",
			 JsonbToCString(NULL, &pk->root, VARSIZE(pk)), relname);

	PG_RETURN_INT64(restore_row(real, row_pk, deleted_at, &done));
}
