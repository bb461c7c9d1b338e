/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  Who the extension acts as, and the one way it runs a query as
 *	  someone.
 *
 * The extension acts as one of three roles besides the current one:
 *	- the extension owner (the owner of tracked_tables), who alone writes
 *	  the extension's tables.  Code that reads or writes them switches to
 *	  that role for the duration of one query, after it has checked what
 *	  the calling role may do, so callers need no grant on them (with
 *	  search_path pinned, see asd_pin_search_path);
 *	- the owner of a table, for what PostgreSQL itself does as the owner
 *	  (foreign-key actions, and so the marking of a soft delete), with
 *	  search_path pinned while it acts for a role without the owner's
 *	  privileges (see asd_become_table_owner);
 *	- the role that called a public function, for the DDL enable() and
 *	  disable() run on its tables.
 *
 * Every SPI query goes through asd_spi_connect() and asd_spi_finish(),
 * which switch to the role it runs as and back, and asd_spi_run() or
 * asd_spi_run_plan(), which run it and check its result.
 *
 * enable(), disable() and the event triggers run their internal functions
 * as the extension owner inside a "gate" (see internal.c) that remembers
 * who called.  _caller() and _as_caller() work only inside one, so that the
 * internal functions that change something check whom they act for on
 * their own: called directly, even by the extension owner, they refuse.
 * The gate also lets the extension's own DDL through the trigger guard
 * (trigger_guard.c): each statement run by _as_caller() may drop or
 * replace the extension's triggers, no other.
 *
 * IDENTIFICATION
 *	  src/owner.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "owner.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_caller);
PG_FUNCTION_INFO_V1(asd_as_caller);
PG_FUNCTION_INFO_V1(asd_read_as_caller);
PG_FUNCTION_INFO_V1(asd_read_as_table_owner);

/* The innermost open gate, or NULL. */
static AsdGate *current_gate = NULL;

/* Set by _as_caller() for the one statement it runs; see asd_take_ddl_pass. */
static bool ddl_pass = false;

/* The statement that took that pass, while _as_caller() runs it. */
static Node *ddl_pass_statement = NULL;

/*
 * asd_become_user
 *		Act as role, with sec_flags added to the security context, until
 *		asd_restore_user().
 */
void
asd_become_user(Oid role, int sec_flags, Oid *save_userid, int *save_sec)
{
	GetUserIdAndSecContext(save_userid, save_sec);
	SetUserIdAndSecContext(role,
						   *save_sec | SECURITY_LOCAL_USERID_CHANGE | sec_flags);
}

/*
 * asd_become_extension_owner
 *		Act as the role that owns the extension's tables, in a restricted
 *		security context, until asd_restore_user().
 */
void
asd_become_extension_owner(Oid *save_userid, int *save_sec)
{
	asd_become_user(asd_extension_owner(), SECURITY_RESTRICTED_OPERATION,
					save_userid, save_sec);
}

