/*-------------------------------------------------------------------------
 *
 * internal.c
 *	  How the public SQL functions reach the internal ones.
 *
 * The functions whose names start with "_" are internal: PUBLIC may not
 * execute them, only the extension owner.  The public functions reach them
 * in one of two ways:
 *	- enable() and disable() are C entries (asd_call_internal) that run
 *	  their PL/pgSQL body, _enable or _disable, as the extension owner, who
 *	  may call the other internal functions.  Whatever they change on the
 *	  caller's tables they change as the caller, through _as_caller(): the
 *	  DDL is checked against the caller's privileges, as it was when
 *	  enable() ran with the caller's rights.  The event triggers do the same
 *	  on behalf of the role running the DDL.
 *	- restore() and row_history() run as the caller, in C, and call the few
 *	  internal functions they need through fmgr
 *	  (asd_call_internal_function).
 *
 * Such a call opens a "gate" that remembers who called.  _caller() and
 * _as_caller() work only inside one, so that the internal functions that
 * change something check whom they act for on their own: called directly,
 * even by the extension owner, they refuse.
 *
 * The gate also lets the extension's own DDL through the trigger guard
 * (trigger_guard.c): each statement run by _as_caller() may drop or replace
 * the extension's triggers, no other.
 *
 * IDENTIFICATION
 *	  src/internal.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"
#include "ddl_log.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(asd_call_internal);
PG_FUNCTION_INFO_V1(asd_caller);
PG_FUNCTION_INFO_V1(asd_as_caller);

/* The innermost open gate, or NULL. */
static AsdGate *current_gate = NULL;

/* Set by _as_caller() for the one statement it runs; see asd_take_ddl_pass. */
static bool ddl_pass = false;

/*
 * asd_gate_enter
 *		Remember the calling role and become the extension owner.
 *
 * Every asd_gate_enter is paired with an asd_gate_exit in a PG_FINALLY, so
 * that an error leaves neither the role nor the gate behind.
 */
void
asd_gate_enter(AsdGate *gate)
{
	asd_become_extension_owner(&gate->save_userid, &gate->save_sec);
	gate->caller = gate->save_userid;
	gate->outer = current_gate;
	current_gate = gate;
}

void
asd_gate_exit(AsdGate *gate)
{
	current_gate = gate->outer;
	asd_restore_user(gate->save_userid, gate->save_sec);
}

/* The innermost gate; funcname, called outside any, is refused. */
static AsdGate *
require_gate(const char *funcname)
{
	if (current_gate == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("function %s.%s is internal to the extension",
						ASD_SCHEMA_NAME, funcname),
				 errdetail("It runs only on behalf of a role calling one of the extension's public functions."),
				 errhint("Call audit_softdelete.enable(), disable() or restore() instead.")));
	return current_gate;
}

/*
 * asd_gate_caller
 *		The role that called the public function now running.
 */
Oid
asd_gate_caller(const char *funcname)
{
	return require_gate(funcname)->caller;
}

/*
 * asd_take_ddl_pass
 *		Is the statement starting now one that _as_caller() runs?
 *
 * The pass is for one statement: the first ddl_command_start event of the
 * statement takes it, so that nothing that statement runs in turn (an event
 * trigger of someone else, say) gets it too.
 */
bool
asd_take_ddl_pass(void)
{
	bool		pass = ddl_pass;

	ddl_pass = false;
	return pass;
}

/*
 * asd_acting_role
 *		The role the extension acts for: the caller of the public function
 *		now running, else the current user.  For checks that refuse what
 *		that role may not do, whoever asks.
 */
Oid
asd_acting_role(void)
{
	return current_gate != NULL ? current_gate->caller : GetUserId();
}

/*
 * asd_inside_extension_call
 *		Is the extension acting on a role's behalf now, inside a gate:
 *		in enable() or disable(), or in one of the extension's event
 *		triggers that change tables for the role running the DDL?  The
 *		DDL log marks the commands they run (ddl_log.c).
 */
bool
asd_inside_extension_call(void)
{
	return current_gate != NULL;
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
		elog(ERROR, "function %s.%s does not exist", ASD_SCHEMA_NAME, name);
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
			elog(ERROR, "function %s.%s does not exist", ASD_SCHEMA_NAME, name);
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

/*
 * _caller() RETURNS oid
 *		The role that called the public function now running; refused
 *		outside one.
 */
Datum
asd_caller(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(asd_gate_caller("_caller"));
}

/*
 * _as_caller(command text) RETURNS void
 *		Run one statement as the role that called the public function now
 *		running; refused outside one.
 *
 * The internal functions build their DDL with format() and run it through
 * here: it is checked against the caller's privileges as if the caller had
 * typed it, and it may change the extension's triggers (see
 * asd_take_ddl_pass).
 */
Datum
asd_as_caller(PG_FUNCTION_ARGS)
{
	AsdGate    *gate = require_gate("_as_caller");
	char	   *command;
	Oid			save_userid;
	int			save_sec;
	bool		save_pass = ddl_pass;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	command = text_to_cstring(PG_GETARG_TEXT_PP(0));
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(gate->caller,
						   gate->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	ddl_pass = true;
	PG_TRY();
	{
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		rc = SPI_execute(command, false, 0);
		if (rc < 0)
			elog(ERROR, "could not run \"%s\": %s", command,
				 SPI_result_code_string(rc));
		SPI_finish();
	}
	PG_FINALLY();
	{
		ddl_pass = save_pass;
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();

	PG_RETURN_VOID();
}
