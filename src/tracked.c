/*-------------------------------------------------------------------------
 *
 * tracked.c
 *	  audit_softdelete.tracked_tables: read and write a table's options
 *	  as the extension owner.
 *
 * The extension's tables are written only by the extension owner.  Code
 * that reads or writes them switches to that role for the duration of one
 * query, after it has checked what the calling role may do, so callers
 * need no grant on them.  Every query names its objects and operators with
 * their schema: it runs under the caller's search_path.
 *
 * IDENTIFICATION
 *	  src/tracked.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "commands/event_trigger.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/syscache.h"

#include "audit_write.h"
#include "call_check.h"
#include "column_history.h"
#include "owner.h"
#include "roles.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_check_options);
PG_FUNCTION_INFO_V1(asd_save_table_options);
PG_FUNCTION_INFO_V1(asd_check_table_sql);
PG_FUNCTION_INFO_V1(asd_follow_column_rename);
PG_FUNCTION_INFO_V1(asd_excludes_deleted);

/*
 * The OID of tracked_tables and the role that owns it, looked up once: the
 * audit trigger needs the owner for every row it writes.  Forgotten when
 * tracked_tables' relcache entry is invalidated (its owner changed, the
 * extension was dropped), see tracked_invalidate().
 */
static Oid	cached_tracked_relid = InvalidOid;
static Oid	cached_owner = InvalidOid;

/*
 * The OID last looked up, kept when it is forgotten: other modules' hooks
 * ask asd_is_tracked_tables() about the same invalidation, before or after
 * ours.
 */
static Oid	known_tracked_relid = InvalidOid;

/* Is relid tracked_tables, as far as this backend has looked it up? */
bool
asd_is_tracked_tables(Oid relid)
{
	return OidIsValid(known_tracked_relid) && relid == known_tracked_relid;
}

static void
tracked_invalidate(Oid relid)
{
	if (!OidIsValid(relid) || asd_is_tracked_tables(relid))
	{
		cached_tracked_relid = InvalidOid;
		cached_owner = InvalidOid;
	}
}

/* A schema changed (its owner, say): look at the extension's again. */
static void
tracked_namespace_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	cached_owner = InvalidOid;
}

void
asd_tracked_init(void)
{
	asd_register_relcache_hook(tracked_invalidate);
	CacheRegisterSyscacheCallback(NAMESPACEOID, tracked_namespace_changed, (Datum) 0);
}

/*
 * tracked_tables_relid
 *		OID of audit_softdelete.tracked_tables.
 */
static Oid
tracked_tables_relid(bool missing_ok)
{
	Oid			nspid;
	Oid			relid = InvalidOid;

	if (OidIsValid(cached_tracked_relid))
		return cached_tracked_relid;

	nspid = get_namespace_oid(ASD_SCHEMA_NAME, missing_ok);
	if (OidIsValid(nspid))
		relid = get_relname_relid("tracked_tables", nspid);
	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.tracked_tables\" does not exist",
						ASD_SCHEMA_NAME),
				 errhint("Run CREATE EXTENSION audit_softdelete.")));
	cached_tracked_relid = relid;
	if (OidIsValid(relid))
		known_tracked_relid = relid;
	return relid;
}

/*
 * Does the schema's ACL let a role other than the extension's owner, the
 * schema's owner or a superuser create objects in it?  *creator: that role
 * (ACL_ID_PUBLIC for PUBLIC).  A CREATE granted WITH GRANT OPTION to a
 * role that passes is no hole: only a grant it made would be.
 */
static bool
schema_has_creator(HeapTuple nsptup, Oid owner, Oid nspowner, Oid *creator)
{
	bool		isnull;
	Datum		datum = SysCacheGetAttr(NAMESPACEOID, nsptup,
										Anum_pg_namespace_nspacl, &isnull);
	Acl		   *acl;
	AclItem    *items;
	int			i;

	if (isnull)
		return false;			/* the default: only the schema's owner */
	acl = DatumGetAclP(datum);
	items = ACL_DAT(acl);
	for (i = 0; i < ACL_NUM(acl); i++)
	{
		Oid			grantee = items[i].ai_grantee;

		if ((ACLITEM_GET_PRIVS(items[i]) & ACL_CREATE) == 0)
			continue;
		if (grantee == ACL_ID_PUBLIC ||
			(grantee != owner && grantee != nspowner && !superuser_arg(grantee)))
		{
			*creator = grantee;
			return true;
		}
	}
	return false;
}

