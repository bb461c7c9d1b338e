/*-------------------------------------------------------------------------
 *
 * migration_status.c
 *	  migration_status(): a migration tool's list of versions, compared
 *	  with the ledger; migration_is_applied(): one version.
 *
 * The tool knows its migrations and their order; the ledger knows what
 * ran here.  Given the tool's list, in order, this says for each version
 * what the tool should make of it:
 *
 *	pending            never ran here
 *	applied            applied, with the checksum the tool has
 *	checksum_mismatch  applied, with another checksum than the tool's
 *	reverted           applied once, then reverted
 *	running            running now
 *	failed             its latest run failed
 *	interrupted        its latest run's backend ended before the run did
 *	baseline           covered by the baseline: the baseline's version, and
 *	                   the versions before it in the tool's list that never
 *	                   ran here
 *	out_of_order       never ran here, but a version after it in the list is
 *	                   applied: running it now applies it out of order
 *	missing_locally    applied here, and not in the tool's list
 *
 * The versions of the ledger the tool does not list come last, with their
 * state (missing_locally when applied).  The state of each version comes
 * from the view migration_versions, read as the caller: reading the ledger
 * needs SELECT on its tables.
 *
 * IDENTIFICATION
 *	  src/migration_status.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "migration.h"
#include "owner.h"

PG_FUNCTION_INFO_V1(asd_migration_status);
PG_FUNCTION_INFO_V1(asd_migration_is_applied);

/* One version of the tool's list. */
typedef struct ExpectedVersion
{
	char	   *version;
	char	   *checksum;		/* NULL: the tool has none */
	int			ledger;			/* index in the ledger's versions, or -1 */
} ExpectedVersion;

/* One version of the ledger. */
typedef struct LedgerVersion
{
	char	   *version;
	char	   *state;
	bool		applied;
	char	   *checksum;
	int64		last_run;
	bool		listed;			/* in the tool's list */
} LedgerVersion;

/* A string member of an element of the list, or NULL when absent or null. */
static char *
element_string(JsonbContainer *element, const char *key, int position)
{
	JsonbValue *value = getKeyJsonValueFromContainer(element, key, strlen(key), NULL);

	if (value == NULL || value->type == jbvNull)
		return NULL;
	if (value->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("element %d of argument \"expected\" has a \"%s\" that is not a string",
						position, key)));
	return pnstrdup(value->val.string.val, value->val.string.len);
}

/* The tool's list, checked: versions given once, checksums well formed. */
static ExpectedVersion *
read_expected(Jsonb *expected, int *count)
{
	ExpectedVersion *list;
	int			n;
	int			i,
				j;

	if (!JB_ROOT_IS_ARRAY(expected) || JB_ROOT_IS_SCALAR(expected))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"expected\" must be a JSON array"),
				 errdetail("It lists the tool's migrations in order: [{\"version\": \"1\", \"checksum\": \"v1:sha256:...\"}, ...].")));
	n = JB_ROOT_COUNT(expected);
	list = palloc0(sizeof(ExpectedVersion) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonbValue *element = getIthJsonbValueFromContainer(&expected->root, i);
		JsonbContainer *object;

		if (element->type != jbvBinary || !JsonContainerIsObject(element->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of argument \"expected\" is not a JSON object", i + 1)));
		object = element->val.binary.data;
		list[i].version = element_string(object, "version", i + 1);
		if (list[i].version == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of argument \"expected\" has no \"version\"", i + 1)));
		asd_migration_check_version(list[i].version,
									psprintf("the \"version\" of element %d of argument \"expected\"",
											 i + 1));
		list[i].checksum = element_string(object, "checksum", i + 1);
		if (list[i].checksum != NULL)
			list[i].checksum = asd_migration_checksum_tag(list[i].checksum, "expected");
		list[i].ledger = -1;
		for (j = 0; j < i; j++)
			if (strcmp(list[j].version, list[i].version) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("version \"%s\" appears twice in argument \"expected\"",
								list[i].version)));
	}
	*count = n;
	return list;
}

/*
 * The run another session is making, seen past this snapshot: its
 * version is "running", added to the list when it has no run this
 * snapshot sees.  This session's own run is in its snapshot already.
 */
static void
mark_running_elsewhere(LedgerVersion **list, int *count)
{
	AsdMigrationHolder holder;
	int			i;

	if (!asd_migration_holder(&holder) || !holder.has_run ||
		holder.pid == MyProcPid)
		return;
	for (i = 0; i < *count; i++)
		if (strcmp((*list)[i].version, holder.version) == 0)
			break;
	if (i == *count)
	{
		*list = repalloc(*list, sizeof(LedgerVersion) * (*count + 1));
		memset(&(*list)[i], 0, sizeof(LedgerVersion));
		(*list)[i].version = pstrdup(holder.version);
		(*count)++;
	}
	(*list)[i].state = "running";
	(*list)[i].last_run = holder.run_id;
}

