/*-------------------------------------------------------------------------
 *
 * migration_ledger.c
 *	  Reading and writing the migration ledger (migrations,
 *	  migration_events) as the extension owner, and the trigger that keeps
 *	  it append-only.
 *
 * The ledger functions write as the extension owner, so that the roles
 * granted EXECUTE on them need no privilege on the tables, and cannot
 * write them directly.  They read through the view migration_versions,
 * the one place that says what state a version is in, with the latest
 * snapshot: a migration runner in a REPEATABLE READ transaction must see
 * the runs that committed before it took the migration lock, not only
 * those that committed before its transaction began.
 *
 * Nothing in the ledger is ever deleted or changed after the fact: a run's
 * row goes once from "running" to its outcome, and every later decision
 * (resolve, accept a checksum, baseline) is a row of migration_events.  The
 * trigger migration_ledger_guard refuses every other UPDATE, every DELETE
 * and every TRUNCATE, whoever runs it, the extension owner included.
 * INSERT stays open to the owner: pg_dump restores the ledger's rows
 * with COPY.
 *
 * IDENTIFICATION
 *	  src/migration_ledger.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "call_check.h"
#include "migration.h"
#include "owner.h"

PG_FUNCTION_INFO_V1(asd_migration_ledger_guard);

/* Set while the ledger functions update a run: the guard lets that pass. */
static bool ledger_updating = false;

/*
 * asd_migration_text_arg
 *		Argument argno as a C string: NULL when SQL NULL and not required;
 *		a required one must be neither NULL nor blank.
 */
char *
asd_migration_text_arg(FunctionCallInfo fcinfo, int argno,
					   const char *argname, bool required)
{
	char	   *value;
	const char *p;

	if (PG_ARGISNULL(argno))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not be null", argname)));
		return NULL;
	}
	value = TextDatumGetCString(PG_GETARG_DATUM(argno));
	for (p = value; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	if (required && *p == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be empty", argname)));
	return value;
}

/*
 * asd_migration_check_version
 *		A migration version names a migration in the ledger, in messages
 *		and in listings, and is compared byte for byte: it must not be
 *		empty, longer than MIGRATION_VERSION_MAX_BYTES, hold a control
 *		character (ASCII, DEL, and in a UTF8 database U+0080 to U+009F:
 *		line breaks and tabs among them), or start or end with a space
 *		(" v1" and "v1" would be two migrations).  what names the value in
 *		the error: "argument \"version\"", for instance.
 */
#define MIGRATION_VERSION_MAX_BYTES 200

void
asd_migration_check_version(const char *version, const char *what)
{
	size_t		len = strlen(version);
	size_t		i;
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);

	if (len == 0 || strspn(version, " ") == len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	if (len > MIGRATION_VERSION_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is too long", what),
				 errdetail("It is %zu bytes long; a migration version has at most %d.",
						   len, MIGRATION_VERSION_MAX_BYTES)));
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) version[i];
		unsigned char next = (i + 1 < len) ? (unsigned char) version[i + 1] : 0;

		if (c < 0x20 || c == 0x7F)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a control character", what),
					 errdetail("Byte %zu of the version is U+%04X, a control character.",
							   i + 1, c),
					 errhint("A migration version is printable text, without line breaks or tabs.")));
		if (utf8 && c == 0xC2 && next >= 0x80 && next <= 0x9F)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a control character", what),
					 errdetail("Bytes %zu and %zu of the version are U+%04X, a control character.",
							   i + 1, i + 2, next),
					 errhint("A migration version is printable text, without line breaks or tabs.")));
	}
	if (version[0] == ' ' || version[len - 1] == ' ')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not start or end with a space", what),
				 errdetail("The version is \"%s\". Versions are compared exactly: with and without the spaces, they would be two migrations.",
						   version)));
}

/*
 * asd_migration_version_arg
 *		The version argument argno, checked (asd_migration_check_version).
 */
char *
asd_migration_version_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *version;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", "version")));
	version = TextDatumGetCString(PG_GETARG_DATUM(argno));
	asd_migration_check_version(version, "argument \"version\"");
	return version;
}

/*
 * asd_ledger_require_read
 *		The recording functions report what the ledger holds (which
 *		migration runs, which checksum was recorded, which run ended how):
 *		they are for roles that may read it.  Checked first, before the
 *		arguments.
 */
