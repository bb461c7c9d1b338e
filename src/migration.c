/*-------------------------------------------------------------------------
 *
 * migration.c
 *	  The migrations this session runs: migration_begin(),
 *	  migration_finish(), migration_fail(), and the migration id that the
 *	  audit rows written meanwhile carry.
 *
 * A transactional run (the normal kind) writes its "running" row in the
 * migration's own transaction, and migration_finish() marks it
 * "succeeded" in that same transaction: after any crash, a "succeeded" row
 * means the migration committed, and no row means it did not.  A COMMIT
 * with a run begun and not finished is refused, so no transactional run
 * ever commits as "running".  The migration lock is held until the
 * transaction ends.
 *
 * A non-transactional run (for CREATE INDEX CONCURRENTLY and other
 * commands that cannot run in a transaction block) must begin outside a
 * transaction block: its "running" row then commits with the statement
 * that calls migration_begin().  It holds the migration lock for the
 * session until the transaction of its migration_finish() or
 * migration_fail() commits.  If the backend ends first, the row stays
 * "running" with no backend holding the lock: the ledger reports it as
 * "interrupted", and nothing else is recorded until migration_resolve()
 * says what happened.
 *
 * The id of the run is kept in this backend's memory, not in a setting,
 * so that no one can make audit rows claim a migration: from
 * migration_begin() to migration_finish() or migration_fail(), which end
 * the run at once (a statement after them, in the same transaction,
 * carries no id; the fingerprint recorded at the finish is the schema the
 * run left).  A rolled-back savepoint takes back a begin, finish or fail
 * made inside it, with its row.
 *
 * A non-transactional run lives in the backend, not in the client's
 * connection: it is the session's only while the session holds the
 * migration lock.  pg_advisory_unlock_all() and DISCARD ALL release it (a
 * connection pooler runs DISCARD ALL when it hands the backend to another
 * client), and then another session may take the lock while the ledger
 * reports the run interrupted.  So wherever the run's id is read (the
 * audit rows, the DDL log, finish, fail, begin) the lock is checked first;
 * once it is gone the run is over for this session, and finish and fail
 * refuse, saying why.  DISCARD ALL, seen by a utility hook, also forgets
 * what a rolled-back run was: the next client is a new session.  A
 * transaction-pooling connection pooler cannot carry a non-transactional
 * run at all (its statements land on any backend); transactional runs
 * work behind any pooler.
 *
 * IDENTIFICATION
 *	  src/migration.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "fingerprint.h"
#include "migration.h"

PG_FUNCTION_INFO_V1(asd_migration_begin);
PG_FUNCTION_INFO_V1(asd_migration_finish);
PG_FUNCTION_INFO_V1(asd_migration_fail);

/* One run this session began. */
typedef struct MigrationRun
{
	int64		id;				/* 0 until its row is written */
	bool		transactional;
	SubTransactionId begin_subid;	/* while its begin is not committed */
	SubTransactionId end_subid; /* of a finish or fail not yet committed */
	/* what migration_fail() records after a rollback took the row away */
	TimestampTz started_at;
	char	   *version;
	char	   *direction;
	char	   *description;
	char	   *checksum;
	char	   *context;		/* jsonb as text */
	char	   *actor;
} MigrationRun;

/* The transactional runs of the current transaction (TopTransactionContext). */
static List *xact_runs = NIL;

/* The non-transactional run of this session (TopMemoryContext). */
static MigrationRun *session_run = NULL;

/* The last run a rollback took away, for migration_fail() (TopMemoryContext). */
static MigrationRun *rolled_back_run = NULL;

/*
 * The non-transactional run this session lost with the migration lock,
 * for the error of a later finish or fail (TopMemoryContext); lost_by_discard
 * says DISCARD ALL released it.  Forgotten at the next begin.
 */
static MigrationRun *lost_run = NULL;
static bool lost_by_discard = false;

static bool callbacks_registered = false;

static MigrationRun *unfinished_run(void);

