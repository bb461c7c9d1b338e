/*-------------------------------------------------------------------------
 *
 * undo.c
 *	  undo() and undo_transaction(): take logged changes back, as new
 *	  writes, audited like any other.
 *
 *	UPDATE		the old values of its changed columns put back
 *	INSERT		the row deleted (soft-deleted where the table has soft delete)
 *	SOFT_DELETE	the row restored, with what its delete cascaded to (restore())
 *	RESTORE		the row soft-deleted again
 *	DELETE		the whole old row inserted again, its created_* kept
 *
 * A change is not taken back over a later one: if any later audit row of
 * the row (other than the transaction's own, for undo_transaction) changed
 * a column the undo would write, or a key column (another row moved onto
 * the key), the call fails naming the columns and the audit rows, unless
 * force.  A later change undone since, with the undo that took it back,
 * is no conflict, so changes can be undone newest first.  Every change is
 * checked before anything is written, and a failure leaves nothing
 * written.
 *
 * Everything runs as the caller: the audit rows are read with the caller's
 * SELECT on audit_logs, the table is written with the caller's privileges,
 * row-level security and triggers, through the live view for a delete in
 * view mode.  Only where row-level security on audit_logs hides audit rows
 * from the caller are they looked for again as the extension owner (the
 * transaction's, and later changes of the row, through the index): hidden
 * ones refuse the call, unnamed.  Old audit rows name columns as they were
 * then; they are read under today's names (column_history).  The undo's
 * own audit rows carry {"undo": {"audit_id": ...}} or {"undo": {"txid":
 * ...}} in their context, added to the caller's.
 *
 * IDENTIFICATION
 *	  src/undo.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/xid8.h"

#include "call_check.h"
#include "column_history.h"
#include "history.h"
#include "internal.h"
#include "key_compare.h"
#include "owner.h"
#include "sql_text.h"
#include "tracked.h"
#include "undo.h"

PG_FUNCTION_INFO_V1(asd_undo);
PG_FUNCTION_INFO_V1(asd_undo_transaction);

/* stamp.c keeps the created_* of the row an undone DELETE inserts again */
Oid			asd_undo_reinserting = InvalidOid;

/* One logged change to take back, its names today's. */
typedef struct UndoChange
{
	int64		id;
	int32		table_id;
	char	   *action;
	Jsonb	   *raw_pk;			/* row_pk as stored */
	Jsonb	   *row_pk;			/* row_pk under today's column names */
	Jsonb	   *old_values;
	Jsonb	   *new_values;
	char	   *dropped;		/* its columns dropped since, or NULL */
	/* redacted and excluded when it was written (today's names), or NULL: as today */
	Jsonb	   *redacted_then;
	Jsonb	   *excluded_then;
	/* resolved by check_change() */
	AsdTableOptions opts;
	char	   *relname;
	List	   *pkcols;
	List	   *columns;		/* the columns the undo writes */
} UndoChange;

static Jsonb *
jsonb_or_null(HeapTuple row, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	return isnull ? NULL : DatumGetJsonbPCopy(d);
}