void
asd_ledger_require_read(void)
{
	static const char *const tables[] = {"migrations", "migration_events"};
	Oid			nspid = get_namespace_oid(ASD_SCHEMA_NAME, false);
	int			i;

	for (i = 0; i < lengthof(tables); i++)
	{
		Oid			relid = get_relname_relid(tables[i], nspid);

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"%s.%s\" does not exist", ASD_SCHEMA_NAME, tables[i]),
					 errhint("Run ALTER EXTENSION audit_softdelete UPDATE.")));
		if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s", tables[i]),
					 errdetail("The functions that record migrations report what the ledger holds: they are for roles that may read it."),
					 errhint("Grant SELECT on %s.migrations and %s.migration_events to the role that records migrations.",
							 ASD_SCHEMA_NAME, ASD_SCHEMA_NAME)));
	}
}

/*
 * asd_ledger_open
 *		Note who is acting, then connect to SPI as the extension owner.
 */
void
asd_ledger_open(AsdLedgerCall *call)
{
	/* as the session, before the user changes */
	call->actor = pstrdup(asd_current_actor());
	call->db_user = pstrdup(asd_session_user_name());
	call->spi = palloc(sizeof(AsdSpi));
	asd_spi_connect_as_owner(call->spi);
}

void
asd_ledger_close(AsdLedgerCall *call)
{
	asd_spi_finish(call->spi);
	pfree(call->spi);
	call->spi = NULL;
}

/*
 * asd_ledger_execute
 *		Run one query on the ledger with the latest snapshot, as
 *		asd_spi_run() with expected; update says it updates a run, which
 *		the guard then lets pass.  Returns the SPI result code; the rows
 *		are in SPI_tuptable.
 */
int
asd_ledger_execute(const char *query, int nargs, Oid *argtypes,
				   Datum *args, const char *nulls, int expected, bool update)
{
	int			ret;

	ledger_updating = update;
	PG_TRY();
	{
		ret = asd_spi_run(query, nargs, argtypes, args, nulls, expected,
						  ASD_SPI_LATEST_WRITE);
	}
	PG_FINALLY();
	{
		ledger_updating = false;
	}
	PG_END_TRY();
	return ret;
}

/*
 * asd_ledger_insert
 *		Run an INSERT ... RETURNING id, ... of one row on the ledger;
 *		returns the id.  The other columns it returns are read with
 *		asd_ledger_value(0, ...).
 */
int64
asd_ledger_insert(const char *query, int nargs, Oid *argtypes, Datum *args,
				  const char *nulls)
{
	(void) asd_ledger_execute(query, nargs, argtypes, args, nulls,
							  SPI_OK_INSERT_RETURNING, false);
	if (SPI_processed != 1)
		elog(ERROR, "\"%s\" inserted " UINT64_FORMAT " rows", query,
			 SPI_processed);
	return asd_ledger_int64(0, "id");
}

/* A column of a row of the last result, by name. */
Datum
asd_ledger_value(int row, const char *column, bool *isnull)
{
	int			fnumber = SPI_fnumber(SPI_tuptable->tupdesc, column);

	if (fnumber <= 0)
		elog(ERROR, "the migration ledger query returned no column \"%s\"", column);
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 fnumber, isnull);
}

/* A text column, palloc'd in the caller's context, or NULL. */
char *
asd_ledger_text(int row, const char *column)
{
	bool		isnull;
	Datum		value = asd_ledger_value(row, column, &isnull);
	char	   *s;
	char	   *copy;

	if (isnull)
		return NULL;
	s = TextDatumGetCString(value);
	copy = SPI_palloc(strlen(s) + 1);
	strcpy(copy, s);
	return copy;
}

/* A bigint column; 0 for NULL. */
int64
asd_ledger_int64(int row, const char *column)
{
	bool		isnull;
	Datum		value = asd_ledger_value(row, column, &isnull);

	return isnull ? 0 : DatumGetInt64(value);
}

/*
 * asd_ledger_insert_event
 *		Append one decision to migration_events; returns its id.
 *		fingerprint: the schema's, for a run resolved as succeeded.
 */