static char *
copy_string(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

static MigrationRun *
copy_run(MemoryContext cxt, const MigrationRun *run)
{
	MigrationRun *copy = MemoryContextAlloc(cxt, sizeof(MigrationRun));

	*copy = *run;
	copy->version = copy_string(cxt, run->version);
	copy->direction = copy_string(cxt, run->direction);
	copy->description = copy_string(cxt, run->description);
	copy->checksum = copy_string(cxt, run->checksum);
	copy->context = copy_string(cxt, run->context);
	copy->actor = copy_string(cxt, run->actor);
	return copy;
}

static void
free_run(MigrationRun *run)
{
	if (run == NULL)
		return;
	if (run->version)
		pfree(run->version);
	if (run->direction)
		pfree(run->direction);
	if (run->description)
		pfree(run->description);
	if (run->checksum)
		pfree(run->checksum);
	if (run->context)
		pfree(run->context);
	if (run->actor)
		pfree(run->actor);
	pfree(run);
}

/* Keep a run a rollback took away, for migration_fail(). */
static void
remember_rolled_back(const MigrationRun *run)
{
	free_run(rolled_back_run);
	rolled_back_run = copy_run(TopMemoryContext, run);
}

/* The non-transactional run is over (or never was): release its lock. */
static void
end_session_run(void)
{
	asd_migration_unlock(true);
	free_run(session_run);
	session_run = NULL;
}

/*
 * The session lost its non-transactional run with the migration lock:
 * forget the run, remember it for the error of a later finish or fail.
 */
static void
lose_session_run(bool by_discard)
{
	free_run(lost_run);
	lost_run = session_run;
	lost_by_discard = by_discard;
	session_run = NULL;
}

/* The session began again: a run it lost is history. */
static void
forget_lost_run(void)
{
	free_run(lost_run);
	lost_run = NULL;
}

/*
 * check_session_run
 *		The session's non-transactional run is its own only while it holds
 *		the migration lock (see the file header).  Cheap: a lookup in the
 *		backend's own lock table, and only while such a run exists.
 */
static void
check_session_run(void)
{
	if (session_run != NULL && !asd_migration_lock_held())
		lose_session_run(false);
}

/*
 * A finish or fail with no run in progress, in a session that lost one
 * (id 0 or version NULL: any): say what happened to it.
 */
static void
refuse_if_lost(int64 id, const char *version)
{
	if (lost_run == NULL || lost_run->id == 0 ||
		(id != 0 && id != lost_run->id) ||
		(version != NULL && strcmp(version, lost_run->version) != 0))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("run %lld of migration \"%s\" is no longer this session's",
					(long long) lost_run->id, lost_run->version),
			 lost_by_discard ?
			 errdetail("DISCARD ALL released the migration lock, and with it the run, while the run was in progress. A connection pooler runs DISCARD ALL when it hands the connection to another client.") :
			 errdetail("The session no longer holds the migration lock: pg_advisory_unlock_all() released it while the run was in progress."),
			 errhint("Other sessions may run migrations now. If audit_softdelete.migration_history reports the run interrupted, find out what it did and record that with audit_softdelete.migration_resolve().")));
}

/* The run of this session that has not finished, or NULL. */
static MigrationRun *
unfinished_run(void)
{
	check_session_run();
	if (xact_runs != NIL)
	{
		MigrationRun *run = llast(xact_runs);

		if (run->end_subid == InvalidSubTransactionId)
			return run;
	}
	if (session_run != NULL && session_run->end_subid == InvalidSubTransactionId)
		return session_run;
	return NULL;
}

/*
 * asd_migration_own_run
 *		The id of the run this backend is making, finished or not, until
 *		its transaction (or, for a non-transactional run, the transaction
 *		of its finish or fail) commits; 0 for none.  What the lock holder's
 *		run is when the holder is this backend: a run it lost, or one an
 *		earlier client of a pooled connection began, is not.
 */
int64
asd_migration_own_run(void)
{
	check_session_run();
	if (xact_runs != NIL)
		return ((MigrationRun *) llast(xact_runs))->id;
	if (session_run != NULL)
		return session_run->id;
	return 0;
}

/*
 * asd_current_migration_id
 *		The id of the run in progress in this backend, for audit rows and
 *		the DDL log: none once migration_finish() or migration_fail() ended
 *		it, or once the session lost its non-transactional run.
 */
bool
asd_current_migration_id(int64 *id)
{
	MigrationRun *run;

	if (xact_runs == NIL && session_run == NULL)
		return false;
	run = unfinished_run();
	if (run == NULL || run->id == 0)
		return false;
	*id = run->id;
	return true;
}

