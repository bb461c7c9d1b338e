/*-------------------------------------------------------------------------
 *
 * history.c
 *	  row_history(): the audit rows of one row, oldest first.
 *	  changes(): the audit rows of a table, a time, an actor, oldest first.
 *
 * Which table_id a row's history is under is looked up by an internal
 * function, as the extension owner.  The key is looked for as given and as
 * the row's audit rows spell it (_history_key, run as the caller: it reads
 * the row if the caller may).  The audit rows are read as the caller, who
 * needs SELECT on audit_logs (and whose row-level security on it, if a DBA
 * adds some, applies).
 *
 * IDENTIFICATION
 *	  src/history.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tstoreReceiver.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "call_check.h"
#include "history.h"
#include "internal.h"
#include "key_compare.h"
#include "owner.h"

PG_FUNCTION_INFO_V1(asd_row_history);
PG_FUNCTION_INFO_V1(asd_changes);

/*
 * The table_id of tbl's history (see _history_table_id) and the table it
 * was enabled on; false if none.
 */
static bool
history_table(Oid tbl, int32 *table_id, Oid *relid)
{
	AsdSpi		spi;
	bool		found;

	asd_spi_connect_as_owner(&spi);
	asd_spi_run_on("SELECT t.table_id, t.relid FROM audit_softdelete.tracked_tables t"
				   " WHERE t.table_id OPERATOR(pg_catalog.=)"
				   " audit_softdelete._history_table_id($1)",
				   tbl, SPI_OK_SELECT, ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	found = (SPI_processed == 1);
	if (found)
	{
		bool		isnull;

		*table_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
		*relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 2, &isnull));
	}
	asd_spi_finish(&spi);
	return found;
}

/*
 * The key the audit rows of the row of relid named by pk carry, as the
 * caller can tell (see _history_key); NULL when pk does not name relid's
 * primary key, or names a value its column cannot hold.
 */
Jsonb *
asd_history_stored_key(Oid relid, Jsonb *pk)
{
	List	   *pkcols = asd_primary_key_columns(relid);
	List	   *keys;
	Datum	   *names;
	ListCell   *lc;
	int			n = 0;
	Oid			argtypes[4] = {REGCLASSOID, JSONBOID, TEXTARRAYOID, TEXTOID};
	Datum		args[4];
	bool		isnull;
	Datum		key;

	if (pkcols == NIL || asd_match_key(pk, pkcols, &keys) != ASD_KEY_MATCHES)
		return NULL;
	/*
	 * an hstore key is found as JSON, and spelled as given; once its row
	 * is gone, _history_key would read it as a value of its type, which
	 * fails
	 */
	if (asd_key_has_json_cast(relid))
		return NULL;
	names = palloc(sizeof(Datum) * list_length(pkcols));
	foreach(lc, pkcols)
		names[n++] = CStringGetTextDatum(lfirst(lc));
	args[0] = ObjectIdGetDatum(relid);
	args[1] = JsonbPGetDatum(pk);
	args[2] = PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = asd_call_internal_function("_key_condition", 2, argtypes, args, &isnull);
	key = asd_call_internal_function("_history_key", 4, argtypes, args, &isnull);
	return isnull ? NULL : DatumGetJsonbP(key);
}

/*
 * The table_id of tbl's history, and the table it was enabled on; an error
 * if it has none.
 */
int32
asd_history_table_id(Oid tbl, Oid *relid)
{
	int32		table_id = 0;

	if (get_rel_name(tbl) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", tbl)));
	if (!history_table(tbl, &table_id, relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no audit history", get_rel_name(tbl)),
				 errhint("Enable auditing with audit_softdelete.enable('%s').",
						 DatumGetCString(DirectFunctionCall1(regclassout,
															 ObjectIdGetDatum(tbl))))));
	return table_id;
}

/*
 * Run a read-only query, in the current SPI connection, straight into the
 * set-returning function's result: each row is copied once, not first into
 * SPI's tuple table and then into the result.  Planned for the values
 * given, without parallel workers (the Gather of a search that reads a few
 * pages waited longer for its workers than the search took).  Returns the
 * number of rows.
 */
static uint64
read_into_result(ReturnSetInfo *rsinfo, const char *query, int nargs,
				 Oid *argtypes, Datum *args, const char *nulls)
{
	SPIPlanPtr	plan;
	ParamListInfo params = makeParamList(nargs);
	SPIExecuteOptions options = {0};
	DestReceiver *dest;
	int			rc;
	int			i;

	plan = SPI_prepare_cursor(query, nargs, argtypes, 0);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	for (i = 0; i < nargs; i++)
	{
		params->params[i].value = args[i];
		params->params[i].isnull = (nulls[i] == 'n');
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = argtypes[i];
	}

	dest = CreateDestReceiver(DestTuplestore);
	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, NULL, NULL);
	options.params = params;
	options.read_only = true;
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\": %s", query,
			 SPI_result_code_string(rc));
	dest->rDestroy(dest);
	SPI_freeplan(plan);
	return SPI_processed;
}