void
asd_restore_user(Oid save_userid, int save_sec)
{
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * asd_pin_search_path
 *		While the extension acts as role for caller, a role without role's
 *		privileges, fix search_path to "pg_catalog, pg_temp", until
 *		asd_unpin_search_path() of the GUC nest level returned (-1: nothing
 *		was changed, caller may do what role does).
 *
 * The statements the extension runs as another role fire that role's code
 * (a table owner's triggers, a DBA's trigger on audit_logs), whose
 * functions look up the names they do not qualify through search_path.
 * That must not be the caller's own search_path, which can put a schema of
 * the caller's before pg_catalog: a trigger function calling now() would
 * call the caller's now() with the other role's rights.  PostgreSQL 17
 * pins search_path the same way for the owner's code VACUUM and ANALYZE
 * run.
 */
int
asd_pin_search_path(Oid caller, Oid role)
{
	int			nestlevel;

	if (has_privs_of_role(caller, role))
		return -1;
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
asd_unpin_search_path(int nestlevel)
{
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * asd_become_table_owner
 *		Act as owner, a table's owner, for what PostgreSQL does as the owner
 *		of a table (foreign-key actions, and so the marking of a soft
 *		delete), without forcing row-level security on it, with search_path
 *		pinned for a role without the owner's privileges, until
 *		asd_restore_table_user().  Returns the GUC nest level to pass it.
 */
int
asd_become_table_owner(Oid owner, Oid *save_userid, int *save_sec)
{
	int			nestlevel = asd_pin_search_path(GetUserId(), owner);

	asd_become_user(owner, SECURITY_NOFORCE_RLS, save_userid, save_sec);
	return nestlevel;
}

void
asd_restore_table_user(Oid save_userid, int save_sec, int guc_nestlevel)
{
	asd_restore_user(save_userid, save_sec);
	asd_unpin_search_path(guc_nestlevel);
}

static void
spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/*
 * asd_spi_connect
 *		Connect to SPI acting as role (InvalidOid: the current one), with
 *		sec_flags added to the security context, until asd_spi_finish().
 */
void
asd_spi_connect(AsdSpi *spi, Oid role, int sec_flags)
{
	spi->guc_nestlevel = -1;
	if (OidIsValid(role))
		asd_become_user(role, sec_flags, &spi->save_userid, &spi->save_sec);
	else
		GetUserIdAndSecContext(&spi->save_userid, &spi->save_sec);
	spi_connect();
}

/*
 * asd_spi_connect_as_owner
 *		asd_spi_connect() as the extension owner, with search_path pinned
 *		for a role without its privileges (asd_pin_search_path).
 */
void
asd_spi_connect_as_owner(AsdSpi *spi)
{
	spi->guc_nestlevel = asd_pin_search_path(GetUserId(), asd_extension_owner());
	asd_become_extension_owner(&spi->save_userid, &spi->save_sec);
	spi_connect();
}

/*
 * asd_spi_connect_as_table_owner
 *		asd_spi_connect() as a table's owner, owner, the way
 *		asd_become_table_owner() acts as it.
 */
void
asd_spi_connect_as_table_owner(AsdSpi *spi, Oid owner)
{
	spi->guc_nestlevel = asd_become_table_owner(owner, &spi->save_userid,
												&spi->save_sec);
	spi_connect();
}

void
asd_spi_finish(AsdSpi *spi)
{
	SPI_finish();
	asd_restore_table_user(spi->save_userid, spi->save_sec,
						   spi->guc_nestlevel);
}

/*
 * asd_spi_prepare
 *		Prepare query; with keep, keep the plan past the SPI connection.
 */
SPIPlanPtr
asd_spi_prepare(const char *query, int nargs, Oid *argtypes, bool keep)
{
	SPIPlanPtr	plan = SPI_prepare(query, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	if (keep && SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of \"%s\"", query);
	return plan;
}

/*
 * Run a query, by its text or its plan, with options (see asd_spi_run);
 * errors unless SPI says expected (0: any success).
 */
static int
spi_execute(const char *query, SPIPlanPtr plan, int nargs, Oid *argtypes,
			Datum *args, const char *nulls, int expected, int options)
{
	bool		read_only = (options & (ASD_SPI_READ_ONLY | ASD_SPI_LATEST)) != 0;
	bool		latest = (options & (ASD_SPI_LATEST | ASD_SPI_LATEST_WRITE)) != 0;
	long		tcount = (options & ASD_SPI_ONE_ROW) ? 1 : 0;
	int			rc;

	if (plan == NULL && latest)
		plan = asd_spi_prepare(query, nargs, argtypes, false);
	if (plan == NULL)
		rc = SPI_execute_with_args(query, nargs, argtypes, args, nulls,
								   read_only, tcount);
	else if (latest)
	{
		/* a write fires its AFTER triggers at its end, as SPI_execute does */
		rc = SPI_execute_snapshot(plan, args, nulls, GetLatestSnapshot(),
								  InvalidSnapshot, read_only, !read_only,
								  tcount);
	}
	else
		rc = SPI_execute_plan(plan, args, nulls, read_only, tcount);

	if (rc < 0 || (expected != 0 && rc != expected))
	{
		if (query == NULL)
			query = ((CachedPlanSource *) linitial(SPI_plan_get_plan_sources(plan)))->query_string;
		/* a user's DO INSTEAD rule made the write another one: not ours */
		if (rc == SPI_OK_REWRITTEN)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("a DO INSTEAD rule rewrote a statement of audit_softdelete"),
					 errdetail("The statement rewritten: %s", query),
					 errhint("Drop the rule, or write the change yourself.")));
		elog(ERROR, "could not run \"%s\": %s", query, SPI_result_code_string(rc));
	}
	return rc;
}

/*
 * asd_spi_run
 *		Run query with nargs args (nulls as SPI takes them, or NULL) in the
 *		current SPI connection; returns SPI's result code, and errors
 *		unless it is expected (0: any success).
 *
 * options: ASD_SPI_READ_ONLY, ASD_SPI_LATEST (read-only, with the latest
 * snapshot instead of the transaction's: a cache filled from a REPEATABLE
 * READ transaction's older snapshot would outlive the invalidation that
 * asked for it, and a row committed while this one waited for a lock is
 * there), ASD_SPI_LATEST_WRITE (the same for a query that writes: the
 * migration ledger, whose writes follow from the rows committed before
 * its lock was taken), ASD_SPI_ONE_ROW (stop at the first row).
 */
int
asd_spi_run(const char *query, int nargs, Oid *argtypes, Datum *args,
			const char *nulls, int expected, int options)
{
	return spi_execute(query, NULL, nargs, argtypes, args, nulls, expected,
					   options);
}

/*
 * asd_spi_run_on
 *		asd_spi_run() of a query whose one parameter, $1, is the relation
 *		relid, as a regclass.
 */
int
asd_spi_run_on(const char *query, Oid relid, int expected, int options)
{
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	return asd_spi_run(query, 1, argtypes, args, NULL, expected, options);
}

/*
 * asd_spi_run_plan
 *		asd_spi_run() for a plan prepared with asd_spi_prepare().
 */
int
asd_spi_run_plan(SPIPlanPtr plan, Datum *args, const char *nulls,
				 int expected, int options)
{
	return spi_execute(NULL, plan, 0, NULL, args, nulls, expected, options);
}

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
 *		Is the statement starting now, parsetree, one that _as_caller() runs?
 *
 * The pass is for one statement: the first ddl_command_start event of the
 * statement takes it, so that nothing that statement runs in turn (an event
 * trigger of someone else, say) gets it too.  The statement keeps it for
 * its later events (asd_has_ddl_pass).
 */
bool
asd_take_ddl_pass(Node *parsetree)
{
	bool		pass = ddl_pass;

	ddl_pass = false;
	if (pass)
		ddl_pass_statement = parsetree;
	return pass;
}

/*
 * asd_has_ddl_pass
 *		Is the statement whose sql_drop or ddl_command_end event fires now,
 *		parsetree, one that _as_caller() runs?  It took the pass at its start
 *		(its events carry the same parse tree, which lives as long as
 *		_as_caller() runs it), or no ddl_command_start event took it.
 */
bool
asd_has_ddl_pass(Node *parsetree)
{
	return ddl_pass || (parsetree != NULL && parsetree == ddl_pass_statement);
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
 * asd_take_ddl_pass).  It runs in the caller's security context, not the
 * restricted one of the extension owner.
 */
Datum
asd_as_caller(PG_FUNCTION_ARGS)
{
	AsdGate    *gate = require_gate("_as_caller");
	char	   *command;
	Oid			save_userid;
	int			save_sec;
	bool		save_pass = ddl_pass;
	Node	   *save_statement = ddl_pass_statement;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	command = text_to_cstring(PG_GETARG_TEXT_PP(0));
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(gate->caller,
						   gate->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	ddl_pass = true;
	ddl_pass_statement = NULL;
	PG_TRY();
	{
		AsdSpi		spi;

		asd_spi_connect(&spi, InvalidOid, 0);
		asd_spi_run(command, 0, NULL, NULL, NULL, 0, 0);
		asd_spi_finish(&spi);
	}
	PG_FINALLY();
	{
		ddl_pass = save_pass;
		ddl_pass_statement = save_statement;
		asd_restore_user(save_userid, save_sec);
	}
	PG_END_TRY();

	PG_RETURN_VOID();
}

/*
 * The jsonb value in the first column of the first row of query, run
 * read-only as role in the security context sec; *isnull says whether
 * there was none.  funcname names the function asking, for its error.
 */
static Datum
read_jsonb_as(Oid role, int sec, const char *query, const char *funcname,
			  bool *isnull)
{
	Oid			save_userid;
	int			save_sec;
	Datum		result = (Datum) 0;

	*isnull = true;
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(role, sec);
	PG_TRY();
	{
		AsdSpi		spi;

		asd_spi_connect(&spi, InvalidOid, 0);
		asd_spi_run(query, 0, NULL, NULL, NULL, SPI_OK_SELECT,
					ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
		if (SPI_processed > 0)
		{
			if (SPI_gettypeid(SPI_tuptable->tupdesc, 1) != JSONBOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("query of %s must return jsonb", funcname),
						 errdetail("Its first column is of type %s.",
								   format_type_be(SPI_gettypeid(SPI_tuptable->tupdesc, 1)))));
			result = SPI_getbinval(SPI_tuptable->vals[0],
								   SPI_tuptable->tupdesc, 1, isnull);
			/* into the caller's memory, which outlives the connection */
			if (!*isnull)
				result = SPI_datumTransfer(result, false, -1);
		}
		asd_spi_finish(&spi);
	}
	PG_FINALLY();
	{
		asd_restore_user(save_userid, save_sec);
	}
	PG_END_TRY();
	return result;
}

/*
 * _read_as_caller(query text) RETURNS jsonb
 *		The jsonb value in the first column of the first row of query, run
 *		read-only as the role that called the public function now running;
 *		NULL without a row.  Refused outside a public function.
 *
 * table_status() reads audit_logs through here, so that the figures it
 * shows are those the caller could compute: its privileges apply.
 * Read-only: SPI refuses a statement that writes, though not a function
 * the query calls, so only the extension's own queries come here.
 */
Datum
asd_read_as_caller(PG_FUNCTION_ARGS)
{
	AsdGate    *gate = require_gate("_read_as_caller");
	Datum		result;
	bool		isnull;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	result = read_jsonb_as(gate->caller,
						   gate->save_sec | SECURITY_LOCAL_USERID_CHANGE,
						   text_to_cstring(PG_GETARG_TEXT_PP(0)),
						   "_read_as_caller", &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * _read_as_table_owner(tbl regclass, query text) RETURNS jsonb
 *		As _read_as_caller(), for a query that reads table tbl, which the
 *		caller may read: run as tbl's owner, in a restricted security
 *		context.  Refused outside a public function, and for a caller
 *		without SELECT on tbl.
 *
 * table_status() counts the rows of the caller's tables through here.
 * Planning a query on a table runs its owner's code: the immutable
 * functions of its index expressions and predicates, and of its
 * statistics, which the planner calls with constant arguments.  A
 * superuser reading the status of every table must not run them with its
 * own rights; as VACUUM and ANALYZE do, they run as the table's owner.
 * (No table under row-level security is counted at all: as its owner the
 * count would not be the caller's.)
 */
Datum
asd_read_as_table_owner(PG_FUNCTION_ARGS)
{
	AsdGate    *gate = require_gate("_read_as_table_owner");
	Oid			relid;
	HeapTuple	tup;
	Oid			owner;
	char		relname[NAMEDATALEN];
	Datum		result;
	bool		isnull;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	relid = PG_GETARG_OID(0);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	strlcpy(relname, NameStr(((Form_pg_class) GETSTRUCT(tup))->relname), NAMEDATALEN);
	ReleaseSysCache(tup);
	if (pg_class_aclcheck(relid, gate->caller, ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", relname)));
	result = read_jsonb_as(owner,
						   gate->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION,
						   text_to_cstring(PG_GETARG_TEXT_PP(1)),
						   "_read_as_table_owner", &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}