/* The keys of a JSON object, as a list of C strings. */
static List *
object_keys(Jsonb *obj)
{
	List	   *keys = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;

	if (obj == NULL || !JB_ROOT_IS_OBJECT(obj))
		return NIL;
	it = JsonbIteratorInit(&obj->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (token == WJB_KEY)
			keys = lappend(keys, pnstrdup(v.val.string.val, v.val.string.len));
	return keys;
}

/*
 * The columns option (redact_columns or exclude_columns) held when audit
 * row l was written, as an object keyed by today's names: the old value
 * of the first later change of the table's options that changed it (a
 * CONFIGURE, or the DISABLE that logs them all); NULL when none did since,
 * so that today's options held then too.
 */
static void
append_option_then(StringInfo q, const char *option)
{
	char	   *list = psprintf("(SELECT pg_catalog.jsonb_object_agg(o.name, true)"
								" FROM pg_catalog.jsonb_array_elements_text(c.old_values"
								" OPERATOR(pg_catalog.->) '%s') o(name))", option);

	appendStringInfoString(q, ", (SELECT coalesce(");
	asd_append_todays_names(q, list, "c");
	appendStringInfo(q, ", '{}'::pg_catalog.jsonb) FROM audit_softdelete.audit_logs c"
					 " WHERE c.table_id OPERATOR(pg_catalog.=) l.table_id AND c.row_pk_hash IS NULL"
					 " AND c.id OPERATOR(pg_catalog.>) l.id"
					 " AND c.old_values OPERATOR(pg_catalog.?) '%s'"
					 " ORDER BY c.id LIMIT 1)", option);
}

/*
 * The audit rows "l.id = $1" or "l.txid = $1" names, newest first, read as
 * the caller, with their keys under today's column names.
 */
static List *
load_changes(const char *condition, Oid argtype, Datum arg)
{
	StringInfoData q;
	AsdSpi		spi;
	List	   *changes = NIL;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;

	initStringInfo(&q);
	appendStringInfoString(&q, "WITH ");
	asd_append_names_cte(&q, NULL);
	appendStringInfoString(&q, " SELECT l.id, l.table_id, l.action, l.row_pk, ");
	asd_append_todays_names(&q, "l.row_pk", "l");
	appendStringInfoString(&q, ", ");
	asd_append_todays_names(&q, "l.old_values", "l");
	appendStringInfoString(&q, ", ");
	asd_append_todays_names(&q, "l.new_values", "l");
	appendStringInfo(&q, ", (SELECT pg_catalog.string_agg(e.key, ', ' ORDER BY e.key)"
					 " FROM pg_catalog.jsonb_each(coalesce(l.new_values, l.old_values)) e"
					 " JOIN names n ON n.table_id OPERATOR(pg_catalog.=) l.table_id"
					 "  AND n.name OPERATOR(pg_catalog.=) e.key AND l.id OPERATOR(pg_catalog.>) n.from_id"
					 "  AND l.id OPERATOR(pg_catalog.<) n.until_id WHERE n.today IS NULL)");
	append_option_then(&q, "redact_columns");
	append_option_then(&q, "exclude_columns");
	appendStringInfo(&q, " FROM audit_softdelete.audit_logs l WHERE %s ORDER BY l.id DESC",
					 condition);

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(q.data, 1, &argtype, &arg, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(outer);
		UndoChange *c = palloc0(sizeof(UndoChange));
		bool		isnull;

		c->id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		c->table_id = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
		c->action = TextDatumGetCString(SPI_getbinval(row, desc, 3, &isnull));
		c->raw_pk = jsonb_or_null(row, desc, 4);
		c->row_pk = jsonb_or_null(row, desc, 5);
		c->old_values = jsonb_or_null(row, desc, 6);
		c->new_values = jsonb_or_null(row, desc, 7);
		c->dropped = SPI_getvalue(row, desc, 8);
		c->redacted_then = jsonb_or_null(row, desc, 9);
		c->excluded_then = jsonb_or_null(row, desc, 10);
		changes = lappend(changes, c);
		MemoryContextSwitchTo(old);
	}
	asd_spi_finish(&spi);
	return changes;
}

/* The table of a change, which must be there and audited now. */
static void
resolve_table(UndoChange *c)
{
	AsdSpi		spi;
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1];
	Oid			relid = InvalidOid;

	args[0] = Int32GetDatum(c->table_id);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT t.relid::pg_catalog.oid FROM audit_softdelete.tracked_tables t"
				" WHERE t.table_id OPERATOR(pg_catalog.=) $1",
				1, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	if (SPI_processed == 1)
	{
		bool		isnull;

		relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
	}
	asd_spi_finish(&spi);
	if (!OidIsValid(relid) || !asd_read_table_options(relid, &c->opts))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the table of audit row %lld no longer exists", (long long) c->id)));
	c->relname = get_rel_name(relid);
	if (!c->opts.enabled || !c->opts.audit)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not audited", c->relname),
				 errdetail("An undo is written like any change, and must be audited."),
				 errhint("Turn auditing on with audit_softdelete.enable().")));
	c->pkcols = asd_primary_key_columns(relid);
	if (c->pkcols == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key", c->relname),
				 errdetail("An undo finds the row by its primary key.")));
}

/*
 * Is name a stamp column the undo's own write sets?  Without stamps, a
 * column of that name is the table's own, written back like any other.
 */
static bool
is_stamp_column(UndoChange *c, const char *name)
{
	int			role;

	if (!c->opts.stamps)
		return false;
	for (role = 0; role < ASD_NUM_STAMP_ROLES; role++)
		if (c->opts.column_names[role] && strcmp(c->opts.column_names[role], name) == 0)
			return true;
	return false;
}

/* The columns the undo of c writes (or, for a delete, must not collide on). */
static List *
undo_columns(UndoChange *c)
{
	List	   *keys;
	List	   *columns = NIL;
	ListCell   *lc;

	if (strcmp(c->action, "SOFT_DELETE") == 0 || strcmp(c->action, "RESTORE") == 0)
		return list_make2(c->opts.column_names[ASD_DELETED_AT],
						  c->opts.column_names[ASD_DELETED_BY]);
	keys = object_keys(strcmp(c->action, "DELETE") == 0 ? c->old_values : c->new_values);
	foreach(lc, keys)
	{
		AttrNumber	attnum = get_attnum(c->opts.relid, lfirst(lc));

		/* stamps are set by the undo's own write; generated columns follow */
		if (is_stamp_column(c, lfirst(lc)) || attnum <= 0 ||
			get_attgenerated(c->opts.relid, attnum) != '\0')
			continue;
		columns = lappend(columns, lfirst(lc));
	}
	return columns;
}