int64
asd_ledger_insert_event(AsdLedgerCall *call, const char *action, int64 run_id,
						const char *version, const char *status,
						const char *checksum, const char *reason,
						const char *fingerprint)
{
	Oid			argtypes[9] = {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		args[9];
	char		nulls[9];
	const char *texts[9] = {action, NULL, version, status, checksum, reason,
	call->db_user, call->actor, fingerprint};
	int			i;

	memset(nulls, ' ', sizeof(nulls));
	for (i = 0; i < 9; i++)
	{
		if (i == 1)
			continue;
		if (texts[i] == NULL)
			nulls[i] = 'n';
		else
			args[i] = CStringGetTextDatum(texts[i]);
	}
	args[1] = Int64GetDatum(run_id);
	return asd_ledger_insert("INSERT INTO audit_softdelete.migration_events"
							 " (recorded_at, action, migration_id, version, status, checksum,"
							 "  reason, db_user, actor, client_addr, application_name, pid,"
							 "  schema_fingerprint)"
							 " VALUES (pg_catalog.clock_timestamp(), $1, $2, $3, $4, $5, $6, $7, $8,"
							 "  pg_catalog.inet_client_addr(),"
							 "  pg_catalog.current_setting('application_name'),"
							 "  pg_catalog.pg_backend_pid(), $9)"
							 " RETURNING id",
							 9, argtypes, args, nulls);
}

/*
 * asd_ledger_version_state
 *		What migration_versions says of one version.
 */
void
asd_ledger_version_state(const char *version, AsdVersionState *state)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	Datum		value;

	memset(state, 0, sizeof(AsdVersionState));
	args[0] = CStringGetTextDatum(version);
	(void) asd_ledger_execute("SELECT v.state, v.applied, v.checksum, v.checksum_recorded_at,"
							  "       v.succeeded_run, v.last_run, v.last_run_status"
							  "  FROM audit_softdelete.migration_versions v"
							  " WHERE v.version = $1",
							  1, argtypes, args, NULL, SPI_OK_SELECT, false);
	if (SPI_processed == 0)
		return;
	state->known = true;
	state->state = asd_ledger_text(0, "state");
	value = asd_ledger_value(0, "applied", &isnull);
	state->applied = !isnull && DatumGetBool(value);
	state->checksum = asd_ledger_text(0, "checksum");
	value = asd_ledger_value(0, "checksum_recorded_at", &isnull);
	state->checksum_recorded_at = isnull ? 0 : DatumGetTimestampTz(value);
	state->succeeded_run = asd_ledger_int64(0, "succeeded_run");
	state->last_run = asd_ledger_int64(0, "last_run");
	state->last_run_status = asd_ledger_text(0, "last_run_status");
}

/*
 * asd_ledger_refuse_if_interrupted
 *		A run whose backend ended while it ran leaves the database in a
 *		state nobody knows: nothing else is recorded until someone looks
 *		and records its outcome with migration_resolve().
 *
 * The run's row still says "running" (the error below rolls back anything
 * this call would write); migration_versions and migration_history report
 * it as "interrupted", and migration_resolve() records it so.
 */
void
asd_ledger_refuse_if_interrupted(void)
{
	char	   *version;
	bool		isnull;

	(void) asd_ledger_execute("SELECT v.version, m.id, m.started_at, m.pid"
							  "  FROM audit_softdelete.migration_versions v"
							  "  JOIN audit_softdelete.migrations m ON m.id = v.last_run"
							  " WHERE v.state = 'interrupted'"
							  " ORDER BY v.last_run LIMIT 1",
							  0, NULL, NULL, NULL, SPI_OK_SELECT, false);
	if (SPI_processed == 0)
		return;
	version = asd_ledger_text(0, "version");
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("migration \"%s\" was interrupted", version),
			 errdetail("Run %lld began at %s in process %d, which ended before the run did; what the run changed is unknown.",
					   (long long) asd_ledger_int64(0, "id"),
					   timestamptz_to_str(DatumGetTimestampTz(asd_ledger_value(0, "started_at", &isnull))),
					   DatumGetInt32(asd_ledger_value(0, "pid", &isnull))),
			 errhint("Find out what it did, then record that with audit_softdelete.migration_resolve(%s, 'succeeded' or 'failed', reason).",
					 quote_literal_cstr(version))));
}

/*
 * migration_ledger_guard() RETURNS trigger
 *		Keeps the ledger append-only:
 *
 *		CREATE TRIGGER migration_ledger_guard
 *			BEFORE UPDATE OR DELETE ON audit_softdelete.migrations
 *			FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
 *		CREATE TRIGGER migration_ledger_guard_truncate
 *			BEFORE TRUNCATE ON audit_softdelete.migrations
 *			FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.migration_ledger_guard();
 *
 *		and the same on migration_events.
 */
Datum
asd_migration_ledger_guard(PG_FUNCTION_ARGS)
{
	const char *change = asd_append_only_change(fcinfo, "migration_ledger_guard");

	/* a run's own row, going once from "running" to its outcome */
	if (ledger_updating && strcmp(change, "update") == 0)
		return PointerGetDatum(((TriggerData *) fcinfo->context)->tg_newtuple);
	asd_refuse_append_only_change(fcinfo, change,
								  _("The migration ledger is append-only: its functions record each run and each decision, and nothing changes them afterwards."),
								  _("Record a correction with audit_softdelete.migration_resolve() or audit_softdelete.migration_accept_checksum()."));
	PG_RETURN_NULL();			/* not reached */
}
