/*-------------------------------------------------------------------------
 *
 * migration_lock.c
 *	  One migration at a time per database: the migration lock, who holds
 *	  it, and migration_lock_holder().
 *
 * Every function that writes the ledger takes the lock first, without
 * waiting: a second migration fails at once instead of queueing behind
 * the first (queueing could deadlock with CREATE INDEX CONCURRENTLY, which
 * waits for every older transaction).  A transactional run holds it until
 * its transaction ends; a non-transactional one for its session, until
 * migration_finish() or migration_fail() commits, or the backend exits.
 *
 * The lock is an advisory lock of the database, with a key of its own:
 * its fourth field is 3, where the SQL advisory-lock functions use 1 and
 * 2, so no SQL call can take it, wait for it or release it by key.
 * pg_locks shows it as locktype "advisory", classid 1634952192, objid
 * 1835624306, objsubid 3.  (pg_advisory_unlock_all() and DISCARD ALL do
 * release it with every other advisory lock of the session, and with it
 * the session's non-transactional run ends for that session: see
 * migration.c.)
 *
 * Who holds it is read from the lock manager.  The run it is making is
 * read from the ledger with a dirty snapshot, as PostgreSQL's uniqueness
 * checks read rows that are not committed yet: a transactional run's row
 * is invisible to every other session until it commits, and a refusal
 * must still name it.  A holder with no run (recording a decision, or in
 * the moment migration_begin() takes the lock before it writes its row)
 * is named from its backend's activity entry: role, application, and when
 * its transaction began.
 *
 * IDENTIFICATION
 *	  src/migration_lock.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_relation.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "migration.h"

PG_FUNCTION_INFO_V1(asd_migration_lock_holder);

/* The lock's key: "asd\0", "migr", and a kind no SQL function uses. */
#define MIGRATION_LOCK_KEY1 0x61736400
#define MIGRATION_LOCK_KEY2 0x6d696772
#define MIGRATION_LOCK_KIND 3

static void
migration_lock_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, MIGRATION_LOCK_KEY1,
						 MIGRATION_LOCK_KEY2, MIGRATION_LOCK_KIND);
}

/* The pid of the backend holding the lock, or 0. */
static int
lock_holder_pid(void)
{
	LOCKTAG		tag;
	LockData   *data;
	int			i;

	migration_lock_tag(&tag);
	data = GetLockStatusData();
	for (i = 0; i < data->nelements; i++)
	{
		LockInstanceData *inst = &data->locks[i];

		if (inst->locktag.locktag_type == tag.locktag_type &&
			inst->locktag.locktag_lockmethodid == tag.locktag_lockmethodid &&
			inst->locktag.locktag_field1 == tag.locktag_field1 &&
			inst->locktag.locktag_field2 == tag.locktag_field2 &&
			inst->locktag.locktag_field3 == tag.locktag_field3 &&
			inst->locktag.locktag_field4 == tag.locktag_field4 &&
			(inst->holdMask & LOCKBIT_ON(ExclusiveLock)) != 0)
			return inst->pid;
	}
	return 0;
}

/* A text column of a ledger tuple, palloc'd, or NULL. */
static char *
tuple_text(HeapTuple tuple, TupleDesc desc, AttrNumber attnum)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, attnum, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

/*
 * holder_run
 *		The run the backend pid is making: its newest row in migrations
 *		that is running, or that a transaction not ended yet marked
 *		succeeded (a transactional run finished, not committed), seen
 *		through a dirty snapshot.  The failed or baseline rows that the
 *		repair functions write are no run in progress: a holder without a
 *		run is recording a decision.
 *
 * For our own pid the run is the one this session is making, as
 * migration.c knows it: a row of this backend that the session no longer
 * holds (it let go of the lock, or an earlier client of a pooled
 * connection began it) is no run in progress.  A pid can be reused by a
 * later backend; another backend's start time is not known reliably here
 * (the activity snapshot of this transaction can be older than that
 * backend), so a stale running row of a dead backend with the same pid
 * could be taken for its run while it holds the lock for a moment
 * without one.
 */
