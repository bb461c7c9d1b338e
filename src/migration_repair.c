/*-------------------------------------------------------------------------
 *
 * migration_repair.c
 *	  The ledger's repair decisions: migration_baseline(),
 *	  migration_resolve(), migration_accept_checksum().
 *
 * History is never edited.  Each decision is a row of migration_events
 * naming the run it concerns, who decided, when and why; the state of a
 * version is its latest run as the events after it amend it (see the view
 * migration_versions).  Each takes the migration lock, without waiting,
 * for its transaction: no decision is made while a migration runs.
 *
 * IDENTIFICATION
 *	  src/migration_repair.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "fingerprint.h"
#include "migration.h"

PG_FUNCTION_INFO_V1(asd_migration_baseline);
PG_FUNCTION_INFO_V1(asd_migration_resolve);
PG_FUNCTION_INFO_V1(asd_migration_accept_checksum);

/*
 * migration_baseline(version text, description text DEFAULT NULL)
 *		RETURNS bigint
 *		Record that a database whose migrations were never recorded is at
 *		version: a run with status "baseline", with the schema's
 *		fingerprint as it is now, and the decision.  Returns the run's id.
 *		Refused once the ledger has any history.
 */
Datum
asd_migration_baseline(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *description;
	AsdLedgerCall call;
	Oid			argtypes[6] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
	TEXTOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int64		runs;
	int64		id;

	asd_ledger_require_read();
	version = asd_migration_version_arg(fcinfo, 0);
	description = asd_migration_text_arg(fcinfo, 1, "description", false);
	asd_migration_lock(false);
	asd_ledger_open(&call);
	(void) asd_ledger_execute("SELECT (SELECT pg_catalog.count(*) FROM audit_softdelete.migrations)"
							  "     + (SELECT pg_catalog.count(*) FROM audit_softdelete.migration_events)"
							  "       AS entries",
							  0, NULL, NULL, NULL, SPI_OK_SELECT, false);
	runs = asd_ledger_int64(0, "entries");
	if (runs > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the migration ledger already has history"),
				 errdetail("It holds %lld runs and decisions; a baseline marks a database whose migrations were never recorded.",
						   (long long) runs),
				 errhint("Record the migrations that follow with audit_softdelete.migration_begin().")));

	args[0] = CStringGetTextDatum(version);
	if (description != NULL)
		args[1] = CStringGetTextDatum(description);
	else
		nulls[1] = 'n';
	args[2] = CStringGetTextDatum(call.db_user);
	args[3] = CStringGetTextDatum(call.actor);
	args[4] = TimestampTzGetDatum(MyStartTimestamp);
	/* the schema the database is at: migration_drift() compares with it */
	args[5] = CStringGetTextDatum(asd_schema_fingerprint());
	id = asd_ledger_insert("INSERT INTO audit_softdelete.migrations"
						   " (version, description, direction, status, started_at, finished_at,"
						   "  duration, transactional, db_user, actor, client_addr,"
						   "  application_name, pid, backend_start, schema_fingerprint)"
						   " SELECT $1, $2, 'up', 'baseline', t.now, t.now, '0'::pg_catalog.interval,"
						   "        true, $3, $4, pg_catalog.inet_client_addr(),"
						   "        pg_catalog.current_setting('application_name'),"
						   "        pg_catalog.pg_backend_pid(), $5, $6"
						   "   FROM (SELECT pg_catalog.clock_timestamp() AS now) t"
						   " RETURNING id",
						   6, argtypes, args, nulls);
	(void) asd_ledger_insert_event(&call, "baseline", id, version, NULL, NULL,
								   description, NULL);
	asd_ledger_close(&call);
	PG_RETURN_INT64(id);
}

/*
 * migration_resolve(version text, status text, reason text) RETURNS bigint
 *		Record what became of a version's interrupted or failed latest run:
 *		"succeeded" (it did what it was meant to, possibly finished by
 *		hand) or "failed" (it did not, and the database is as before it).
 *		Returns the event's id.
 *
 * An interrupted run's row, still "running", is recorded "interrupted",
 * the outcome it had; the decision is the event.  A decision "succeeded"
 * also records the schema's fingerprint as it is at the decision.
 */
Datum
asd_migration_resolve(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *status;
	char	   *reason;
	AsdLedgerCall call;
	AsdVersionState state;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	int64		id;

	asd_ledger_require_read();
	version = asd_migration_version_arg(fcinfo, 0);
	status = asd_migration_text_arg(fcinfo, 1, "status", true);
	reason = asd_migration_text_arg(fcinfo, 2, "reason", true);
	if (strcmp(status, "succeeded") != 0 && strcmp(status, "failed") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid status \"%s\" for a migration run", status),
				 errhint("A run is resolved as \"succeeded\" or \"failed\".")));

	asd_migration_lock(false);
	asd_ledger_open(&call);
	asd_ledger_version_state(version, &state);
	if (!state.known)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" has no run to resolve", version),
				 errdetail("The ledger has no run of it.")));
	if (strcmp(state.last_run_status, "interrupted") != 0 &&
		strcmp(state.last_run_status, "failed") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" has no run to resolve", version),
				 errdetail("Its latest run, %lld, is %s.",
						   (long long) state.last_run, state.last_run_status),
				 errhint("Only an interrupted or failed run is resolved.")));
	if (strcmp(state.last_run_status, status) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("run %lld of migration \"%s\" is already %s",
						(long long) state.last_run, version, status)));

	args[0] = Int64GetDatum(state.last_run);
	(void) asd_ledger_execute("UPDATE audit_softdelete.migrations SET status = 'interrupted'"
							  " WHERE id = $1 AND status = 'running'",
							  1, argtypes, args, NULL, SPI_OK_UPDATE, true);
	/*
	 * A run resolved as succeeded counts as finished now, with the schema
	 * as it is now: migration_drift() compares with this fingerprint, and
	 * looks for DDL outside migrations after this decision.  The run's row
	 * keeps what it recorded itself.
	 */
	id = asd_ledger_insert_event(&call, "resolve", state.last_run, version,
								 status, NULL, reason,
								 strcmp(status, "succeeded") == 0 ?
								 asd_schema_fingerprint() : NULL);
	asd_ledger_close(&call);
	PG_RETURN_INT64(id);
}

/*
 * migration_accept_checksum(version text, checksum text, reason text)
 *		RETURNS bigint
 *		Accept that an applied migration's script changed: from now on the
 *		version is held to this checksum.  Returns the event's id.
 */
Datum
asd_migration_accept_checksum(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *checksum;
	char	   *reason;
	AsdLedgerCall call;
	AsdVersionState state;
	int64		id;

	asd_ledger_require_read();
	version = asd_migration_version_arg(fcinfo, 0);
	checksum = asd_migration_text_arg(fcinfo, 1, "checksum", true);
	reason = asd_migration_text_arg(fcinfo, 2, "reason", true);
	checksum = asd_migration_checksum_tag(checksum, "checksum");
	asd_migration_lock(false);
	asd_ledger_open(&call);
	asd_ledger_version_state(version, &state);
	if (!state.applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is not applied", version),
				 !state.known ? errdetail("The ledger has no run of it.") :
				 errdetail("Its state is %s.", state.state),
				 errhint("Only an applied migration's checksum is accepted.")));
	if (state.checksum != NULL && strcmp(state.checksum, checksum) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" already has checksum %s", version, checksum)));
	id = asd_ledger_insert_event(&call, "accept_checksum", state.succeeded_run,
								 version, NULL, checksum, reason, NULL);
	asd_ledger_close(&call);
	PG_RETURN_INT64(id);
}