/*
 * asd_extension_owner
 *		The role that owns the extension's tables.
 *
 * That is the owner of tracked_tables: whoever created the extension, or
 * whoever it was handed to since.
 *
 * The extension acts as that role on objects it finds in its schema by
 * name.  A schema owned by another role, not a superuser (one that
 * existed before CREATE EXTENSION, given to a database owner, say), lets
 * that role put a function or a table there that the extension would use
 * with the owner's rights: refused, before the extension acts as anyone.
 * So is a schema that grants CREATE to such a role, or to PUBLIC.
 */
Oid
asd_extension_owner(void)
{
	if (!OidIsValid(cached_owner))
	{
		Oid			relid = tracked_tables_relid(false);
		HeapTuple	tup;
		Oid			owner;
		Oid			nspid;
		Oid			nspowner;
		Oid			creator;
		bool		has_creator;

		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", relid);
		owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		nspid = ((Form_pg_class) GETSTRUCT(tup))->relnamespace;
		ReleaseSysCache(tup);

		tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for schema %u", nspid);
		nspowner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
		has_creator = schema_has_creator(tup, owner, nspowner, &creator);
		ReleaseSysCache(tup);
		if (has_creator)
		{
			const char *name = creator == ACL_ID_PUBLIC ? "PUBLIC" :
				quote_identifier(GetUserNameFromId(creator, false));

			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("schema \"%s\" grants CREATE to %s%s",
							ASD_SCHEMA_NAME, creator == ACL_ID_PUBLIC ? "" : "role ", name),
					 errdetail("Only the extension's owner, \"%s\", or a superuser may create objects in the extension's schema: others could add objects the extension would use with the extension owner's rights.",
							   GetUserNameFromId(owner, false)),
					 errhint("A superuser or the schema's owner can take it back: REVOKE CREATE ON SCHEMA %s FROM %s;",
							 ASD_SCHEMA_NAME, name)));
		}
		if (nspowner != owner && !superuser_arg(nspowner))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("schema \"%s\" is owned by role \"%s\"",
							ASD_SCHEMA_NAME, GetUserNameFromId(nspowner, false)),
					 errdetail("The extension's schema must belong to the extension's owner, \"%s\", or to a superuser: its owner could add objects the extension would use with the extension owner's rights.",
							   GetUserNameFromId(owner, false)),
					 errhint("A superuser can give it back: ALTER SCHEMA %s OWNER TO %s;",
							 ASD_SCHEMA_NAME, quote_identifier(GetUserNameFromId(owner, false)))));
		cached_owner = owner;
	}
	return cached_owner;
}

/*
 * The options enable() takes and tracked_tables stores have one owner: the
 * checks below.  enable() asks _check_options() before it changes
 * anything; _save_table_options() asks again about what it is given to
 * store.  A hint, which tells how to call enable(), comes with enable()'s
 * own arguments only.
 */

/* tracked_tables.soft_delete, by AsdSoftDeleteMode */
static const char *const soft_delete_modes[] = {
	[ASD_SOFT_DELETE_OFF] = "off",
	[ASD_SOFT_DELETE_TRIGGER] = "trigger",
	[ASD_SOFT_DELETE_VIEW] = "view"
};

/* The soft_delete mode named mode; for_enable: enable()'s argument. */
static AsdSoftDeleteMode
soft_delete_mode(const char *mode, bool for_enable)
{
	int			i;

	for (i = 0; i < lengthof(soft_delete_modes); i++)
		if (strcmp(soft_delete_modes[i], mode) == 0)
			return (AsdSoftDeleteMode) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid soft_delete mode \"%s\"", mode),
			 for_enable ?
			 errhint("Use 'trigger' (DELETE marks the row), 'view' (the table's name shows only live rows) or 'off'.") : 0));
	return ASD_SOFT_DELETE_OFF;		/* keep the compiler quiet */
}

/*
 * The columns option, checked: a JSON object that maps roles to column
 * names, no two roles to the same column.  As enable() takes it
 * (for_enable), a role left out maps to the column of its own name; as
 * tracked_tables stores it, it maps every role.  Returns the mapping of
 * every role.
 */
