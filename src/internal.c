/*-------------------------------------------------------------------------
 *
 * internal.c
 *	  How the public SQL functions reach the internal ones.
 *
 * The functions whose names start with "_" are internal: PUBLIC may not
 * execute them, only the extension owner.  The public functions reach them
 * in one of two ways:
 *	- enable() and disable() (and enable_schema(), disable_schema()) are C
 *	  entries (asd_call_internal) that run their PL/pgSQL body, _enable or
 *	  _disable (_enable_schema, _disable_schema), as the extension owner, who
 *	  may call the other internal functions, inside a gate (owner.c) that
 *	  remembers who called.  Whatever they change on the caller's tables
 *	  they change as the caller, through _as_caller(): the DDL is checked
 *	  against the caller's privileges, as it was when enable() ran with the
 *	  caller's rights.  The event triggers do the same on behalf of the
 *	  role running the DDL.  table_status() runs _table_status the same
 *	  way; what it reads of the caller's tables and of audit_logs it reads
 *	  as the caller, through _read_as_caller().
 *	- restore() and row_history() run as the caller, in C, and call the few
 *	  internal functions they need through fmgr
 *	  (asd_call_internal_function).
 *
 * IDENTIFICATION
 *	  src/internal.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "internal.h"
#include "owner.h"

PG_FUNCTION_INFO_V1(asd_call_internal);

/*
 * The internal function the library calls is not installed: the installed
 * SQL is not the one the library expects, or someone dropped it.
 */
static void
report_missing_internal(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_FUNCTION),
			 errmsg("function %s.%s does not exist", ASD_SCHEMA_NAME, name),
			 errdetail("The audit_softdelete library calls it, and the installed extension does not define it."),
			 errhint("Update the extension with ALTER EXTENSION audit_softdelete UPDATE, or reinstall it.")));
}

/*
 * asd_call_internal_function
 *		Call audit_softdelete.<name>(argtypes) with args, none NULL, as the
 *		current role, through fmgr: no EXECUTE privilege is checked.
 *		*isnull says whether it returned NULL.
 */
Datum
asd_call_internal_function(const char *name, int nargs, const Oid *argtypes,
						   const Datum *args, bool *isnull)
{
	Oid			fn;
	FmgrInfo	flinfo;
	LOCAL_FCINFO(call, FUNC_MAX_ARGS);
	Datum		result;
	int			i;

	fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
						 CStringGetDatum(name),
						 PointerGetDatum(buildoidvector(argtypes, nargs)),
						 ObjectIdGetDatum(get_namespace_oid(ASD_SCHEMA_NAME, false)));
	if (!OidIsValid(fn))
		report_missing_internal(name);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, nargs, InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
	{
		call->args[i].value = args[i];
		call->args[i].isnull = false;
	}
	result = FunctionCallInvoke(call);
	*isnull = call->isnull;
	return result;
}

/*
 * enable(...), disable(...)
 *		Run the PL/pgSQL body of the function, "_" followed by its name with
 *		the same arguments, as the extension owner inside a gate.
 *
 * The body is looked up once per call site and called through fmgr: the
 * caller needs EXECUTE on the public function only.
 */
Datum
asd_call_internal(PG_FUNCTION_ARGS)
{
	FmgrInfo   *body = (FmgrInfo *) fcinfo->flinfo->fn_extra;
	LOCAL_FCINFO(call, FUNC_MAX_ARGS);
	AsdGate		gate;
	Datum		result;
	int			i;

	if (body == NULL)
	{
		HeapTuple	tup;
		Form_pg_proc proc;
		char	   *name;
		Oid			bodyid;

		tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
		proc = (Form_pg_proc) GETSTRUCT(tup);
		name = psprintf("_%s", NameStr(proc->proname));
		bodyid = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
								 CStringGetDatum(name),
								 PointerGetDatum(&proc->proargtypes),
								 ObjectIdGetDatum(proc->pronamespace));
		ReleaseSysCache(tup);
		if (!OidIsValid(bodyid))
			report_missing_internal(name);
		body = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
		fmgr_info_cxt(bodyid, body, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = body;
	}

	InitFunctionCallInfoData(*call, body, PG_NARGS(), PG_GET_COLLATION(),
							 fcinfo->context, fcinfo->resultinfo);
	for (i = 0; i < PG_NARGS(); i++)
		call->args[i] = fcinfo->args[i];

	asd_gate_enter(&gate);
	PG_TRY();
	{
		result = FunctionCallInvoke(call);
	}
	PG_FINALLY();
	{
		asd_gate_exit(&gate);
	}
	PG_END_TRY();

	fcinfo->isnull = call->isnull;
	return result;
}