/*
 * Run a query about the later changes of a row: $1 its key, $2 its
 * table_id, $3 the audit id undone, $4 the columns watched, $5 the key as
 * stored, and $6 the transaction undone with it (in_transaction).
 */
static void
run_later_query(const char *query, Datum *args, bool in_transaction, Datum txid)
{
	Oid			types[6] = {JSONBOID, INT4OID, INT8OID, TEXTARRAYOID, JSONBOID, XID8OID};
	Datum		values[6];

	memcpy(values, args, 5 * sizeof(Datum));
	values[5] = txid;
	asd_spi_run(query, in_transaction ? 6 : 5, types, values, NULL, SPI_OK_SELECT,
				ASD_SPI_LATEST);
}

/*
 * Of the later changes of a row in SPI_tuptable (id, txid, the audit id
 * and the txid its context says it undid; newest first), those taken back
 * since, and the undos that took them back: a condition leaving them out
 * of the conflicts, or "".  An undo() cancels the change it names; the
 * changes of one undo_transaction() together cancel every change of the
 * transaction they name.  A change cancelled in turn (an undo undone)
 * cancels nothing.  So undoing the later changes first clears the way.
 */
static char *
undone_since(void)
{
	uint64		n = SPI_processed;
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool	   *out = palloc0(sizeof(bool) * (n + 1));
	bool	   *hit = palloc0(sizeof(bool) * (n + 1));
	char	  **ids = palloc(sizeof(char *) * (n + 1));
	char	  **txids = palloc(sizeof(char *) * (n + 1));
	char	  **undid_ids = palloc(sizeof(char *) * (n + 1));
	char	  **undid_txids = palloc(sizeof(char *) * (n + 1));
	bool		any = false;
	StringInfoData cond;
	uint64		i,
				j;

	for (i = 0; i < n; i++)
	{
		ids[i] = SPI_getvalue(SPI_tuptable->vals[i], desc, 1);
		txids[i] = SPI_getvalue(SPI_tuptable->vals[i], desc, 2);
		undid_ids[i] = SPI_getvalue(SPI_tuptable->vals[i], desc, 3);
		undid_txids[i] = SPI_getvalue(SPI_tuptable->vals[i], desc, 4);
	}
	for (i = 0; i < n; i++)
	{
		bool		found = false;
		bool		whole = true;

		if (out[i] || (undid_ids[i] == NULL && undid_txids[i] == NULL))
			continue;
		memset(hit, 0, sizeof(bool) * n);
		for (j = 0; j < n; j++)
		{
			if (undid_ids[i] && j > i && strcmp(ids[j], undid_ids[i]) == 0)
				hit[j] = found = true;
			else if (undid_txids[i] && strcmp(txids[j], undid_txids[i]) == 0)
				hit[j] = found = true;
			/* the other changes of the same undo_transaction() */
			else if (undid_txids[i] && j != i && undid_txids[j] &&
					 strcmp(undid_txids[j], undid_txids[i]) == 0 &&
					 strcmp(txids[j], txids[i]) == 0)
				hit[j] = true;
			else
				continue;
			if (out[j])
				whole = false;
		}
		if (!found || !whole)
			continue;
		out[i] = any = true;
		for (j = 0; j < n; j++)
			out[j] |= hit[j];
	}
	if (!any)
		return "";
	initStringInfo(&cond);
	appendStringInfoString(&cond, " AND x.id OPERATOR(pg_catalog.<>) ALL ('{");
	for (i = 0, j = 0; i < n; i++)
		if (out[i])
			appendStringInfo(&cond, "%s%s", j++ > 0 ? "," : "", ids[i]);
	appendStringInfoString(&cond, "}'::pg_catalog.int8[])");
	return cond.data;
}

/*
 * The later changes of a row (args as run_later_query() takes them) that
 * changed a watched column, and were not undone since: "\"col\" by audit
 * rows 1, 2; ..." or "".  Read as role (InvalidOid: the caller).  Found
 * through the row-history index by the key's text, unless typed_match
 * (the key's text depends on the writer's settings, a timestamptz key and
 * TimeZone): then every later audit row of the table, its key compared as
 * values.
 */