static void
migration_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			foreach(lc, xact_runs)
			{
				MigrationRun *run = lfirst(lc);

				if (run->end_subid == InvalidSubTransactionId)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
							 errmsg("cannot commit while migration \"%s\" is running",
									run->version),
							 errdetail("migration_begin() began run %lld in this transaction; only migration_finish() may end it before COMMIT.",
									   (long long) run->id),
							 errhint("Call audit_softdelete.migration_finish() before COMMIT, or roll back. A transactional migration runs between BEGIN and COMMIT.")));
			}
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (xact_runs != NIL ||
				(session_run != NULL &&
				 (session_run->begin_subid != InvalidSubTransactionId ||
				  session_run->end_subid != InvalidSubTransactionId)))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that records a migration")));
			break;
		case XACT_EVENT_COMMIT:
			xact_runs = NIL;
			if (session_run != NULL)
			{
				if (session_run->end_subid != InvalidSubTransactionId)
					end_session_run();
				else
					session_run->begin_subid = InvalidSubTransactionId;
			}
			break;
		case XACT_EVENT_ABORT:
			if (xact_runs != NIL)
				remember_rolled_back(llast(xact_runs));
			xact_runs = NIL;
			if (session_run != NULL)
			{
				if (session_run->begin_subid != InvalidSubTransactionId)
					end_session_run();
				else
					session_run->end_subid = InvalidSubTransactionId;
			}
			break;
		default:
			break;
	}
}

static void
migration_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case SUBXACT_EVENT_COMMIT_SUB:
			foreach(lc, xact_runs)
			{
				MigrationRun *run = lfirst(lc);

				if (run->begin_subid == mySubid)
					run->begin_subid = parentSubid;
				if (run->end_subid == mySubid)
					run->end_subid = parentSubid;
			}
			if (session_run != NULL)
			{
				if (session_run->begin_subid == mySubid)
					session_run->begin_subid = parentSubid;
				if (session_run->end_subid == mySubid)
					session_run->end_subid = parentSubid;
			}
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			foreach(lc, xact_runs)
			{
				MigrationRun *run = lfirst(lc);

				if (run->begin_subid == mySubid)
				{
					if (run->id != 0)
						remember_rolled_back(run);
					xact_runs = foreach_delete_current(xact_runs, lc);
				}
				else if (run->end_subid == mySubid)
					run->end_subid = InvalidSubTransactionId;
			}
			if (session_run != NULL)
			{
				if (session_run->begin_subid == mySubid)
					end_session_run();
				else if (session_run->end_subid == mySubid)
					session_run->end_subid = InvalidSubTransactionId;
			}
			break;
		default:
			break;
	}
}

/*
 * asd_migration_discard_all
 *		After a DISCARD ALL (statement.c sees every utility statement).
 *
 * DISCARD ALL makes the session a new one: its non-transactional run, if
 * any, is lost (DISCARD ALL released the lock), and what a rolled-back
 * run was is no longer this session's to record.  DISCARD ALL cannot run
 * in a transaction block, so no transactional run is in progress.
 */
void
asd_migration_discard_all(void)
{
	if (session_run != NULL)
		lose_session_run(true);
	else
		forget_lost_run();
	free_run(rolled_back_run);
	rolled_back_run = NULL;
}

/*
 * The callbacks are in place from the first migration_begin()
 * of the backend on: before it, this session has no run to follow.
 */
static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(migration_xact_callback, NULL);
	RegisterSubXactCallback(migration_subxact_callback, NULL);
	callbacks_registered = true;
}

/* A migration is already running in this session: refuse another. */
static void
refuse_if_running_here(void)
{
	MigrationRun *run = unfinished_run();

	if (run == NULL && session_run != NULL)
		run = session_run;		/* finished, not yet committed */
	if (run != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is running in this session", run->version),
				 errdetail("Run %lld is not over: one migration runs at a time.",
						   (long long) run->id),
				 errhint("End it with audit_softdelete.migration_finish() or migration_fail() first.")));
}

/*
 * migration_begin(version text, description text DEFAULT NULL,
 *				   checksum text DEFAULT NULL, context jsonb DEFAULT '{}',
 *				   direction text DEFAULT 'up',
 *				   transactional boolean DEFAULT true) RETURNS bigint
 *		Record that a migration starts; returns its run id, or NULL when
 *		the version is already applied with this checksum (a script skips
 *		it: psql's \if).
 */
