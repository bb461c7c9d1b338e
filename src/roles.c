/*-------------------------------------------------------------------------
 *
 * roles.c
 *	  The standard columns: their roles, and the columns that can hold
 *	  them.
 *
 * A table carries one column per role (created_at ... deleted_by), the
 * role's own name unless the columns option maps it to another.  Which
 * roles there are, and which column types can hold each, is decided here
 * only: enable() (_enable in the install script) asks _role_names() and
 * _check_role_column(), and relinfo.c asks asd_role_type_fits() again when
 * it resolves a table's columns, to refuse a column retyped since.
 *
 * IDENTIFICATION
 *	  src/roles.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "call_check.h"
#include "key_compare.h"
#include "roles.h"

PG_FUNCTION_INFO_V1(asd_role_names_sql);
PG_FUNCTION_INFO_V1(asd_check_role_column);
PG_FUNCTION_INFO_V1(asd_role_column_problem);

const char *const asd_role_names[ASD_NUM_ROLES] = {
	"created_at", "created_by", "updated_at", "updated_by",
	"deleted_at", "deleted_by"
};

/*
 * asd_role_type_fits
 *		Can a column of this (base) type hold the role?
 *
 * deleted_at is compared across sessions (restore): no time zone may change
 * its meaning.
 */
bool
asd_role_type_fits(AsdColumnRole role, Oid basetypid)
{
	if (asd_role_is_actor(role))
		return basetypid == TEXTOID || basetypid == VARCHAROID ||
			basetypid == UUIDOID || basetypid == INT4OID ||
			basetypid == INT8OID;
	if (role == ASD_DELETED_AT)
		return basetypid == TIMESTAMPTZOID;
	return basetypid == TIMESTAMPTZOID || basetypid == TIMESTAMPOID;
}

/* The types asd_role_type_fits() allows, as a sentence. */
static const char *
role_types_sentence(AsdColumnRole role)
{
	if (asd_role_is_actor(role))
		return "An actor column must be text, varchar, uuid, integer or bigint.";
	if (role == ASD_DELETED_AT)
		return "deleted_at must be timestamp with time zone.";
	return "A time column must be timestamp with time zone or timestamp.";
}

/*
 * _role_names() RETURNS text[]
 *		The roles, in the order enable() checks and adds their columns.
 */
Datum
asd_role_names_sql(PG_FUNCTION_ARGS)
{
	Datum		names[ASD_NUM_ROLES];
	int			role;

	for (role = 0; role < ASD_NUM_ROLES; role++)
		names[role] = CStringGetTextDatum(asd_role_names[role]);
	PG_RETURN_ARRAYTYPE_P(construct_array(names, ASD_NUM_ROLES, TEXTOID, -1,
										  false, TYPALIGN_INT));
}

/* The role named rolename; an error for an unknown one. */
static AsdColumnRole
role_by_name(const char *rolename)
{
	int			role;

	for (role = 0; role < ASD_NUM_ROLES; role++)
		if (strcmp(asd_role_names[role], rolename) == 0)
			return (AsdColumnRole) role;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown column role \"%s\"", rolename)));
	return ASD_NUM_ROLES;		/* keep the compiler quiet */
}

/* What role_column_fit() finds */
typedef enum RoleColumnFit
{
	COLUMN_FITS,
	COLUMN_MISSING,
	COLUMN_SYSTEM,				/* the name of a system column */
	COLUMN_GENERATED,
	COLUMN_WRONG_TYPE
} RoleColumnFit;

/*
 * role_column_fit
 *		Can relid's column colname hold role?  *typid is set to the
 *		column's type when there is one.
 */
static RoleColumnFit
role_column_fit(Oid relid, AsdColumnRole role, const char *colname,
				Oid *typid)
{
	HeapTuple	tup;
	Form_pg_attribute att;
	RoleColumnFit fit = COLUMN_FITS;

	*typid = InvalidOid;
	tup = SearchSysCacheAttName(relid, colname);
	if (!HeapTupleIsValid(tup))
		return COLUMN_MISSING;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	*typid = att->atttypid;
	if (att->attnum < 0)
		fit = COLUMN_SYSTEM;
	else if (att->attgenerated != '\0')
		fit = COLUMN_GENERATED;
	else if (!asd_role_type_fits(role, getBaseType(att->atttypid)))
		fit = COLUMN_WRONG_TYPE;
	ReleaseSysCache(tup);
	return fit;
}