static Jsonb *
check_columns(Jsonb *columns, bool for_enable)
{
	const char *names[ASD_NUM_ROLES] = {0};
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	JsonbParseState *state = NULL;
	JsonbValue *mapping;
	int			role;

	if (columns == NULL || !JB_ROOT_IS_OBJECT(columns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("columns must be a JSON object"),
				 for_enable ?
				 errhint("Map standard column names to the table's own, e.g. '{\"created_by\": \"author_id\"}'.") : 0));

	it = JsonbIteratorInit(&columns->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (token != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (role = 0; role < ASD_NUM_ROLES; role++)
			if (strcmp(asd_role_names[role], key) == 0)
				break;
		if (role == ASD_NUM_ROLES)
		{
			StringInfoData known;
			int			i;

			initStringInfo(&known);
			for (i = 0; i < ASD_NUM_ROLES; i++)
				appendStringInfo(&known, "%s%s", i > 0 ? ", " : "", asd_role_names[i]);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown key \"%s\" in columns", key),
					 errhint("The keys are the standard column names: %s.", known.data)));
		}
		token = JsonbIteratorNext(&it, &v, true);
		Assert(token == WJB_VALUE);
		if (v.type != jbvString || v.val.string.len == 0)
		{
			Jsonb	   *value = JsonbValueToJsonb(&v);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("columns maps \"%s\" to %s, which is not a column name",
							key, JsonbToCString(NULL, &value->root, VARSIZE(value)))));
		}
		names[role] = pnstrdup(v.val.string.val, v.val.string.len);
	}

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (role = 0; role < ASD_NUM_ROLES; role++)
	{
		int			other;

		if (names[role] == NULL)
		{
			if (!for_enable)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("columns must map \"%s\" to a column name",
								asd_role_names[role])));
			names[role] = asd_role_names[role];
		}
		for (other = 0; other < role; other++)
			if (strcmp(names[other], names[role]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("columns maps both \"%s\" and \"%s\" to column \"%s\"",
								asd_role_names[other], asd_role_names[role],
								names[role])));

		v.type = jbvString;
		v.val.string.val = (char *) asd_role_names[role];
		v.val.string.len = strlen(asd_role_names[role]);
		(void) pushJsonbValue(&state, WJB_KEY, &v);
		v.val.string.val = (char *) names[role];
		v.val.string.len = strlen(names[role]);
		(void) pushJsonbValue(&state, WJB_VALUE, &v);
	}
	mapping = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(mapping);
}

/*
 * _check_options(soft_delete text, columns jsonb) RETURNS jsonb
 *		enable()'s soft_delete and columns options, checked as
 *		_save_table_options() will check them; returns the mapping of every
 *		role to its column.
 */
Datum
asd_check_options(PG_FUNCTION_ARGS)
{
	asd_args_not_null(fcinfo, "soft_delete", NULL);
	(void) soft_delete_mode(text_to_cstring(PG_GETARG_TEXT_PP(0)), true);
	PG_RETURN_JSONB_P(check_columns(PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
									true));
}

/* Copy an SPI result column as a string into the caller's context. */
static char *
copy_value(MemoryContext cxt, int col)
{
	char	   *value = SPI_getvalue(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, col);

	return value ? MemoryContextStrdup(cxt, value) : NULL;
}

/* Copy an SPI result column of type text[] as a List of strings. */
static List *
copy_name_array(MemoryContext cxt, int col)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, col, &isnull);
	Datum	   *elems;
	bool	   *elemnulls;
	int			nelems;
	List	   *result = NIL;
	MemoryContext oldcxt;
	int			i;

	if (isnull)
		return NIL;
	deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &elemnulls, &nelems);
	oldcxt = MemoryContextSwitchTo(cxt);
	for (i = 0; i < nelems; i++)
	{
		if (!elemnulls[i])
			result = lappend(result, TextDatumGetCString(elems[i]));
	}
	MemoryContextSwitchTo(oldcxt);
	return result;
}

/*
 * asd_read_table_options
 *		Read the tracked_tables row of a table into *opts.
 *
 * Returns false when the table has no row.  Called on relcache misses only,
 * never per row.  Read with the latest snapshot, not the caller's: a cache
 * entry built from a REPEATABLE READ transaction's older snapshot would
 * outlive the invalidation that asked for it.
 */