Datum
asd_migration_begin(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *description;
	char	   *checksum;
	char	   *context = "{}";
	char	   *direction;
	bool		transactional;
	AsdLedgerCall call;
	AsdVersionState state;
	MigrationRun run;
	Oid			argtypes[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID};
	Datum		args[9];
	char		nulls[9];
	bool		isnull;

	asd_ledger_require_read();
	version = asd_migration_version_arg(fcinfo, 0);
	description = asd_migration_text_arg(fcinfo, 1, "description", false);
	checksum = asd_migration_text_arg(fcinfo, 2, "checksum", false);
	direction = asd_migration_text_arg(fcinfo, 4, "direction", true);
	if (checksum != NULL)
		checksum = asd_migration_checksum_tag(checksum, "checksum");
	if (!PG_ARGISNULL(3))
	{
		Jsonb	   *jb = PG_GETARG_JSONB_P(3);

		if (!JB_ROOT_IS_OBJECT(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"context\" must be a JSON object"),
					 errdetail("It describes the run: {\"tool\": \"...\", \"git_sha\": \"...\"}, for instance.")));
		context = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	}
	if (strcmp(direction, "up") != 0 && strcmp(direction, "down") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid migration direction \"%s\"", direction),
				 errhint("The direction is \"up\" (apply) or \"down\" (revert).")));
	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", "transactional")));
	transactional = PG_GETARG_BOOL(5);

	refuse_if_running_here();
	/* IsTransactionBlock() is true in a subtransaction too */
	if (!transactional && (IsTransactionBlock() || xact_runs != NIL))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("a non-transactional migration must begin outside a transaction block"),
				 IsSubTransaction() ?
				 errdetail("migration_begin(transactional => false) must commit its row with its own statement; a subtransaction (a savepoint, an exception block) could still roll it back.") :
				 errdetail("migration_begin(transactional => false) must commit its row with its own statement."),
				 errhint("Call it on its own, outside BEGIN ... COMMIT; run the migration's statements after it, and end with migration_finish() or migration_fail().")));

	register_callbacks();
	memset(&run, 0, sizeof(run));
	run.transactional = transactional;
	run.begin_subid = GetCurrentSubTransactionId();
	run.version = version;
	run.direction = direction;
	run.description = description;
	run.checksum = checksum;
	run.context = context;
	run.actor = asd_current_actor();

	asd_migration_lock(!transactional);
	/* from here on, an error or a rollback releases the session lock */
	if (!transactional)
		session_run = copy_run(TopMemoryContext, &run);

	asd_ledger_open(&call);
	asd_ledger_refuse_if_interrupted();
	asd_ledger_version_state(version, &state);
	if (strcmp(direction, "up") == 0 && state.applied)
	{
		if (checksum != NULL && state.checksum != NULL &&
			strcmp(checksum, state.checksum) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("migration \"%s\" was applied with another checksum", version),
					 errdetail("The ledger holds %s for it, recorded at %s; this call gives %s.",
							   state.checksum,
							   timestamptz_to_str(state.checksum_recorded_at),
							   checksum),
					 errhint("An applied migration must not change: write a new migration, or accept the change with audit_softdelete.migration_accept_checksum().")));
		/* applied, and the same script: nothing to do */
		asd_ledger_close(&call);
		if (transactional)
			asd_migration_unlock(false);
		else
			end_session_run();
		forget_lost_run();
		PG_RETURN_NULL();
	}
	if (strcmp(direction, "down") == 0 && !state.applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is not applied", version),
				 !state.known ? errdetail("The ledger has no run of it.") :
				 state.succeeded_run != 0 ?
				 errdetail("Run %lld reverted it.", (long long) state.succeeded_run) :
				 errdetail("No run of it succeeded."),
				 errhint("Only an applied migration can be reverted.")));

	memset(nulls, ' ', sizeof(nulls));
	args[0] = CStringGetTextDatum(version);
	args[1] = description ? CStringGetTextDatum(description) : (Datum) 0;
	nulls[1] = description ? ' ' : 'n';
	args[2] = CStringGetTextDatum(direction);
	args[3] = checksum ? CStringGetTextDatum(checksum) : (Datum) 0;
	nulls[3] = checksum ? ' ' : 'n';
	args[4] = BoolGetDatum(transactional);
	args[5] = CStringGetTextDatum(call.db_user);
	args[6] = CStringGetTextDatum(call.actor);
	args[7] = TimestampTzGetDatum(MyStartTimestamp);
	args[8] = DirectFunctionCall1(jsonb_in, CStringGetDatum(context));
	run.id = asd_ledger_insert("INSERT INTO audit_softdelete.migrations"
							   " (version, description, direction, checksum, status, started_at,"
							   "  transactional, db_user, actor, client_addr, application_name,"
							   "  pid, backend_start, context)"
							   " VALUES ($1, $2, $3, $4, 'running', pg_catalog.clock_timestamp(),"
							   "  $5, $6, $7, pg_catalog.inet_client_addr(),"
							   "  pg_catalog.current_setting('application_name'),"
							   "  pg_catalog.pg_backend_pid(), $8, $9)"
							   " RETURNING id, started_at",
							   9, argtypes, args, nulls);
	run.started_at = DatumGetTimestampTz(asd_ledger_value(0, "started_at", &isnull));
	asd_ledger_close(&call);

	if (transactional)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);

		xact_runs = lappend(xact_runs, copy_run(TopTransactionContext, &run));
		MemoryContextSwitchTo(oldcxt);
	}
	else
	{
		session_run->id = run.id;
		session_run->started_at = run.started_at;
	}
	free_run(rolled_back_run);
	rolled_back_run = NULL;
	forget_lost_run();
	PG_RETURN_INT64(run.id);
}

