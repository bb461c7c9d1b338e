/*-------------------------------------------------------------------------
 *
 * txid_era.c
 *	  audit_logs.txid names one transaction across dump and restore.
 *
 * A cluster's transaction counter starts low.  A database dumped and
 * restored into another cluster brings its audit rows along, and there the
 * new transactions would get the txids of restored ones.  So each cluster
 * the trail has been written in gets an era, recorded in
 * audit_softdelete.txid_eras under its system identifier (initdb draws it;
 * replicas share it, pg_upgrade and a new cluster do not), and the txid it
 * writes is pg_current_xact_id() + (era << 48).  A cluster's own
 * transaction ids only grow, and stay below 2^48 (65,536 wraparounds), so
 * no two transactions share a txid.
 *
 * The era of a cluster not recorded yet is one above the highest era of
 * the other clusters recorded: every session of the new cluster finds the
 * same number from the same restored rows, so none waits on another to
 * record it (the rows have no key; a second copy is harmless).  An empty
 * log starts at era 0, where txid is pg_current_xact_id() as in 1.0; a log
 * with rows but no era (restored from 1.0) records them as era 0 of an
 * unknown cluster (system identifier 0).  The era is read once per backend
 * and cached; if the (sub)transaction that recorded it aborts, the next
 * audited write records it again.
 *
 * IDENTIFICATION
 *	  src/txid_era.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/xid8.h"

#include "owner.h"
#include "txid_era.h"

PG_FUNCTION_INFO_V1(asd_current_txid);

#define ERA_SHIFT 48

static bool era_known = false;
static uint64 cached_offset = 0;
static Oid	eras_relid = InvalidOid;	/* txid_eras, while era_known */

/* the (sub)transaction that recorded this cluster's era, until it ends */
static SubTransactionId recorded_subid = InvalidSubTransactionId;

static void
txid_era_xact_callback(XactEvent event, void *arg)
{
	if (recorded_subid == InvalidSubTransactionId)
		return;
	/* the row gone, or (prepared) perhaps to go: record it again */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		era_known = false;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		recorded_subid = InvalidSubTransactionId;
}

static void
txid_era_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (recorded_subid != mySubid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		era_known = false;
		recorded_subid = InvalidSubTransactionId;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		recorded_subid = parentSubid;
}

/* txid_eras dropped (the extension dropped, created again): read it again */
static void
txid_era_invalidate(Oid relid)
{
	if (!OidIsValid(relid) || relid == eras_relid)
	{
		era_known = false;
		eras_relid = InvalidOid;
	}
}

void
asd_txid_era_init(void)
{
	asd_register_relcache_hook(txid_era_invalidate);
	RegisterXactCallback(txid_era_xact_callback, NULL);
	RegisterSubXactCallback(txid_era_subxact_callback, NULL);
}

/*
 * This cluster's era, recorded if it was not: as the extension owner,
 * inside the caller's SPI-free context.
 */
static uint64
cluster_offset(void)
{
	static const char *read_query =
		"SELECT (SELECT pg_catalog.min(e.era) FROM audit_softdelete.txid_eras e"
		"         WHERE e.system_identifier OPERATOR(pg_catalog.=) $1),"
		" (SELECT pg_catalog.max(e.era) FROM audit_softdelete.txid_eras e),"
		" EXISTS (SELECT FROM audit_softdelete.audit_logs)";
	static const char *record_query =
		"INSERT INTO audit_softdelete.txid_eras (system_identifier, era) VALUES ($1, $2)";
	Oid			nsp = get_namespace_oid(ASD_SCHEMA_NAME, true);
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		args[2];
	AsdSpi		spi;
	bool		mine_null,
				max_null,
				isnull;
	int32		era;

	/* the SQL of 1.0 has no eras: txid as 1.0 wrote it */
	if (!OidIsValid(nsp) || !OidIsValid(eras_relid = get_relname_relid("txid_eras", nsp)))
		return 0;

	args[0] = Int64GetDatum((int64) GetSystemIdentifier());
	asd_spi_connect_as_owner(&spi);
	asd_spi_run(read_query, 1, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_LATEST);
	era = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									  &mine_null));
	if (mine_null)
	{
		int32		highest = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 2,
														  &max_null));
		bool		has_rows = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 3,
														  &isnull));

		/*
		 * A read-only transaction (current_txid() there) cannot record the
		 * era: the number is the same the first write will record.
		 */
		bool		record = !XactReadOnly;

		if (!max_null)
			era = highest + 1;
		else if (has_rows)
		{
			/* rows written before eras were recorded: an unknown cluster's */
			Datum		unknown[2] = {Int64GetDatum(0), Int32GetDatum(0)};

			if (record)
				asd_spi_run(record_query, 2, argtypes, unknown, NULL, SPI_OK_INSERT, 0);
			era = 1;
		}
		else
			era = 0;
		if (record)
		{
			args[1] = Int32GetDatum(era);
			asd_spi_run(record_query, 2, argtypes, args, NULL, SPI_OK_INSERT, 0);
			/* known from now on, unless the recording (sub)transaction aborts */
			recorded_subid = GetCurrentSubTransactionId();
			era_known = true;
		}
	}
	else
		era_known = true;
	asd_spi_finish(&spi);
	return ((uint64) era) << ERA_SHIFT;
}

/*
 * asd_txid_offset
 *		What this cluster adds to pg_current_xact_id() for audit_logs.txid.
 */
uint64
asd_txid_offset(void)
{
	if (era_known)
		return cached_offset;
	cached_offset = cluster_offset();
	return cached_offset;
}

/*
 * asd_current_audit_txid
 *		The txid the audit rows of the current transaction carry.
 */
FullTransactionId
asd_current_audit_txid(void)
{
	uint64		offset;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot execute current_txid() during recovery")));
	offset = asd_txid_offset();
	return FullTransactionIdFromU64(U64FromFullTransactionId(GetTopFullTransactionId()) +
									offset);
}

/*
 * current_txid() RETURNS xid8
 *		The txid of the current transaction's audit rows.
 */
Datum
asd_current_txid(PG_FUNCTION_ARGS)
{
	PG_RETURN_FULLTRANSACTIONID(asd_current_audit_txid());
}