static char *
later_conflicts(Datum *args, bool in_transaction, Datum txid,
				const char *typed_match, Oid role)
{
	StringInfoData later;
	StringInfoData q;
	StringInfoData conflicts;
	const char *match;
	char	   *undone;
	AsdSpi		spi;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;

	initStringInfo(&later);
	appendStringInfoString(&later, "(SELECT l.id, l.txid, l.context, ");
	asd_append_todays_names(&later, "l.row_pk", "l");
	appendStringInfoString(&later, " AS row_pk, ");
	asd_append_todays_names(&later, "coalesce(l.new_values, l.old_values)", "l");
	appendStringInfo(&later,
					 " AS touched FROM audit_softdelete.audit_logs l"
					 " WHERE l.table_id OPERATOR(pg_catalog.=) $2 AND l.id OPERATOR(pg_catalog.>) $3"
					 " AND l.row_pk IS NOT NULL%s%s) x",
					 typed_match ? "" :
					 " AND l.row_pk_hash OPERATOR(pg_catalog.=) ANY (ARRAY[pg_catalog.jsonb_hash_extended($1, 0),"
					 "  pg_catalog.jsonb_hash_extended($5, 0)])",
					 in_transaction ? " AND l.txid OPERATOR(pg_catalog.<>) $6" : "");
	match = typed_match ? typed_match : "x.row_pk OPERATOR(pg_catalog.=) $1";

	initStringInfo(&conflicts);
	asd_spi_connect(&spi, role, OidIsValid(role) ? SECURITY_RESTRICTED_OPERATION : 0);

	/* the later changes taken back since, with their undos: no conflict */
	initStringInfo(&q);
	appendStringInfoString(&q, "WITH ");
	asd_append_names_cte(&q, "$2");
	appendStringInfo(&q,
					 " SELECT x.id, x.txid::pg_catalog.text,"
					 " x.context OPERATOR(pg_catalog.#>>) '{undo,audit_id}',"
					 " x.context OPERATOR(pg_catalog.#>>) '{undo,txid}'"
					 " FROM %s WHERE %s ORDER BY x.id DESC",
					 later.data, match);
	run_later_query(q.data, args, in_transaction, txid);
	undone = undone_since();

	/* the others, by column: keys of their new (or old) values */
	initStringInfo(&q);
	appendStringInfoString(&q, "WITH ");
	asd_append_names_cte(&q, "$2");
	appendStringInfo(&q,
					 " SELECT k.k, pg_catalog.string_agg(x.id::pg_catalog.text, ', ' ORDER BY x.id),"
					 " pg_catalog.count(*)"
					 " FROM %s, pg_catalog.jsonb_object_keys(x.touched) k(k)"
					 " WHERE %s AND k.k OPERATOR(pg_catalog.=) ANY ($4)%s"
					 " GROUP BY k.k ORDER BY k.k",
					 later.data, match, undone);
	run_later_query(q.data, args, in_transaction, txid);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
													SPI_tuptable->tupdesc, 3, &isnull));
		MemoryContext old = MemoryContextSwitchTo(outer);

		appendStringInfo(&conflicts, "%s\"%s\" by audit row%s %s", i > 0 ? "; " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
						 n > 1 ? "s" : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		MemoryContextSwitchTo(old);
	}
	asd_spi_finish(&spi);
	return conflicts.data;
}

/*
 * Check that c can be taken back: a change of a row, in an audited table,
 * with values the trail holds, and no later change of its columns (other
 * than those of the transaction txid, being undone with it) unless force.
 */