bool
asd_read_table_options(Oid relid, AsdTableOptions *opts)
{
	static const char *query =
		"SELECT table_id, enabled, stamps, audit, exclude_columns, redact_columns,"
		" soft_delete,"
		" columns OPERATOR(pg_catalog.->>) 'created_at',"
		" columns OPERATOR(pg_catalog.->>) 'created_by',"
		" columns OPERATOR(pg_catalog.->>) 'updated_at',"
		" columns OPERATOR(pg_catalog.->>) 'updated_by',"
		" columns OPERATOR(pg_catalog.->>) 'deleted_at',"
		" columns OPERATOR(pg_catalog.->>) 'deleted_by',"
		" view_name"
		" FROM audit_softdelete.tracked_tables"
		" WHERE relid OPERATOR(pg_catalog.=) $1";
	MemoryContext cxt = CurrentMemoryContext;
	AsdSpi		spi;
	bool		found;

	asd_spi_connect_as_owner(&spi);
	asd_spi_run_on(query, relid, SPI_OK_SELECT, ASD_SPI_LATEST | ASD_SPI_ONE_ROW);

	found = (SPI_processed == 1);
	if (found)
	{
		int			role;
		char	   *mode;

		opts->relid = relid;
		opts->table_id = pg_strtoint32(copy_value(cxt, 1));
		opts->enabled = (copy_value(cxt, 2)[0] == 't');
		opts->stamps = (copy_value(cxt, 3)[0] == 't');
		opts->audit = (copy_value(cxt, 4)[0] == 't');
		opts->exclude_columns = copy_name_array(cxt, 5);
		opts->redact_columns = copy_name_array(cxt, 6);
		mode = copy_value(cxt, 7);
		opts->soft_delete = soft_delete_mode(mode, false);
		for (role = 0; role < ASD_NUM_ROLES; role++)
			opts->column_names[role] = copy_value(cxt, 8 + role);
		opts->view_name = copy_value(cxt, 8 + ASD_NUM_ROLES);
	}

	asd_spi_finish(&spi);
	return found;
}

/* What a relation of this kind is, for messages. */
static const char *
relkind_phrase(char relkind)
{
	switch (relkind)
	{
		case RELKIND_VIEW:
			return "a view";
		case RELKIND_MATVIEW:
			return "a materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "a foreign table";
		case RELKIND_SEQUENCE:
			return "a sequence";
		case RELKIND_COMPOSITE_TYPE:
			return "a composite type";
		case RELKIND_INDEX:
			return "an index";
		case RELKIND_PARTITIONED_INDEX:
			return "a partitioned index";
		case RELKIND_TOASTVALUE:
			return "a TOAST table";
		default:
			return "not a table";
	}
}

/*
 * check_table
 *		Refuse what enable() and disable() (verb) cannot take: a relation
 *		that does not exist, a system catalog, the extension's own tables,
 *		what is not an ordinary or partitioned table, a table the calling
 *		role does not own, a temporary table.  Returns the table's name.
 *
 * The one owner of these rules: _check_table() is this function, and
 * _save_table_options() calls it again, so that calling the writer
 * directly records nothing enable() would refuse.
 */
static char *
check_table(Oid relid, const char *verb)
{
	HeapTuple	tup;
	Form_pg_class form;
	char	   *relname;
	char	   *nspname;
	char		relkind;
	char		relpersistence;
	Oid			relowner;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	form = (Form_pg_class) GETSTRUCT(tup);
	relname = pstrdup(NameStr(form->relname));
	nspname = get_namespace_name(form->relnamespace);
	relkind = form->relkind;
	relpersistence = form->relpersistence;
	relowner = form->relowner;
	ReleaseSysCache(tup);

	if (strcmp(nspname, "pg_catalog") == 0 || strcmp(nspname, "pg_toast") == 0 ||
		strcmp(nspname, "information_schema") == 0 || relid < FirstNormalObjectId)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: \"%s\" is a system catalog", relname)));

	if (strcmp(nspname, ASD_SCHEMA_NAME) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s \"%s\"", verb, relname),
				 errdetail("Tables of the %s schema belong to the extension itself.",
						   ASD_SCHEMA_NAME)));

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname),
				 errdetail("\"%s\" is %s; only ordinary and partitioned tables can be enabled.",
						   relname, relkind_phrase(relkind)),
				 relkind == RELKIND_VIEW ?
				 errhint("Enable the table the view reads from.") : 0));

	if (!has_privs_of_role(asd_acting_role(), relowner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", relname)));

	if (relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s temporary table \"%s\"", verb, relname),
				 errdetail("A temporary table vanishes with its session, and its history would go with it.")));

	return relname;
}

/*
 * _check_table(tbl regclass, verb text) RETURNS text
 *		check_table() for enable() and disable().
 */
Datum
asd_check_table_sql(PG_FUNCTION_ARGS)
{
	asd_args_not_null(fcinfo, "table", "verb", NULL);
	PG_RETURN_TEXT_P(cstring_to_text(check_table(PG_GETARG_OID(0),
												  text_to_cstring(PG_GETARG_TEXT_PP(1)))));
}

