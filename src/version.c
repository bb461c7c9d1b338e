/*-------------------------------------------------------------------------
 *
 * version.c
 *	  Which version of the library is loaded, and which version of the
 *	  extension's SQL objects is installed.
 *
 * The two differ between installing new binaries and running ALTER
 * EXTENSION audit_softdelete UPDATE: the library must then keep working
 * with the older SQL objects, and a DBA needs to see that an update is due.
 * The library's version is the control file's default_version, passed in
 * by the Makefile, so that it has one owner.
 *
 * IDENTIFICATION
 *	  src/version.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"

#ifndef ASD_LIBRARY_VERSION
#error "ASD_LIBRARY_VERSION must be defined by the Makefile"
#endif

PG_FUNCTION_INFO_V1(asd_version);

/*
 * installed_version
 *		extversion of the installed extension, palloc'd; NULL when the
 *		extension is not installed in this database.
 */
static char *
installed_version(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *result = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(ASD_EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, Anum_pg_extension_extversion,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = text_to_cstring(DatumGetTextPP(value));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * version() RETURNS TABLE (library text, installed text)
 *		The loaded library's version and the installed SQL objects' version.
 */
Datum
asd_version(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char	   *installed;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	installed = installed_version();
	values[0] = CStringGetTextDatum(ASD_LIBRARY_VERSION);
	if (installed != NULL)
		values[1] = CStringGetTextDatum(installed);
	else
		nulls[1] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