static void
check_change(UndoChange *c, bool force, Datum txid, bool in_transaction)
{
	AsdSpi		spi;
	Datum		args[5];
	ListCell   *lc;
	List	   *watched;
	List	   *redacted_then;
	char	   *conflicts;

	if (c->raw_pk == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("audit row %lld (%s) cannot be undone", (long long) c->id, c->action),
				 strcmp(c->action, "TRUNCATE") == 0 ?
				 errdetail("The rows a TRUNCATE removed are not in the audit trail.") :
				 errdetail("It records a change of the table's auditing: call audit_softdelete.enable() or disable().")));
	resolve_table(c);
	c->columns = undo_columns(c);

	/*
	 * values written back must be in the trail: not redacted today, nor
	 * when the audit row was written (a marker then, whatever it is now)
	 */
	redacted_then = object_keys(c->redacted_then);
	if (strcmp(c->action, "UPDATE") == 0 || strcmp(c->action, "DELETE") == 0)
		foreach(lc, c->columns)
		{
			if (asd_list_has_name(c->opts.redact_columns, lfirst(lc)))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot undo audit row %lld: column \"%s\" of \"%s\" is redacted",
								(long long) c->id, (char *) lfirst(lc), c->relname),
						 errdetail("The audit trail holds a marker, not its old value.")));
			if (asd_list_has_name(redacted_then, lfirst(lc)))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot undo audit row %lld: column \"%s\" of \"%s\" was redacted when it was logged",
								(long long) c->id, (char *) lfirst(lc), c->relname),
						 errdetail("The audit trail holds a marker, not its old value.")));
		}

	/*
	 * The row locked first, and the later changes read after, with the
	 * latest snapshot: a change committed while this waited for the lock
	 * is seen, not overwritten.
	 */
	if (strcmp(c->action, "DELETE") != 0)
	{
		Oid			keytype[1] = {JSONBOID};
		Datum		key[1] = {JsonbPGetDatum(c->row_pk)};

		asd_spi_connect(&spi, InvalidOid, 0);
		asd_spi_run(psprintf("SELECT FROM %s%s x WHERE %s FOR UPDATE OF x",
							 asd_only(c->opts.relid), asd_qualified_name(c->opts.relid),
							 asd_row_key_condition(c->opts.relid, c->row_pk)),
					1, keytype, key, NULL, SPI_OK_SELECT, 0);
		asd_spi_finish(&spi);
	}
	if (force)
		return;

	args[0] = JsonbPGetDatum(c->row_pk);
	args[1] = Int32GetDatum(c->table_id);
	args[2] = Int64GetDatum(c->id);
	/*
	 * A later change of the key columns under this key is another row
	 * taking the key (an UPDATE of its key, or an INSERT): the row written
	 * would not be the row the audit row logged.
	 */
	watched = list_copy(c->columns);
	foreach(lc, c->pkcols)
		if (!asd_list_has_name(watched, lfirst(lc)))
			watched = lappend(watched, lfirst(lc));
	args[3] = asd_text_array(watched);
	args[4] = JsonbPGetDatum(c->raw_pk);

	conflicts = later_conflicts(args, in_transaction, txid,
								asd_audit_key_match(c->opts.relid, "x.row_pk", "$1"),
								InvalidOid);
	if (conflicts[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot undo audit row %lld: row %s of \"%s\" has changed since",
						(long long) c->id,
						JsonbToCString(NULL, &c->row_pk->root, VARSIZE(c->row_pk)),
						c->relname),
				 errdetail("Changed since: %s.", conflicts),
				 errhint("Undo the later changes first, or pass force => true to overwrite them.")));

	/*
	 * Row-level security on audit_logs may hide later changes from the
	 * caller: looked for again as the extension owner (through the index,
	 * no code of the table's types run), and named by nothing but that.
	 */
	if (asd_audit_logs_hides_rows() &&
		later_conflicts(args, in_transaction, txid, NULL, asd_extension_owner())[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot undo audit row %lld: row %s of \"%s\" has changed since",
						(long long) c->id,
						JsonbToCString(NULL, &c->row_pk->root, VARSIZE(c->row_pk)),
						c->relname),
				 errdetail("Audit rows that row-level security hides from you changed columns the undo would write."),
				 errhint("Ask a role that may read them, or pass force => true to overwrite them.")));
}

static void
report_row_gone(UndoChange *c)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("cannot undo audit row %lld: no row %s in \"%s\"",
					(long long) c->id,
					JsonbToCString(NULL, &c->row_pk->root, VARSIZE(c->row_pk)), c->relname),
			 errdetail("The row is gone, or hidden from you by row-level security.")));
}

/* The undo's write of a row that is there wrote nothing. */
static void
report_skipped(UndoChange *c, const char *command)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot undo audit row %lld: its %s of row %s in \"%s\" wrote nothing",
					(long long) c->id, command,
					JsonbToCString(NULL, &c->row_pk->root, VARSIZE(c->row_pk)), c->relname),
			 strcmp(command, "INSERT") == 0 ?
			 errdetail("A BEFORE trigger returned NULL.") :
			 errdetail("A BEFORE trigger returned NULL, or row-level security kept the row from the %s.",
					   command)));
}

/* The old values of c's changed columns, put back. */
static void
undo_update(UndoChange *c)
{
	Oid			relid = c->opts.relid;
	StringInfoData q;
	StringInfoData targets;
	StringInfoData sources;
	ListCell   *lc;
	Oid			argtypes[2] = {JSONBOID, JSONBOID};
	Datum		args[2];
	AsdSpi		spi;

	initStringInfo(&targets);
	initStringInfo(&sources);
	foreach(lc, c->columns)
	{
		const char *col = quote_identifier(lfirst(lc));

		appendStringInfo(&targets, "%s%s", targets.len > 0 ? ", " : "", col);
		appendStringInfo(&sources, "%sr.%s", sources.len > 0 ? ", " : "", col);
	}
	if (targets.len == 0)
		return;
	/*
	 * The old values over the row as it is: the columns they leave out
	 * (the key's among them) are not read as NULL, which a NOT NULL domain
	 * refuses.  The row is x.*, never a bare x, which names the table's
	 * column x where it has one.
	 */
	initStringInfo(&q);
	appendStringInfo(&q, "UPDATE %s%s x SET (%s) = (SELECT %s FROM"
					 " pg_catalog.jsonb_populate_record(x.*, %s) r) WHERE %s",
					 asd_only(relid), asd_qualified_name(relid), targets.data, sources.data,
					 asd_populate_json(relid, "$2"), asd_row_key_condition(relid, c->row_pk));
	args[0] = JsonbPGetDatum(c->row_pk);
	args[1] = JsonbPGetDatum(c->old_values);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run(q.data, 2, argtypes, args, NULL, SPI_OK_UPDATE, 0);
	if (SPI_processed == 0)
	{
		/* gone, or there and the UPDATE skipped it (a trigger, a policy) */
		asd_spi_run(psprintf("SELECT FROM %s%s x WHERE %s", asd_only(relid),
							 asd_qualified_name(relid), asd_row_key_condition(relid, c->row_pk)),
					1, argtypes, args, NULL, SPI_OK_SELECT, 0);
		if (SPI_processed == 0)
			report_row_gone(c);
		report_skipped(c, "UPDATE");
	}
	asd_spi_finish(&spi);
}