/*
 * Options as enable() writes them, whoever calls: the triggers trust them.
 * Every role maps to a column name (check_columns); soft_delete is a known
 * mode; view_name comes with view mode only and names no object but a view
 * (the table's own: the caller checks who owns it).  Returns that view, if
 * it exists.
 */
static Oid
check_options(Oid relid, Jsonb *columns, text *soft_delete, text *view_name)
{
	AsdSoftDeleteMode mode;

	(void) check_columns(columns, false);
	mode = soft_delete_mode(text_to_cstring(soft_delete), false);
	if (view_name != NULL)
	{
		char	   *name = text_to_cstring(view_name);
		Oid			existing = get_relname_relid(name, get_rel_namespace(relid));

		if (mode != ASD_SOFT_DELETE_VIEW)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("view_name is only for soft_delete mode \"view\"")));
		if (OidIsValid(existing) && get_rel_relkind(existing) != RELKIND_VIEW)
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_VIEW, name);
		return existing;
	}
	return InvalidOid;
}

/*
 * A tracked_tables row's options, as audit rows of ENABLE, CONFIGURE and
 * DISABLE show them.
 */
#define TABLE_OPTIONS(t) \
	"pg_catalog.jsonb_build_object('stamps', " t ".stamps, 'soft_delete', " t ".soft_delete," \
	" 'audit', " t ".audit, 'columns', " t ".columns, 'exclude_columns', " t ".exclude_columns," \
	" 'redact_columns', " t ".redact_columns)"

/*
 * Around the upsert of enable() (%s, returning table_id and the new
 * options): the audit row it calls for, as action, old_values, new_values
 * and changed_columns.  ENABLE, with the options, for a table enabled
 * again after disable(); CONFIGURE, with the options that changed, before
 * and after, for one enabled; no action when nothing changed, nor for the
 * table's first enable(), which tracked_tables records (enabled_by,
 * enabled_at).  The row as it was is read in the same statement, whose
 * snapshot the upsert does not change.
 */
#define CONFIGURATION_CHANGE \
	"WITH old AS (SELECT o.enabled, " TABLE_OPTIONS("o") " AS options" \
	"  FROM audit_softdelete.tracked_tables o WHERE o.relid OPERATOR(pg_catalog.=) $1)," \
	" saved AS (%s)," \
	" changed AS (SELECT u.k, u.i FROM old, saved s," \
	"  pg_catalog.unnest('{stamps,soft_delete,audit,columns,exclude_columns,redact_columns}'::pg_catalog.text[])" \
	"   WITH ORDINALITY AS u(k, i)" \
	"  WHERE old.enabled AND NOT ((old.options OPERATOR(pg_catalog.->) u.k)" \
	"             OPERATOR(pg_catalog.=) (s.options OPERATOR(pg_catalog.->) u.k)))" \
	" SELECT s.table_id," \
	"  CASE WHEN EXISTS (SELECT FROM old WHERE NOT old.enabled) THEN 'ENABLE'" \
	"       WHEN EXISTS (SELECT FROM changed) THEN 'CONFIGURE' END," \
	"  (SELECT pg_catalog.jsonb_object_agg(c.k, old.options OPERATOR(pg_catalog.->) c.k)" \
	"     FROM changed c, old)," \
	"  CASE WHEN EXISTS (SELECT FROM old WHERE NOT old.enabled) THEN s.options" \
	"       ELSE (SELECT pg_catalog.jsonb_object_agg(c.k, s.options OPERATOR(pg_catalog.->) c.k)" \
	"               FROM changed c) END," \
	"  (SELECT pg_catalog.array_agg(c.k ORDER BY c.i) FROM changed c)" \
	" FROM saved s"

/*
 * _save_table_options(tbl regclass, enabled boolean, stamps boolean,
 *					   columns jsonb, audit boolean, exclude_columns text[],
 *					   redact_columns text[], soft_delete text,
 *					   view_name text) RETURNS integer
 *		Record enable() or disable() of a table; returns its table_id.
 *
 * Only enable() and disable() call it (see internal.c), on behalf of the
 * role that called them.  It makes their checks again, for that role, so
 * that nothing they would refuse is recorded, refuses to record anything
 * outside them, and records that role as who enabled or disabled the
 * table.  tracked_tables keeps who enabled the table first, and when;
 * every later change is written into the audit trail, as ENABLE, CONFIGURE
 * or DISABLE.
 */