/* Is colname one of relid's primary key columns? */
static bool
in_primary_key(Oid relid, const char *colname)
{
	ListCell   *lc;

	foreach(lc, asd_primary_key_columns(relid))
		if (strcmp(lfirst(lc), colname) == 0)
			return true;
	return false;
}

/*
 * _check_role_column(tbl regclass, role text, colname text) RETURNS boolean
 *		Can tbl's column colname hold role?  False when tbl has no such
 *		column (enable() adds it); an error when it has one that cannot:
 *		a system column, a generated column, one of another type, or a
 *		primary key column.
 */
Datum
asd_check_role_column(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *rolename;
	char	   *colname;
	AsdColumnRole role;
	Oid			typid;

	asd_args_not_null(fcinfo, "table", "role", "colname", NULL);
	relid = PG_GETARG_OID(0);
	rolename = text_to_cstring(PG_GETARG_TEXT_PP(1));
	colname = text_to_cstring(PG_GETARG_TEXT_PP(2));
	role = role_by_name(rolename);

	switch (role_column_fit(relid, role, colname, &typid))
	{
		case COLUMN_FITS:
			/* the extension writes the column: never a row's key */
			if (in_primary_key(relid, colname))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cannot map %s to primary key column \"%s\"",
								rolename, colname),
						 errdetail("audit_softdelete writes %s into that column, which would change the row's key.",
								   rolename),
						 errhint("Map %s to another column with the columns option; a column that does not exist yet is created.",
								 rolename)));
			break;
		case COLUMN_MISSING:
			PG_RETURN_BOOL(false);
		case COLUMN_SYSTEM:
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column name \"%s\" conflicts with a system column name",
							colname),
					 errhint("Map %s to another column with the columns option.",
							 rolename)));
			break;
		case COLUMN_GENERATED:
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("column \"%s\" of table \"%s\" is a generated column",
							colname, get_rel_name(relid)),
					 errdetail("audit_softdelete writes %s, and a generated column cannot be written.",
							   rolename),
					 errhint("Map %s to another column with the columns option.",
							 rolename)));
			break;
		case COLUMN_WRONG_TYPE:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of table \"%s\" has type %s, which cannot hold %s",
							colname, get_rel_name(relid),
							format_type_be(typid), rolename),
					 errdetail("%s", role_types_sentence(role)),
					 errhint("Map %s to another column with the columns option; a column that does not exist yet is created.",
							 rolename)));
			break;
	}
	PG_RETURN_BOOL(true);
}

/*
 * _role_column_problem(tbl regclass, role text, colname text) RETURNS text
 *		What _check_role_column() would refuse, in sentences ending with a
 *		period, for table_status(): NULL when the column can hold role or
 *		does not exist (enable() adds it).
 */
Datum
asd_role_column_problem(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *rolename;
	char	   *colname;
	AsdColumnRole role;
	Oid			typid;

	asd_args_not_null(fcinfo, "table", "role", "colname", NULL);
	relid = PG_GETARG_OID(0);
	rolename = text_to_cstring(PG_GETARG_TEXT_PP(1));
	colname = text_to_cstring(PG_GETARG_TEXT_PP(2));
	role = role_by_name(rolename);

	switch (role_column_fit(relid, role, colname, &typid))
	{
		case COLUMN_FITS:
		case COLUMN_MISSING:
			break;
		case COLUMN_SYSTEM:
			PG_RETURN_TEXT_P(cstring_to_text(psprintf("Column name \"%s\" conflicts with a system column name.",
													  colname)));
		case COLUMN_GENERATED:
			PG_RETURN_TEXT_P(cstring_to_text(psprintf("Column \"%s\" is a generated column, which cannot hold %s.",
													  colname, rolename)));
		case COLUMN_WRONG_TYPE:
			PG_RETURN_TEXT_P(cstring_to_text(psprintf("Column \"%s\" has type %s, which cannot hold %s. %s",
													  colname, format_type_be(typid),
													  rolename, role_types_sentence(role))));
	}
	PG_RETURN_NULL();
}
