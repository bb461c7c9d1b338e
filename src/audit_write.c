/*-------------------------------------------------------------------------
 *
 * audit_write.c
 *	  Insert one row into audit_softdelete.audit_logs, as the extension
 *	  owner.
 *
 * The INSERT is planned once per backend and kept (SPI_keepplan); the plan
 * cache replans it by itself if audit_logs changes.  It runs as the owner of
 * audit_logs, so the writing role needs no grant on it and cannot write it
 * any other way.  Columns the writer does not pass (id, logged_at, txid)
 * come from their defaults; the session's identity comes from the server,
 * never from the application.
 *
 * IDENTIFICATION
 *	  src/audit_write.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(asd_set_context);

static SPIPlanPtr insert_plan = NULL;

/* The context value last parsed, and its jsonb (see asd_current_context). */
static char *cached_context_text = NULL;
static Jsonb *cached_context = NULL;

#define INSERT_NARGS 11

static SPIPlanPtr
prepare_insert(void)
{
	static const char *query =
		"INSERT INTO audit_softdelete.audit_logs"
		" (table_id, table_oid, schema_name, table_name, action, row_pk,"
		"  old_values, new_values, changed_columns, actor, context,"
		"  db_user, client_addr, application_name)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		"  SESSION_USER, pg_catalog.inet_client_addr(),"
		"  pg_catalog.current_setting('application_name'))";
	Oid			argtypes[INSERT_NARGS] = {
		INT4OID, OIDOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
		JSONBOID, JSONBOID, TEXTARRAYOID, TEXTOID, JSONBOID
	};
	SPIPlanPtr	plan;

	plan = SPI_prepare(query, INSERT_NARGS, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the audit_logs insert: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the audit_logs insert plan");
	return plan;
}

/*
 * asd_current_context
 *		The jsonb set with set_context() for this transaction, if any.
 *
 * Parsed once per distinct value: a request sets its context once and
 * then writes many rows.
 */
Datum
asd_current_context(bool *isnull)
{
	MemoryContext oldcxt;

	if (asd_context == NULL || asd_context[0] == '\0')
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	if (cached_context_text == NULL || strcmp(cached_context_text, asd_context) != 0)
	{
		Datum		parsed = DirectFunctionCall1(jsonb_in, CStringGetDatum(asd_context));

		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		if (cached_context_text)
			pfree(cached_context_text);
		if (cached_context)
			pfree(cached_context);
		cached_context_text = pstrdup(asd_context);
		cached_context = DatumGetJsonbPCopy(parsed);
		MemoryContextSwitchTo(oldcxt);
	}
	return JsonbPGetDatum(cached_context);
}

/*
 * asd_write_audit_row
 *		Insert one audit row.
 */
void
asd_write_audit_row(AsdAuditRow *row)
{
	AsdRelInfo *info = row->info;
	Datum		args[INSERT_NARGS];
	char		nulls[INSERT_NARGS];
	bool		context_null;
	Oid			save_userid;
	int			save_sec;
	int			i;

	for (i = 0; i < INSERT_NARGS; i++)
		nulls[i] = ' ';

	args[0] = Int32GetDatum(info->table_id);
	args[1] = ObjectIdGetDatum(info->tracked_relid);
	args[2] = CStringGetTextDatum(info->schema_name);
	args[3] = CStringGetTextDatum(info->table_name);
	args[4] = CStringGetTextDatum(row->action);
	args[5] = PointerGetDatum(row->row_pk);
	nulls[5] = row->row_pk ? ' ' : 'n';
	args[6] = PointerGetDatum(row->old_values);
	nulls[6] = row->old_values ? ' ' : 'n';
	args[7] = PointerGetDatum(row->new_values);
	nulls[7] = row->new_values ? ' ' : 'n';
	args[8] = PointerGetDatum(row->changed_columns);
	nulls[8] = row->changed_columns ? ' ' : 'n';
	args[9] = CStringGetTextDatum(asd_current_actor());
	args[10] = asd_current_context(&context_null);
	nulls[10] = context_null ? 'n' : ' ';

	asd_become_extension_owner(&save_userid, &save_sec);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (insert_plan == NULL)
		insert_plan = prepare_insert();
	if (SPI_execute_plan(insert_plan, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into audit_softdelete.audit_logs");
	SPI_finish();
	asd_restore_user(save_userid, save_sec);
}

/*
 * set_context(context jsonb) RETURNS void
 *		Attach a JSON document to the audit rows of the rest of the current
 *		transaction (request id, path, ticket...), like SET LOCAL.  NULL
 *		clears it.
 */
Datum
asd_set_context(PG_FUNCTION_ARGS)
{
	char	   *value = "";

	if (!PG_ARGISNULL(0))
		value = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(0)));

	(void) set_config_option("audit_softdelete.context", value,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	PG_RETURN_VOID();
}