static void
holder_run(int pid, AsdMigrationHolder *holder)
{
	Oid			nspid = get_namespace_oid(ASD_SCHEMA_NAME, true);
	Oid			relid = OidIsValid(nspid) ? get_relname_relid("migrations", nspid) : InvalidOid;
	Relation	rel;
	TupleDesc	desc;
	SnapshotData dirty;
	TableScanDesc scan;
	HeapTuple	tuple;
	AttrNumber	att_id,
				att_pid,
				att_status;
	HeapTuple	best = NULL;
	int64		best_id = 0;
	int64		own_run = 0;

	holder->has_run = false;
	if (!OidIsValid(relid))
		return;
	if (pid == MyProcPid)
	{
		own_run = asd_migration_own_run();
		if (own_run == 0)
			return;
	}

	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	att_id = attnameAttNum(rel, "id", false);
	att_pid = attnameAttNum(rel, "pid", false);
	att_status = attnameAttNum(rel, "status", false);

	InitDirtySnapshot(dirty);
	scan = table_beginscan(rel, &dirty, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		value;
		int64		id;
		TransactionId xmin;
		char	   *status;

		value = heap_getattr(tuple, att_pid, desc, &isnull);
		if (isnull || DatumGetInt32(value) != pid)
			continue;
		value = heap_getattr(tuple, att_id, desc, &isnull);
		id = isnull ? 0 : DatumGetInt64(value);
		if (id <= best_id || (own_run != 0 && id != own_run))
			continue;
		status = tuple_text(tuple, desc, att_status);
		xmin = HeapTupleHeaderGetXmin(tuple->t_data);
		if (status != NULL &&
			(strcmp(status, "running") == 0 ||
			 (strcmp(status, "succeeded") == 0 &&
			  (TransactionIdIsCurrentTransactionId(xmin) ||
			   TransactionIdIsInProgress(xmin)))))
		{
			if (best != NULL)
				heap_freetuple(best);
			best = heap_copytuple(tuple);
			best_id = id;
		}
	}
	table_endscan(scan);

	if (best != NULL)
	{
		bool		isnull;
		Datum		value;

		holder->has_run = true;
		holder->run_id = best_id;
		holder->version = tuple_text(best, desc, attnameAttNum(rel, "version", false));
		holder->description = tuple_text(best, desc, attnameAttNum(rel, "description", false));
		holder->direction = tuple_text(best, desc, attnameAttNum(rel, "direction", false));
		holder->db_user = tuple_text(best, desc, attnameAttNum(rel, "db_user", false));
		holder->actor = tuple_text(best, desc, attnameAttNum(rel, "actor", false));
		holder->application_name = tuple_text(best, desc,
											  attnameAttNum(rel, "application_name", false));
		value = heap_getattr(best, attnameAttNum(rel, "transactional", false), desc, &isnull);
		holder->transactional = !isnull && DatumGetBool(value);
		value = heap_getattr(best, attnameAttNum(rel, "started_at", false), desc, &isnull);
		holder->started_at = isnull ? 0 : DatumGetTimestampTz(value);
		heap_freetuple(best);
	}
	table_close(rel, AccessShareLock);
}

/*
 * holder_activity
 *		For a holder with no run: its role, application and the start of
 *		its transaction, from its backend's activity entry (what
 *		pg_stat_activity shows), in this transaction's snapshot of them.
 *		A backend younger than that snapshot is not in it: then only its
 *		role is known, from its PGPROC.
 */
static void
holder_activity(int pid, AsdMigrationHolder *holder)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;
	PGPROC	   *proc;

	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be;

		if (local == NULL || local->backendStatus.st_procpid != pid)
			continue;
		be = &local->backendStatus;
		holder->db_user = GetUserNameFromId(be->st_userid, true);
		if (be->st_appname != NULL)
			holder->application_name = pstrdup(be->st_appname);
		holder->started_at = be->st_xact_start_timestamp;
		return;
	}
	proc = BackendPidGetProc(pid);
	if (proc != NULL && OidIsValid(proc->roleId))
		holder->db_user = GetUserNameFromId(proc->roleId, true);
}

/*
 * asd_migration_holder
 *		The backend holding the migration lock and its run; false when no
 *		backend holds it.  Without a run, started_at is the start of the
 *		holder's transaction (0: unknown), db_user and application_name
 *		those of its backend.
 */
bool
asd_migration_holder(AsdMigrationHolder *holder)
{
	memset(holder, 0, sizeof(AsdMigrationHolder));
	holder->pid = lock_holder_pid();
	if (holder->pid == 0)
		return false;
	holder_run(holder->pid, holder);
	if (!holder->has_run)
		holder_activity(holder->pid, holder);
	return true;
}