Datum
asd_save_table_options(PG_FUNCTION_ARGS)
{
	static const char *enable_query =
		"INSERT INTO audit_softdelete.tracked_tables AS t"
		" (relid, enabled, stamps, columns, enabled_by, enabled_at,"
		"  audit, exclude_columns, redact_columns, soft_delete, view_name)"
		" VALUES ($1, true, $2, $3, $4, pg_catalog.now(), $5, $6, $7, $8, $9)"
		" ON CONFLICT (relid) DO UPDATE"
		" SET enabled = true, stamps = excluded.stamps, columns = excluded.columns,"
		" audit = excluded.audit, exclude_columns = excluded.exclude_columns,"
		" redact_columns = excluded.redact_columns, soft_delete = excluded.soft_delete,"
		" view_name = excluded.view_name, disabled_by = NULL, disabled_at = NULL"
		" RETURNING t.table_id, " TABLE_OPTIONS("t") " AS options";
	static const char *disable_query =
		"UPDATE audit_softdelete.tracked_tables t"
		" SET enabled = false, disabled_by = $4, disabled_at = pg_catalog.now(),"
		" view_name = NULL"
		" WHERE relid OPERATOR(pg_catalog.=) $1 AND enabled"
		" RETURNING t.table_id, 'DISABLE', " TABLE_OPTIONS("t") ", NULL::pg_catalog.jsonb,"
		" NULL::pg_catalog.text[]";
	Oid			relid;
	bool		enabled;
	Oid			caller;
	Oid			argtypes[9] = {REGCLASSOID, BOOLOID, JSONBOID, TEXTOID,
	BOOLOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID};
	Datum		args[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			i;
	char	   *rolename;
	AsdSpi		spi;
	int32		table_id = 0;
	bool		found;
	Oid			view = InvalidOid;
	char	   *query;
	AsdAuditRow row;
	bool		logged = false;
	MemoryContext cxt = CurrentMemoryContext;

	/* every argument but view_name (the last) is required */
	for (i = 0; i < PG_NARGS() - 1; i++)
	{
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("arguments of _save_table_options must not be null")));
	}

	relid = PG_GETARG_OID(0);
	enabled = PG_GETARG_BOOL(1);

	/* The checks enable() made already, made again where it matters. */
	(void) check_table(relid, enabled ? "enable" : "disable");
	if (enabled)
		view = check_options(relid, PG_GETARG_JSONB_P(3), PG_GETARG_TEXT_PP(7),
							 PG_ARGISNULL(8) ? NULL : PG_GETARG_TEXT_PP(8));

	/* on behalf of whom: refused unless enable() or disable() is running */
	caller = asd_gate_caller("_save_table_options");
	if (OidIsValid(view) && !pg_class_ownercheck(view, caller))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_VIEW, get_rel_name(view));

	rolename = GetUserNameFromId(caller, false);
	args[0] = ObjectIdGetDatum(relid);
	args[1] = PG_GETARG_DATUM(2);
	args[2] = PG_GETARG_DATUM(3);
	args[3] = CStringGetTextDatum(rolename);
	args[4] = PG_GETARG_DATUM(4);
	args[5] = PG_GETARG_DATUM(5);
	args[6] = PG_GETARG_DATUM(6);
	args[7] = PG_GETARG_DATUM(7);
	args[8] = PG_ARGISNULL(8) ? (Datum) 0 : PG_GETARG_DATUM(8);
	nulls[8] = PG_ARGISNULL(8) ? 'n' : ' ';

	/* with enable(), which options it changed (see CONFIGURATION_CHANGE) */
	query = enabled ? psprintf(CONFIGURATION_CHANGE, enable_query) : (char *) disable_query;
	memset(&row, 0, sizeof(row));
	asd_spi_connect_as_owner(&spi);
	asd_spi_run(query, enabled ? 9 : 4, argtypes, args, nulls, 0, 0);
	found = (SPI_processed == 1);
	if (found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		value;
		MemoryContext oldcxt;

		table_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		value = SPI_getbinval(tup, desc, 2, &isnull);
		oldcxt = MemoryContextSwitchTo(cxt);
		if (!isnull)
		{
			char	   *action = TextDatumGetCString(value);

			logged = true;
			row.action = strcmp(action, "ENABLE") == 0 ? ASD_ACTION_ENABLE :
				strcmp(action, "CONFIGURE") == 0 ? ASD_ACTION_CONFIGURE : ASD_ACTION_DISABLE;
			value = SPI_getbinval(tup, desc, 3, &isnull);
			row.old_values = isnull ? NULL : DatumGetJsonbPCopy(value);
			value = SPI_getbinval(tup, desc, 4, &isnull);
			row.new_values = isnull ? NULL : DatumGetJsonbPCopy(value);
			value = SPI_getbinval(tup, desc, 5, &isnull);
			row.changed_columns = isnull ? NULL : DatumGetArrayTypePCopy(value);
		}
		MemoryContextSwitchTo(oldcxt);
	}
	asd_spi_finish(&spi);

	/*
	 * The change to the table's auditing, in its audit trail: named as its
	 * rows are (in view mode, by the live view).
	 */
	if (logged)
	{
		AsdRelInfo	info;

		memset(&info, 0, sizeof(info));
		info.table_id = table_id;
		info.tracked_relid = relid;
		info.schema_name = get_namespace_name(get_rel_namespace(relid));
		info.table_name = PG_ARGISNULL(8) ? get_rel_name(relid) :
			text_to_cstring(PG_GETARG_TEXT_PP(8));
		row.info = &info;
		asd_write_audit_row(&row);
	}

	/* enable(): the names its columns have from now on */
	if (found && enabled)
		asd_column_history_sync(relid, table_id);

	/*
	 * Every backend's cache of table options is flushed when this
	 * transaction commits; ours at the next command.
	 */
	CacheInvalidateRelcacheByRelid(tracked_tables_relid(false));

	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_INT32(table_id);
}