/* c's row deleted: soft-deleted where the table has soft delete. */
static void
undo_insert(UndoChange *c)
{
	Oid			relid = c->opts.relid;
	Oid			target = relid;
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1];
	AsdSpi		spi;
	char	   *cond = asd_row_key_condition(relid, c->row_pk);

	args[0] = JsonbPGetDatum(c->row_pk);
	asd_spi_connect(&spi, InvalidOid, 0);
	/* the row must be there: a soft delete reports no row either way */
	asd_spi_run(psprintf("SELECT FROM %s%s x WHERE %s FOR UPDATE OF x",
						 asd_only(relid), asd_qualified_name(relid), cond),
				1, argtypes, args, NULL, SPI_OK_SELECT, 0);
	if (SPI_processed == 0)
		report_row_gone(c);
	/* in view mode, DELETE through the live view soft-deletes */
	if (c->opts.soft_delete == ASD_SOFT_DELETE_VIEW && c->opts.view_name)
		target = get_relname_relid(c->opts.view_name, get_rel_namespace(relid));
	asd_spi_run(psprintf("DELETE FROM %s%s x WHERE %s",
						 target == relid ? asd_only(relid) : "", asd_qualified_name(target), cond),
				1, argtypes, args, NULL, SPI_OK_DELETE, 0);
	asd_spi_finish(&spi);
}

/*
 * c's soft-deleted row restored, with what its delete cascaded to.  A row
 * live again is left as it is: undo_transaction() brought it back with the
 * row its delete cascaded from (restore() of the parent restores its
 * children, whose own SOFT_DELETE rows the transaction logged too; a
 * child is refused before its parent, whose key the child references).
 * A live row found by undo() of one change is a later change, refused
 * unless forced: then there is nothing to restore.
 */
static void
undo_soft_delete(UndoChange *c)
{
	Oid			argtypes[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];
	AsdSpi		spi;
	const char *deleted_at = c->opts.column_names[ASD_DELETED_AT];

	args[0] = ObjectIdGetDatum(c->opts.relid);
	args[1] = JsonbPGetDatum(c->row_pk);
	asd_spi_connect(&spi, InvalidOid, 0);
	if (deleted_at != NULL)
	{
		/* the key is $1 */
		asd_spi_run(psprintf("SELECT FROM %s%s x WHERE %s AND x.%s IS NULL",
							 asd_only(c->opts.relid), asd_qualified_name(c->opts.relid),
							 asd_row_key_condition(c->opts.relid, c->row_pk),
							 quote_identifier(deleted_at)),
					1, &argtypes[1], &args[1], NULL, SPI_OK_SELECT, 0);
		if (SPI_processed > 0)
		{
			asd_spi_finish(&spi);
			return;
		}
	}
	asd_spi_run("SELECT audit_softdelete.restore($1, $2)", 2, argtypes, args, NULL,
				SPI_OK_SELECT, 0);
	asd_spi_finish(&spi);
}

/* c's whole old row inserted again, created_* as they were. */
static void
undo_delete(UndoChange *c)
{
	Oid			relid = c->opts.relid;
	StringInfoData q;
	StringInfoData cols;
	StringInfoData vals;
	ListCell   *lc;
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1];
	AsdSpi		spi;
	List	   *excluded;

	initStringInfo(&cols);
	initStringInfo(&vals);
	foreach(lc, object_keys(c->old_values))
	{
		const char *name = lfirst(lc);
		AttrNumber	attnum = get_attnum(relid, name);

		/* generated columns are computed again */
		if (attnum <= 0 || get_attgenerated(relid, attnum) != '\0')
			continue;
		appendStringInfo(&cols, "%s%s", cols.len > 0 ? ", " : "", quote_identifier(name));
		appendStringInfo(&vals, "%sr.%s", vals.len > 0 ? ", " : "", quote_identifier(name));
	}
	/* the columns excluded when the DELETE was logged, not today's */
	excluded = c->excluded_then ? object_keys(c->excluded_then) : c->opts.exclude_columns;
	if (excluded != NIL)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, excluded)
			appendStringInfo(&names, "%s\"%s\"", names.len > 0 ? ", " : "",
							 (char *) lfirst(lc));
		ereport(NOTICE,
				(errmsg("excluded columns of \"%s\" are not in the audit trail: the row gets their defaults",
						c->relname),
				 errdetail("Excluded when audit row %lld was written: %s.",
						   (long long) c->id, names.data)));
	}
	initStringInfo(&q);
	appendStringInfo(&q, "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s"
					 " FROM pg_catalog.jsonb_populate_record(NULL::%s, %s) r",
					 asd_qualified_name(relid), cols.data, vals.data, asd_qualified_name(relid),
					 asd_populate_json(relid, "$1"));
	args[0] = JsonbPGetDatum(c->old_values);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_undo_reinserting = relid;
	PG_TRY();
	{
		asd_spi_run(q.data, 1, argtypes, args, NULL, SPI_OK_INSERT, 0);
	}
	PG_FINALLY();
	{
		asd_undo_reinserting = InvalidOid;
	}
	PG_END_TRY();
	if (SPI_processed == 0)
		report_skipped(c, "INSERT");
	asd_spi_finish(&spi);
}