/*
 * The audit rows of table_id whose key is one of keys (spellings of one
 * key), through the row-history index, oldest first.
 */
static uint64
read_spellings(ReturnSetInfo *rsinfo, int32 table_id, List *keys)
{
	Datum	   *hashes = palloc(sizeof(Datum) * list_length(keys));
	Datum	   *values = palloc(sizeof(Datum) * list_length(keys));
	Oid			argtypes[3] = {INT4OID, INT8ARRAYOID, JSONBARRAYOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	ListCell   *lc;
	int			n = 0;

	foreach(lc, keys)
	{
		values[n] = PointerGetDatum(lfirst(lc));
		hashes[n] = DirectFunctionCall2(jsonb_hash_extended, values[n], Int64GetDatum(0));
		n++;
	}
	args[0] = Int32GetDatum(table_id);
	args[1] = PointerGetDatum(construct_array(hashes, n, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(values, n, JSONBOID, -1, false, TYPALIGN_INT));
	return read_into_result(rsinfo,
							"SELECT l.* FROM audit_softdelete.audit_logs l"
							" WHERE l.table_id OPERATOR(pg_catalog.=) $1"
							" AND l.row_pk_hash OPERATOR(pg_catalog.=) ANY ($2)"
							" AND l.row_pk OPERATOR(pg_catalog.=) ANY ($3)"
							" ORDER BY l.id",
							3, argtypes, args, nulls);
}

/*
 * row_history(tbl regclass, pk jsonb) RETURNS SETOF audit_logs
 *		The audit rows of the row of tbl named by pk, oldest first, found
 *		through the (table_id, row_pk_hash, id) index.
 *
 * A key restore() would refuse is refused as restore() refuses it, but
 * for one naming other columns than the primary key's: audit rows written
 * before a key column was renamed carry its old name, and such a key finds
 * them.  Refused only when it finds nothing.
 */
Datum
asd_row_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			tbl;
	int32		table_id = 0;
	Oid			relid = InvalidOid;
	Jsonb	   *stored;
	List	   *pkcols;
	List	   *keys = NIL;
	AsdKeyMatch match = ASD_KEY_MATCHES;
	Oid			argtypes[3] = {INT4OID, JSONBOID, JSONBOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	AsdSpi		spi;
	uint64		found;
	List	   *by_offset;

	asd_args_not_null(fcinfo, "table", "pk", NULL);
	tbl = PG_GETARG_OID(0);
	table_id = asd_history_table_id(tbl, &relid);

	pkcols = asd_primary_key_columns(relid);
	if (pkcols != NIL)
		match = asd_match_key(PG_GETARG_JSONB_P(1), pkcols, &keys);
	else if (!JB_ROOT_IS_OBJECT(PG_GETARG_JSONB_P(1)))
		match = ASD_KEY_NOT_OBJECT;
	if (match != ASD_KEY_MATCHES && match != ASD_KEY_OTHER_COLUMNS)
		asd_report_key_mismatch(match, pkcols, keys, get_rel_name(relid));

	stored = asd_history_stored_key(relid, PG_GETARG_JSONB_P(1));
	/* a timestamptz key: as each writer's TimeZone spelled it */
	by_offset = (stored != NULL && match == ASD_KEY_MATCHES) ?
		asd_key_spellings_by_offset(relid, stored) : NIL;
	/* an interval or bytea key: as each writer's IntervalStyle and bytea_output spelled it */
	if (stored != NULL && match == ASD_KEY_MATCHES)
		by_offset = list_concat(by_offset, asd_key_spellings_by_style(relid, stored));

	/*
	 * A key whose text depends on the writers' settings inside a value (a
	 * tstzrange, an array of timestamptz, a composite with an interval,
	 * money): compared as values with the table's audit rows, which it
	 * reads through the index's table_id, as the key the row's values give
	 * (pk as given may hold a value its column cannot).
	 */
	if (stored != NULL && match == ASD_KEY_MATCHES && asd_key_spellings_incomplete(relid))
	{
		char	   *query;

		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
		args[0] = Int32GetDatum(table_id);
		args[1] = JsonbPGetDatum(stored);
		query = psprintf("SELECT l.* FROM audit_softdelete.audit_logs l"
						 " WHERE l.table_id OPERATOR(pg_catalog.=) $1 AND %s"
						 " ORDER BY l.id",
						 asd_audit_key_match(relid, "l.row_pk", "$2"));
		asd_spi_connect(&spi, InvalidOid, 0);
		(void) read_into_result(rsinfo, query, 2, argtypes, args, nulls);
		asd_spi_finish(&spi);
		return (Datum) 0;
	}

	/* pk as given, and as the row's audit rows spell it */
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	args[0] = Int32GetDatum(table_id);
	args[1] = PG_GETARG_DATUM(1);
	if (stored != NULL &&
		DatumGetBool(DirectFunctionCall2(jsonb_eq, args[1], JsonbPGetDatum(stored))))
		stored = NULL;
	args[2] = stored ? JsonbPGetDatum(stored) : (Datum) 0;
	nulls[2] = stored ? ' ' : 'n';
	asd_spi_connect(&spi, InvalidOid, 0);

	/*
	 * One spelling: the (table_id, row_pk_hash, id) index gives the rows in
	 * order.  Two: a sort of the rows of both.
	 */
	if (by_offset != NIL)
	{
		/* this session's own, in case its offset is not a quarter hour */
		by_offset = lcons(DatumGetPointer(PG_GETARG_DATUM(1)), by_offset);
		if (stored != NULL)
			by_offset = lappend(by_offset, stored);
		found = read_spellings(rsinfo, table_id, by_offset);
	}
	else if (stored == NULL)
		found = read_into_result(rsinfo,
								 "SELECT l.* FROM audit_softdelete.audit_logs l"
								 " WHERE l.table_id OPERATOR(pg_catalog.=) $1"
								 " AND l.row_pk_hash OPERATOR(pg_catalog.=)"
								 " pg_catalog.jsonb_hash_extended($2, 0)"
								 " AND l.row_pk OPERATOR(pg_catalog.=) $2"
								 " ORDER BY l.id",
								 2, argtypes, args, nulls);
	else
		found = read_into_result(rsinfo,
								 "SELECT l.* FROM audit_softdelete.audit_logs l"
								 " WHERE l.table_id OPERATOR(pg_catalog.=) $1"
								 " AND l.row_pk_hash OPERATOR(pg_catalog.=) ANY"
								 " (ARRAY[pg_catalog.jsonb_hash_extended($2, 0),"
								 " pg_catalog.jsonb_hash_extended($3, 0)])"
								 " AND (l.row_pk OPERATOR(pg_catalog.=) $2"
								 " OR l.row_pk OPERATOR(pg_catalog.=) $3)"
								 " ORDER BY l.id",
								 3, argtypes, args, nulls);
	if (found == 0 && match == ASD_KEY_OTHER_COLUMNS)
		asd_report_key_mismatch(match, pkcols, keys, get_rel_name(relid));
	asd_spi_finish(&spi);

	return (Datum) 0;
}

/*
 * changes(tbl regclass DEFAULT NULL, since timestamptz DEFAULT NULL,
 *		   until timestamptz DEFAULT NULL, actor text DEFAULT NULL)
 *		RETURNS SETOF audit_logs
 *		The audit rows of tbl (its table_id: through renames, for its
 *		partitions and live view too), written at or after since and
 *		before until, by actor; each condition left NULL is not applied.
 *		Oldest first.
 *
 * The query names only the conditions given, so that each is planned for
 * what it is: a time through the BRIN index, a table through the
 * row-history index.  Read as the caller, straight into the result,
 * which spills to disk past work_mem rather than fill memory.
 */
Datum
asd_changes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StringInfoData query;
	Oid			argtypes[4] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};
	Datum		args[4] = {0};
	char		nulls[4] = {'n', 'n', 'n', 'n'};	/* unused: NULL */
	AsdSpi		spi;

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) &&
		PG_GETARG_TIMESTAMPTZ(1) > PG_GETARG_TIMESTAMPTZ(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"since\" must not be later than \"until\"")));

	initStringInfo(&query);
	appendStringInfoString(&query,
						   "SELECT l.* FROM audit_softdelete.audit_logs l WHERE true");
	if (!PG_ARGISNULL(0))
	{
		Oid			relid;

		args[0] = Int32GetDatum(asd_history_table_id(PG_GETARG_OID(0), &relid));
		nulls[0] = ' ';
		appendStringInfoString(&query, " AND l.table_id OPERATOR(pg_catalog.=) $1");
	}
	if (!PG_ARGISNULL(1))
	{
		args[1] = PG_GETARG_DATUM(1);
		nulls[1] = ' ';
		appendStringInfoString(&query, " AND l.logged_at OPERATOR(pg_catalog.>=) $2");
	}
	if (!PG_ARGISNULL(2))
	{
		args[2] = PG_GETARG_DATUM(2);
		nulls[2] = ' ';
		appendStringInfoString(&query, " AND l.logged_at OPERATOR(pg_catalog.<) $3");
	}
	if (!PG_ARGISNULL(3))
	{
		args[3] = PG_GETARG_DATUM(3);
		nulls[3] = ' ';
		appendStringInfoString(&query, " AND l.actor OPERATOR(pg_catalog.=) $4");
	}
	appendStringInfoString(&query, " ORDER BY l.id");

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	asd_spi_connect(&spi, InvalidOid, 0);
	(void) read_into_result(rsinfo, query.data, 4, argtypes, args, nulls);
	asd_spi_finish(&spi);

	return (Datum) 0;
}

/*
 * asd_audit_logs_hides_rows
 *		Does row-level security on audit_logs apply to the current role?
 *		Then what it reads of the trail may lack rows: a caller who rebuilds
 *		or undoes from the trail must not take it for the whole.
 */
bool
asd_audit_logs_hides_rows(void)
{
	Oid			relid = get_relname_relid("audit_logs",
										  get_namespace_oid("audit_softdelete", false));

	return OidIsValid(relid) && check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;
}