/*
 * _follow_column_rename() RETURNS event_trigger
 *		After ALTER TABLE ... RENAME COLUMN, rename the column in the options
 *		of the enabled tables it belongs to.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_follow_column_rename
 *		ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
 *		EXECUTE FUNCTION audit_softdelete._follow_column_rename();
 *
 * Options name columns, because names survive pg_dump and restore where
 * column numbers do not.  Without this, a renamed excluded column would
 * start appearing in the audit trail, and a renamed stamp column would stop
 * being stamped.  The rename reaches every table that inherits the column,
 * and so does this.
 */
Datum
asd_follow_column_rename(PG_FUNCTION_ARGS)
{
	static const char *query =
		"UPDATE audit_softdelete.tracked_tables"
		" SET columns = COALESCE((SELECT pg_catalog.jsonb_object_agg(m.key,"
		"      CASE WHEN m.value OPERATOR(pg_catalog.=) $2 THEN $3 ELSE m.value END)"
		"    FROM pg_catalog.jsonb_each_text(columns) m), '{}'::pg_catalog.jsonb),"
		"  exclude_columns = pg_catalog.array_replace(exclude_columns, $2, $3),"
		"  redact_columns = pg_catalog.array_replace(redact_columns, $2, $3)"
		" WHERE relid OPERATOR(pg_catalog.=) ANY ($1)";
	EventTriggerData *trigdata;
	RenameStmt *stmt;
	Oid			relid;
	List	   *relids;
	Datum	   *elems;
	ListCell   *lc;
	int			n = 0;
	Oid			argtypes[3] = {OIDARRAYOID, TEXTOID, TEXTOID};
	Datum		args[3];
	AsdSpi		spi;

	trigdata = asd_event_trigger_call(fcinfo, "_follow_column_rename");

	if (!IsA(trigdata->parsetree, RenameStmt))
		PG_RETURN_VOID();
	stmt = (RenameStmt *) trigdata->parsetree;
	if (stmt->renameType != OBJECT_COLUMN || stmt->relation == NULL)
		PG_RETURN_VOID();

	/*
	 * The renamed table, as the command resolved it (this function runs
	 * with its own search_path, so the statement's RangeVar cannot be looked
	 * up again here).  It is locked by the rename.
	 */
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands()"
				" WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass",
				0, NULL, NULL, NULL, SPI_OK_SELECT,
				ASD_SPI_READ_ONLY | ASD_SPI_ONE_ROW);
	relid = InvalidOid;
	if (SPI_processed == 1)
	{
		bool		isnull;

		relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
	}
	asd_spi_finish(&spi);
	if (!OidIsValid(relid))
		PG_RETURN_VOID();
	relids = stmt->relation->inh ? find_all_inheritors(relid, NoLock, NULL)
		: list_make1_oid(relid);

	elems = palloc(sizeof(Datum) * list_length(relids));
	foreach(lc, relids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	args[0] = PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid),
											  true, TYPALIGN_INT));
	args[1] = CStringGetTextDatum(stmt->subname);
	args[2] = CStringGetTextDatum(stmt->newname);

	asd_spi_connect_as_owner(&spi);
	asd_spi_run(query, 3, argtypes, args, NULL, SPI_OK_UPDATE, 0);
	if (SPI_processed > 0)
		CacheInvalidateRelcacheByRelid(tracked_tables_relid(false));
	asd_spi_finish(&spi);

	PG_RETURN_VOID();
}

