/*-------------------------------------------------------------------------
 *
 * sql_text.c
 *	  Pieces of the SQL the extension writes about a user's table: its
 *	  name, ONLY, the condition that finds a row by its key, and lists of
 *	  names as text[] parameters.
 *
 * IDENTIFICATION
 *	  src/sql_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "internal.h"
#include "sql_text.h"

/* schema.table, each quoted as needed */
char *
asd_qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* ONLY for a plain table: its inheritance children are tables of their own. */
const char *
asd_only(Oid relid)
{
	return get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ";
}

/*
 * The WHERE clause that finds the row of relid, aliased x, whose key is
 * the jsonb parameter $1: see _key_condition.
 */
char *
asd_row_key_condition(Oid relid, Jsonb *pk)
{
	Oid			argtypes[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];
	bool		isnull;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = JsonbPGetDatum(pk);
	return TextDatumGetCString(asd_call_internal_function("_key_condition", 2, argtypes,
														  args, &isnull));
}

/* A list of C strings as a text[] datum. */
Datum
asd_text_array(List *names)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(names), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, names)
		elems[n++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Is name in the list of C strings? */
bool
asd_list_has_name(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (lfirst(lc) && strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}