/*
 * The ledger's versions, by their latest run; in the caller's context.
 * The run another session is making is "running" although its row may
 * not be visible yet (a transactional run commits with its migration):
 * it is read as the refusal of a second migration_begin() reads it.
 */
static LedgerVersion *
read_ledger(int *count)
{
	MemoryContext cxt = CurrentMemoryContext;
	LedgerVersion *list;
	AsdSpi		spi;
	uint64		i;

	/* as the caller: its grants on the ledger apply */
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT v.version, v.state, v.applied, v.checksum, v.last_run"
				"  FROM audit_softdelete.migration_versions v ORDER BY v.last_run",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	list = MemoryContextAllocZero(cxt, sizeof(LedgerVersion) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *checksum = SPI_getvalue(tuple, desc, 4);

		list[i].version = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 1));
		list[i].state = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 2));
		list[i].applied = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
		list[i].checksum = checksum ? MemoryContextStrdup(cxt, checksum) : NULL;
		list[i].last_run = DatumGetInt64(SPI_getbinval(tuple, desc, 5, &isnull));
	}
	*count = (int) SPI_processed;
	asd_spi_finish(&spi);
	mark_running_elsewhere(&list, count);
	return list;
}

static void
put_row(ReturnSetInfo *rsinfo, int position, const char *version,
		const char *status, const char *checksum, const LedgerVersion *ledger)
{
	Datum		values[6];
	bool		nulls[6] = {false, false, false, true, true, true};

	values[0] = Int32GetDatum(position);
	nulls[0] = (position == 0);
	values[1] = CStringGetTextDatum(version);
	values[2] = CStringGetTextDatum(status);
	if (checksum != NULL)
	{
		values[3] = CStringGetTextDatum(checksum);
		nulls[3] = false;
	}
	if (ledger != NULL && ledger->checksum != NULL)
	{
		values[4] = CStringGetTextDatum(ledger->checksum);
		nulls[4] = false;
	}
	if (ledger != NULL)
	{
		values[5] = Int64GetDatum(ledger->last_run);
		nulls[5] = false;
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * migration_status(expected jsonb) RETURNS TABLE (ordinal integer,
 *		version text, status text, checksum text, recorded_checksum text,
 *		last_run bigint)
 *		One row per version of the tool's list, in its order (position
 *		from 1), then one per version only the ledger has (ordinal NULL).
 */
Datum
asd_migration_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExpectedVersion *expected;
	LedgerVersion *ledger;
	bool	   *later_applied;
	int			nexpected;
	int			nledger;
	int			baseline = -1;
	int			i,
				j;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", "expected")));
	expected = read_expected(PG_GETARG_JSONB_P(0), &nexpected);
	ledger = read_ledger(&nledger);

	for (i = 0; i < nexpected; i++)
	{
		for (j = 0; j < nledger; j++)
			if (strcmp(expected[i].version, ledger[j].version) == 0)
			{
				expected[i].ledger = j;
				ledger[j].listed = true;
				if (baseline < 0 && strcmp(ledger[j].state, "baseline") == 0)
					baseline = i;
				break;
			}
	}
	later_applied = palloc0(sizeof(bool) * (nexpected + 1));
	for (i = nexpected - 1; i >= 0; i--)
		later_applied[i] = later_applied[i + 1] ||
			(expected[i].ledger >= 0 && ledger[expected[i].ledger].applied);

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nexpected; i++)
	{
		LedgerVersion *l = expected[i].ledger >= 0 ? &ledger[expected[i].ledger] : NULL;
		const char *status;

		if (l == NULL)
			status = i < baseline ? "baseline" :
				later_applied[i + 1] ? "out_of_order" : "pending";
		else if (strcmp(l->state, "applied") == 0 &&
				 expected[i].checksum != NULL && l->checksum != NULL &&
				 strcmp(expected[i].checksum, l->checksum) != 0)
			status = "checksum_mismatch";
		else
			status = l->state;
		put_row(rsinfo, i + 1, expected[i].version, status, expected[i].checksum, l);
	}
	for (j = 0; j < nledger; j++)
	{
		if (ledger[j].listed)
			continue;
		put_row(rsinfo, 0, ledger[j].version,
				ledger[j].applied ? "missing_locally" : ledger[j].state,
				NULL, &ledger[j]);
	}
	return (Datum) 0;
}

/*
 * migration_is_applied(version text) RETURNS boolean
 *		Whether a version is applied, a baseline included, as
 *		migration_versions says; read as the caller.  In C for the one
 *		check of a version (asd_migration_check_version).
 */
Datum
asd_migration_is_applied(PG_FUNCTION_ARGS)
{
	char	   *version = asd_migration_version_arg(fcinfo, 0);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		applied = false;
	AsdSpi		spi;

	args[0] = CStringGetTextDatum(version);
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT v.applied FROM audit_softdelete.migration_versions v"
				" WHERE v.version OPERATOR(pg_catalog.=) $1",
				1, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										  1, &isnull);

		applied = !isnull && DatumGetBool(value);
	}
	asd_spi_finish(&spi);
	PG_RETURN_BOOL(applied);
}