/*
 * Mark this session's run as ended: status "succeeded" (with the schema
 * fingerprint) or "failed" (with the error).  From now on the session's
 * writes and DDL carry no run id.
 */
static void
end_run(MigrationRun *run, const char *status, const char *error)
{
	AsdLedgerCall call;
	Oid			argtypes[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', 'n', 'n'};
	char	   *fingerprint = NULL;

	/*
	 * The schema as the migration leaves it, seen with the statement's
	 * snapshot, which holds the migration's own changes; a later one could
	 * take in DDL another session committed meanwhile, which is drift.
	 */
	if (strcmp(status, "succeeded") == 0)
		fingerprint = asd_schema_fingerprint();
	asd_ledger_open(&call);
	args[0] = Int64GetDatum(run->id);
	args[1] = CStringGetTextDatum(status);
	if (fingerprint != NULL)
	{
		args[2] = CStringGetTextDatum(fingerprint);
		nulls[2] = ' ';
	}
	if (error != NULL)
	{
		args[3] = CStringGetTextDatum(error);
		nulls[3] = ' ';
	}
	(void) asd_ledger_execute("UPDATE audit_softdelete.migrations m"
							  "   SET status = $2, finished_at = t.now,"
							  "       duration = t.now - m.started_at,"
							  "       schema_fingerprint = $3, error = $4"
							  "  FROM (SELECT pg_catalog.clock_timestamp() AS now) t"
							  " WHERE m.id = $1 AND m.status = 'running'",
							  4, argtypes, args, nulls, SPI_OK_UPDATE, true);
	/*
	 * Cannot happen: the run is this session's (unfinished_run() checked
	 * the lock of a non-transactional one), and only the holder of the
	 * lock changes a running row.
	 */
	if (SPI_processed != 1)
		elog(ERROR, "run %lld of migration \"%s\" is no longer running",
			 (long long) run->id, run->version);
	asd_ledger_close(&call);
	run->end_subid = GetCurrentSubTransactionId();
}

/*
 * migration_finish(id bigint DEFAULT NULL) RETURNS void
 *		Mark the run in progress in this session "succeeded".  id, when
 *		given, must be that run's.
 */
Datum
asd_migration_finish(PG_FUNCTION_ARGS)
{
	MigrationRun *run;

	asd_ledger_require_read();
	run = unfinished_run();
	if (run == NULL || run->id == 0)
		refuse_if_lost(PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0), NULL);
	if (run == NULL || run->id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no migration is running in this session"),
				 errhint("When migration_begin() returns NULL the migration is already applied: skip it, migration_finish() included.")));
	if (!PG_ARGISNULL(0) && PG_GETARG_INT64(0) != run->id)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration run %lld is not running in this session",
						(long long) PG_GETARG_INT64(0)),
				 errdetail("The run in progress here is %lld, of migration \"%s\".",
						   (long long) run->id, run->version)));
	end_run(run, "succeeded", NULL);
	PG_RETURN_VOID();
}