static void
undo_change(UndoChange *c)
{
	if (c->dropped)
		ereport(NOTICE,
				(errmsg("columns of \"%s\" dropped since are skipped: %s",
						c->relname, c->dropped)));
	if (strcmp(c->action, "UPDATE") == 0)
		undo_update(c);
	else if (strcmp(c->action, "INSERT") == 0 || strcmp(c->action, "RESTORE") == 0)
		undo_insert(c);
	else if (strcmp(c->action, "SOFT_DELETE") == 0)
		undo_soft_delete(c);
	else if (strcmp(c->action, "DELETE") == 0)
		undo_delete(c);
}

/*
 * asd_write_or_put_off
 *		Run write(arg) in a subtransaction: false, with nothing of it left,
 *		when a foreign key refused it (*error set to the first such
 *		refusal), since the row it needs may be one a later write brings
 *		back.  Any other error is raised.
 */
bool
asd_write_or_put_off(void (*write) (void *), void *arg, ErrorData **error)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool done = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(outer);
	PG_TRY();
	{
		write(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(outer);
		CurrentResourceOwner = owner;
		done = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(outer);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_FOREIGN_KEY_VIOLATION)
			ReThrowError(edata);
		if (*error == NULL)
			*error = edata;
	}
	PG_END_TRY();
	return done;
}

static void
undo_change_arg(void *c)
{
	undo_change((UndoChange *) c);
}

/*
 * The undo of c, put off when a foreign key refuses it: a cascade logs the
 * parent's change before the children's, so newest first is not always
 * the order the keys accept.
 */
static bool
try_undo_change(UndoChange *c, ErrorData **error)
{
	return asd_write_or_put_off(undo_change_arg, c, error);
}

/* Is a change of c's row among the changes put off? */
static bool
row_put_off(List *put_off, UndoChange *c)
{
	ListCell   *lc;

	foreach(lc, put_off)
	{
		UndoChange *p = lfirst(lc);

		if (p->table_id == c->table_id &&
			compareJsonbContainers(&p->row_pk->root, &c->row_pk->root) == 0)
			return true;
	}
	return false;
}

/*
 * SET LOCAL audit_softdelete.context = value, which may have the key
 * "undo" that only undo sets (see check_context).
 */
static void
set_context_as_undo(const char *value)
{
	asd_setting_undo_context = true;
	PG_TRY();
	{
		(void) set_config_option("audit_softdelete.context", value,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	}
	PG_FINALLY();
	{
		asd_setting_undo_context = false;
	}
	PG_END_TRY();
}

/*
 * retry_put_off
 *		Try the changes put off again, in their order, as long as one of
 *		them goes through; those done leave *put_off.  Returns how many.
 *
 * Called after each change done, not only at the end of a round: what it
 * wrote may be what a change put off waited for, and may not last until
 * the end of the round.  A parent and a child inserted, then the parent
 * soft-deleted with the child, in one transaction: the child's restore
 * waits for the parent's, which brings the child back itself; at the end
 * of the round the undo of the parent's INSERT had deleted the parent
 * again, and the child's restore was refused for good.
 */
static int64
retry_put_off(List **put_off, ErrorData **error)
{
	int64		n = 0;
	bool		progress = true;

	while (progress && *put_off != NIL)
	{
		List	   *still = NIL;
		ListCell   *lc;

		progress = false;
		foreach(lc, *put_off)
		{
			UndoChange *c = lfirst(lc);

			if (row_put_off(still, c) || !try_undo_change(c, error))
				still = lappend(still, c);
			else
			{
				n++;
				progress = true;
			}
		}
		*put_off = still;
	}
	return n;
}

/*
 * The context the undo's own audit rows carry: the caller's, with
 * {"undo": what} added.  Set for the rest of the transaction like SET
 * LOCAL; returns the setting as it was, for asd_restore_undo_context().
 */
char *
asd_set_undo_context(const char *what)
{
	const char *current = GetConfigOption("audit_softdelete.context", true, false);
	char	   *saved = current ? pstrdup(current) : pstrdup("");
	Jsonb	   *context;

	context = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												 CStringGetDatum(psprintf("{\"undo\": %s}", what))));
	if (saved[0] != '\0')
	{
		Jsonb	   *old = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(saved)));

		if (JB_ROOT_IS_OBJECT(old))
			context = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(old),
														 JsonbPGetDatum(context)));
	}
	set_context_as_undo(JsonbToCString(NULL, &context->root, VARSIZE(context)));
	return saved;
}