/*
 * Run "SELECT audit_softdelete.<function>($1)" on a relation, as the
 * extension owner and with the latest snapshot (as the options are read),
 * for the regclass it returns (InvalidOid for NULL).
 */
static Oid
lookup_table(const char *query, Oid relid)
{
	AsdSpi		spi;
	Oid			result = InvalidOid;

	asd_spi_connect_as_owner(&spi);
	asd_spi_run_on(query, relid, SPI_OK_SELECT, ASD_SPI_LATEST | ASD_SPI_ONE_ROW);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetObjectId(value);
	}
	asd_spi_finish(&spi);
	return result;
}

/*
 * The table behind a name given to purge() or restore(), or InvalidOid
 * unless it is enabled with soft delete.
 */
static Oid
soft_delete_table(Oid relid)
{
	return lookup_table("SELECT audit_softdelete._soft_delete_table($1)", relid);
}

/*
 * asd_resolve_soft_delete_table
 *		The table behind a name given to purge() or restore(): the table
 *		itself, or for a table in view mode, its live view too.  Errors
 *		unless it is enabled with soft delete, with a hint that names the
 *		table as regclass writes it (qualified) or by its bare name.
 */
Oid
asd_resolve_soft_delete_table(Oid relid, bool qualified)
{
	char	   *relname = get_rel_name(relid);
	Oid			result;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));

	result = soft_delete_table(relid);
	if (!OidIsValid(result))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not enabled for soft delete", relname),
				 errhint("Enable it with audit_softdelete.enable('%s', soft_delete => 'trigger').",
						 qualified ?
						 DatumGetCString(DirectFunctionCall1(regclassout,
															 ObjectIdGetDatum(relid))) :
						 relname)));
	return result;
}

/*
 * asd_live_view_table
 *		The table in view mode whose live view viewid is, or InvalidOid.
 */
Oid
asd_live_view_table(Oid viewid)
{
	Oid			result = lookup_table("SELECT audit_softdelete._tracked_table($1)", viewid);

	return result == viewid ? InvalidOid : result;
}

/*
 * The predicate of index indexid, as implicitly-ANDed clauses, NIL if it has none:
 * as stored, not simplified.  RelationGetIndexPredicate() simplifies it,
 * which calls the immutable functions it names with constant arguments:
 * functions of the table's owner, which must never run as the extension
 * owner this runs as (enable(), table_status()), nor at all for a check.
 */
static List *
stored_index_predicate(Oid indexid)
{
	HeapTuple	tup;
	Datum		datum;
	bool		isnull;
	List	   *result = NIL;

	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", indexid);
	datum = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indpred, &isnull);
	if (!isnull)
	{
		Expr	   *pred = (Expr *) stringToNode(TextDatumGetCString(datum));

		result = make_ands_implicit(canonicalize_qual(pred, false));
		fix_opfuncids((Node *) result);
	}
	ReleaseSysCache(tup);
	return result;
}

/*
 * _excludes_deleted(idx regclass, col text) RETURNS boolean
 *		Does the predicate of index idx imply that column col of its table
 *		is NULL?  Then, col being deleted_at, the index counts no deleted
 *		row.  For enable()'s warning about unique indexes, and
 *		table_status()'s unique_with_deleted.
 */
Datum
asd_excludes_deleted(PG_FUNCTION_ARGS)
{
	Relation	index;
	Oid			relid;
	List	   *pred;
	AttrNumber	attnum;
	bool		result = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	index = index_open(PG_GETARG_OID(0), AccessShareLock);
	relid = index->rd_index->indrelid;
	pred = stored_index_predicate(RelationGetRelid(index));
	attnum = get_attnum(relid, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (pred != NIL && attnum != InvalidAttrNumber)
	{
		NullTest   *test = makeNode(NullTest);
		Oid			typid;
		int32		typmod;
		Oid			collid;

		/* the predicate's Vars name the table as range table entry 1 */
		get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collid);
		test->arg = (Expr *) makeVar(1, attnum, typid, typmod, collid, 0);
		test->nulltesttype = IS_NULL;
		test->argisrow = false;
		test->location = -1;
		result = predicate_implied_by(list_make1(test), pred, false);
	}
	index_close(index, AccessShareLock);
	PG_RETURN_BOOL(result);
}