/*
 * migration_fail(version text, error text) RETURNS bigint
 *		Record that a migration failed; returns the id of its run.
 *
 * A non-transactional run in progress in this session is marked "failed"
 * (its lock goes when this commits).  A transactional run leaves no row
 * once rolled back; after the ROLLBACK, this records one, "failed", with
 * what the rolled-back run was (when it was this version) and the error.
 * Optional: without it the ledger says nothing false, it only says less.
 */
Datum
asd_migration_fail(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *error;
	MigrationRun *run;
	MigrationRun *known;
	AsdLedgerCall call;
	Oid			argtypes[10] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID, TEXTOID};
	Datum		args[10];
	char		nulls[10];
	int64		id;

	asd_ledger_require_read();
	version = asd_migration_version_arg(fcinfo, 0);
	error = asd_migration_text_arg(fcinfo, 1, "error", false);
	run = unfinished_run();
	if (run == NULL)
		refuse_if_lost(0, version);
	if (run != NULL && strcmp(run->version, version) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is running in this session, not \"%s\"",
						run->version, version),
				 errhint("Record the failure of the migration that is running.")));
	if (run != NULL && run->transactional)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migration \"%s\" is still running in this transaction", version),
				 errdetail("Its changes and its row go away with a rollback; recording the failure here would commit them."),
				 errhint("Roll back, then call audit_softdelete.migration_fail().")));
	if (run != NULL)
	{
		end_run(run, "failed", error);
		PG_RETURN_INT64(run->id);
	}

	/* after a rollback: a row of its own, under the lock until commit */
	known = (rolled_back_run != NULL && strcmp(rolled_back_run->version, version) == 0) ?
		rolled_back_run : NULL;
	asd_migration_lock(false);
	asd_ledger_open(&call);
	asd_ledger_refuse_if_interrupted();

	memset(nulls, ' ', sizeof(nulls));
	args[0] = CStringGetTextDatum(version);
	nulls[1] = nulls[3] = nulls[4] = nulls[8] = 'n';
	args[2] = CStringGetTextDatum(known ? known->direction : "up");
	if (known && known->description)
	{
		args[1] = CStringGetTextDatum(known->description);
		nulls[1] = ' ';
	}
	if (known && known->checksum)
	{
		args[3] = CStringGetTextDatum(known->checksum);
		nulls[3] = ' ';
	}
	if (known)
	{
		args[4] = TimestampTzGetDatum(known->started_at);
		nulls[4] = ' ';
		args[8] = DirectFunctionCall1(jsonb_in, CStringGetDatum(known->context));
		nulls[8] = ' ';
	}
	args[5] = CStringGetTextDatum(call.db_user);
	args[6] = CStringGetTextDatum(known ? known->actor : call.actor);
	args[7] = TimestampTzGetDatum(MyStartTimestamp);
	args[9] = error ? CStringGetTextDatum(error) : (Datum) 0;
	nulls[9] = error ? ' ' : 'n';
	id = asd_ledger_insert("INSERT INTO audit_softdelete.migrations"
						   " (version, description, direction, checksum, status, started_at,"
						   "  finished_at, duration, transactional, db_user, actor, client_addr,"
						   "  application_name, pid, backend_start, context, error)"
						   " SELECT $1, $2, $3, $4, 'failed', coalesce($5, t.now), t.now,"
						   "        t.now - coalesce($5, t.now), true, $6, $7,"
						   "        pg_catalog.inet_client_addr(),"
						   "        pg_catalog.current_setting('application_name'),"
						   "        pg_catalog.pg_backend_pid(), $8,"
						   "        coalesce($9, '{}'::pg_catalog.jsonb), $10"
						   "   FROM (SELECT pg_catalog.clock_timestamp() AS now) t"
						   " RETURNING id",
						   10, argtypes, args, nulls);
	asd_ledger_close(&call);
	if (known)
	{
		free_run(rolled_back_run);
		rolled_back_run = NULL;
	}
	PG_RETURN_INT64(id);
}