void
asd_restore_undo_context(char *saved)
{
	set_context_as_undo(saved);
}

/*
 * undo(audit_id bigint, force boolean DEFAULT false) RETURNS void
 *		Take back the change audit row audit_id logged.
 */
Datum
asd_undo(PG_FUNCTION_ARGS)
{
	int64		id;
	bool		force;
	List	   *changes;
	UndoChange *c;
	char	   *saved;

	asd_args_not_null(fcinfo, "audit_id", "force", NULL);
	id = PG_GETARG_INT64(0);
	force = PG_GETARG_BOOL(1);

	changes = load_changes("l.id OPERATOR(pg_catalog.=) $1", INT8OID, Int64GetDatum(id));
	if (changes == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no audit row with id %lld", (long long) id)));
	c = linitial(changes);
	check_change(c, force, (Datum) 0, false);

	saved = asd_set_undo_context(psprintf("{\"audit_id\": %lld}", (long long) id));
	undo_change(c);
	asd_restore_undo_context(saved);
	PG_RETURN_VOID();
}

/*
 * undo_transaction(txid xid8, force boolean DEFAULT false) RETURNS bigint
 *		Take back every change the transaction logged, newest first;
 *		returns how many.
 */
Datum
asd_undo_transaction(PG_FUNCTION_ARGS)
{
	Datum		txid;
	bool		force;
	List	   *changes;
	List	   *rows = NIL;
	ListCell   *lc;
	char	   *saved;
	int64		n = 0;

	asd_args_not_null(fcinfo, "txid", "force", NULL);
	txid = PG_GETARG_DATUM(0);
	force = PG_GETARG_BOOL(1);

	changes = load_changes("l.txid OPERATOR(pg_catalog.=) $1", XID8OID, txid);
	if (changes == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("transaction %s wrote no audit rows",
						DatumGetCString(DirectFunctionCall1(xid8out, txid)))));
	/* all of it, or none: not the part row-level security lets the caller read */
	if (asd_audit_logs_hides_rows())
	{
		AsdSpi		spi;
		Oid			argtypes[1] = {XID8OID};
		bool		isnull;
		int64		all;

		asd_spi_connect(&spi, asd_extension_owner(), SECURITY_RESTRICTED_OPERATION);
		asd_spi_run("SELECT pg_catalog.count(*) FROM audit_softdelete.audit_logs l"
					" WHERE l.txid OPERATOR(pg_catalog.=) $1",
					1, argtypes, &txid, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
		all = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		asd_spi_finish(&spi);
		if (all != list_length(changes))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot undo transaction %s: some of its audit rows are hidden from you",
							DatumGetCString(DirectFunctionCall1(xid8out, txid))),
					 errdetail("Row-level security on audit_logs hides them; an undo of the rest would take back part of the transaction."),
					 errhint("Ask a role that may read them, or undo the changes you may read one by one with audit_softdelete.undo().")));
	}

	/* every change checked before anything is written */
	foreach(lc, changes)
	{
		UndoChange *c = lfirst(lc);

		if (c->raw_pk == NULL && strcmp(c->action, "TRUNCATE") != 0)
		{
			ereport(NOTICE,
					(errmsg("audit row %lld records %s of a table's auditing: left as it is",
							(long long) c->id, c->action)));
			continue;
		}
		check_change(c, force, txid, true);
		rows = lappend(rows, c);
	}

	saved = asd_set_undo_context(psprintf("{\"txid\": %s}",
									  DatumGetCString(DirectFunctionCall1(xid8out, txid))));
	/*
	 * Newest first; a change a foreign key refuses is put off, with the
	 * older changes of its row, and tried again after the rest, until a
	 * round brings nothing more back: then the first refusal is raised.
	 */
	while (rows != NIL)
	{
		List	   *put_off = NIL;
		ErrorData  *error = NULL;

		foreach(lc, rows)
		{
			UndoChange *c = lfirst(lc);

			if (row_put_off(put_off, c) || !try_undo_change(c, &error))
				put_off = lappend(put_off, c);
			else
			{
				n++;
				if (put_off != NIL)
					n += retry_put_off(&put_off, &error);
			}
		}
		if (put_off != NIL && list_length(put_off) == list_length(rows))
			ReThrowError(error);
		rows = put_off;
	}
	asd_restore_undo_context(saved);
	PG_RETURN_INT64(n);
}