/* A string for an error message: NULL shown as empty. */
static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/* Another backend holds the lock: say which migration, and since when. */
static void
refuse_busy(void)
{
	AsdMigrationHolder holder;

	if (!asd_migration_holder(&holder))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("the migration ledger was busy"),
				 errdetail("Another session held the migration lock, and has just released it."),
				 errhint("Try again.")));
	if (!holder.has_run)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("the migration ledger is busy"),
				 errdetail("Process %d holds the migration lock with no run in progress: it is recording a decision, or starting a run. Its role is \"%s\", its application \"%s\", its transaction began at %s.",
						   holder.pid,
						   holder.db_user ? holder.db_user : "(unknown)",
						   holder.application_name ? holder.application_name : "(unknown)",
						   holder.started_at != 0 ? timestamptz_to_str(holder.started_at) : "(unknown)"),
				 errhint("Try again in a moment; audit_softdelete.migration_running shows what it is doing.")));
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("migration \"%s\" is running in another session", holder.version),
			 errdetail("Process %d began run %lld (%s, %s) at %s, as actor \"%s\" and role \"%s\", with application \"%s\". One migration runs at a time in a database.",
					   holder.pid, (long long) holder.run_id,
					   or_empty(holder.direction),
					   holder.transactional ? "transactional" : "non-transactional",
					   timestamptz_to_str(holder.started_at),
					   or_empty(holder.actor), or_empty(holder.db_user),
					   or_empty(holder.application_name)),
			 errhint("Wait for it to end; audit_softdelete.migration_running shows what it is doing.")));
}

/*
 * asd_migration_lock
 *		Take the migration lock without waiting, for the transaction or for
 *		the session; refuse with 55P03 when another backend holds it.
 */
void
asd_migration_lock(bool session)
{
	LOCKTAG		tag;

	/*
	 * Whether this session's non-transactional run still holds the lock is
	 * told by the lock alone (asd_migration_lock_held), which cannot tell
	 * a session hold from a transaction's: asd_migration_own_run() settles
	 * it before this call takes another hold.
	 */
	(void) asd_migration_own_run();
	migration_lock_tag(&tag);
	if (LockAcquire(&tag, ExclusiveLock, session, true) == LOCKACQUIRE_NOT_AVAIL)
		refuse_busy();
}

/*
 * asd_migration_lock_held
 *		Whether this backend holds the migration lock: a lookup in its own
 *		lock table, no shared memory.  A non-transactional run is the
 *		session's only as long as this holds (see migration.c).
 */
bool
asd_migration_lock_held(void)
{
	LOCKTAG		tag;

	migration_lock_tag(&tag);
	return LockHeldByMe(&tag, ExclusiveLock);
}

/*
 * asd_migration_unlock
 *		Release one hold of the lock.  A session hold that the session gave
 *		up itself (pg_advisory_unlock_all) is not there to release.
 */
void
asd_migration_unlock(bool session)
{
	LOCKTAG		tag;

	migration_lock_tag(&tag);
	if (LockHeldByMe(&tag, ExclusiveLock))
		LockRelease(&tag, ExclusiveLock, session);
}

/*
 * migration_lock_holder() RETURNS SETOF record
 *		(pid, run_id, version, description, direction, transactional,
 *		started_at, db_user, actor, application_name): the backend holding
 *		the migration lock and the run it is making, even before that run
 *		commits.  No row when no backend holds it.  A holder with no run
 *		has NULL for the run's columns but started_at (the start of its
 *		transaction), db_user and application_name.  The views
 *		migration_history, migration_versions and migration_running read
 *		it; it reads the ledger past its snapshot, so it requires what
 *		reading the ledger requires: SELECT on migrations.
 */
Datum
asd_migration_lock_holder(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	AclResult	aclresult;
	AsdMigrationHolder holder;
	Datum		values[10];
	bool		nulls[10];

	relid = get_relname_relid("migrations", get_namespace_oid(ASD_SCHEMA_NAME, false));
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.migrations\" does not exist", ASD_SCHEMA_NAME),
				 errhint("Run ALTER EXTENSION audit_softdelete UPDATE.")));
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, "migrations");

	InitMaterializedSRF(fcinfo, 0);
	if (!asd_migration_holder(&holder))
		return (Datum) 0;

	memset(nulls, true, sizeof(nulls));
	values[0] = Int32GetDatum(holder.pid);
	nulls[0] = false;
	if (holder.has_run)
	{
		const char *texts[] = {holder.version, holder.description, holder.direction};
		int			i;

		values[1] = Int64GetDatum(holder.run_id);
		nulls[1] = false;
		for (i = 0; i < 3; i++)
		{
			nulls[2 + i] = (texts[i] == NULL);
			if (texts[i] != NULL)
				values[2 + i] = CStringGetTextDatum(texts[i]);
		}
		values[5] = BoolGetDatum(holder.transactional);
		nulls[5] = false;
		nulls[8] = (holder.actor == NULL);
		if (holder.actor)
			values[8] = CStringGetTextDatum(holder.actor);
	}
	/* without a run: the start of its transaction, its role, its application */
	nulls[6] = (holder.started_at == 0);
	if (holder.started_at != 0)
		values[6] = TimestampTzGetDatum(holder.started_at);
	nulls[7] = (holder.db_user == NULL);
	if (holder.db_user)
		values[7] = CStringGetTextDatum(holder.db_user);
	nulls[9] = (holder.application_name == NULL);
	if (holder.application_name)
		values[9] = CStringGetTextDatum(holder.application_name);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
