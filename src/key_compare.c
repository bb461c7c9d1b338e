/*-------------------------------------------------------------------------
 *
 * key_compare.c
 *	  Finding a row by its primary key, with the key's own equality.
 *
 * restore(), row_history() and DELETE through a live view find a row by the
 * values of its primary key.  A key can be of any type: ltree and isbn13
 * keep their "=" outside pg_catalog, citext's "=" ignores case, a domain
 * compares as its base type.  So a key column is never compared with an
 * "=" looked up by name: it is compared with the equality member of the
 * operator family of its primary key index, the operator its uniqueness is
 * defined by (as PostgreSQL's foreign keys use conpfeqop), written into the
 * query by OID through generate_operator_clause(), which names its schema
 * and adds the casts that leave the parser no other choice.  The value is
 * compared under the column's collation.
 *
 * IDENTIFICATION
 *	  src/key_compare.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/relation.h"
#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/bytea.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "call_check.h"
#include "key_compare.h"

PG_FUNCTION_INFO_V1(asd_key_condition);

static void append_key_comparison(StringInfo buf, Relation rel, AttrNumber attnum,
								  const char *column, const char *value);
static char *cast_type_name(Oid typid);

/*
 * How to_jsonb() writes a key column's values into a key's JSON, and so
 * how a key's JSON is read back into values of the column's type.
 */
typedef enum KeyJson
{
	KEY_JSON_TEXT,				/* a string, number or boolean: its text is
								 * the type's input */
	KEY_JSON_DOCUMENT,			/* jsonb: the value itself */
	KEY_JSON_NESTED,			/* an array or a composite: a JSON array or
								 * object, read back as jsonb_populate_record
								 * reads it */
	KEY_JSON_CAST				/* the type's own cast to json (hstore): no
								 * way back, compared as JSON */
} KeyJson;

/*
 * key_json
 *		How to_jsonb() writes a value of typid: looking through domains, as
 *		to_jsonb() does, and the same way it tells arrays, composites and
 *		types with a cast to json apart.
 */
static KeyJson
key_json(Oid typid)
{
	Oid			castfunc;

	typid = getBaseType(typid);
	if (typid == JSONBOID)
		return KEY_JSON_DOCUMENT;
	if (OidIsValid(get_element_type(typid)) || type_is_rowtype(typid))
		return KEY_JSON_NESTED;
	if (typid >= FirstNormalObjectId &&
		find_coercion_pathway(JSONOID, typid, COERCION_EXPLICIT,
							  &castfunc) == COERCION_PATH_FUNC &&
		OidIsValid(castfunc))
		return KEY_JSON_CAST;
	return KEY_JSON_TEXT;
}

/*
 * key_value
 *		An expression of type typid (without its modifier) for the value of
 *		key column name in the key json (a jsonb expression), read back from
 *		what to_jsonb() wrote: "(json ->> 'a')::type" for a value written
 *		as its text, a jsonb column's value as it is, an array or a
 *		composite through jsonb_to_record(), which reads JSON arrays and
 *		objects as jsonb_populate_record() does.  NULL for a type with a
 *		cast to json of its own: nothing reads that back.
 */
static char *
key_value(Oid typid, const char *json, const char *name)
{
	char	   *field = quote_literal_cstr(name);

	switch (key_json(typid))
	{
		case KEY_JSON_TEXT:
			return psprintf("(%s OPERATOR(pg_catalog.->>) %s)::%s",
							json, field, cast_type_name(typid));
		case KEY_JSON_DOCUMENT:
			return psprintf("(%s OPERATOR(pg_catalog.->) %s)::%s",
							json, field, cast_type_name(typid));
		case KEY_JSON_NESTED:
			/* named as the key names it, for the messages of a bad value */
			return psprintf("(SELECT k.%s FROM pg_catalog.jsonb_to_record("
							"pg_catalog.jsonb_build_object(%s, %s OPERATOR(pg_catalog.->) %s))"
							" k(%s %s))",
							quote_identifier(name), field, json, field,
							quote_identifier(name), cast_type_name(typid));
		case KEY_JSON_CAST:
			break;
	}
	return NULL;
}

/*
 * append_json_key_comparison
 *		Append a comparison of key column attnum of rel with its value in
 *		the key json (a jsonb expression): column is an expression of the
 *		column's type, or NULL to compare the column's value in the key
 *		column_json instead.  Compared with the key's equality, but for a
 *		type with its own cast to json, whose JSON is compared.
 */
static void
append_json_key_comparison(StringInfo buf, Relation rel, AttrNumber attnum,
						   const char *column, const char *column_json,
						   const char *json)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	const char *name = NameStr(att->attname);
	char	   *value = key_value(att->atttypid, json, name);

	if (value == NULL)
	{
		char	   *field = quote_literal_cstr(name);

		if (column != NULL)
			appendStringInfo(buf, "pg_catalog.to_jsonb(%s)", column);
		else
			appendStringInfo(buf, "(%s OPERATOR(pg_catalog.->) %s)", column_json, field);
		appendStringInfo(buf, " OPERATOR(pg_catalog.=) (%s OPERATOR(pg_catalog.->) %s)",
						 json, field);
		return;
	}
	if (column == NULL)
		column = psprintf("(%s)", key_value(att->atttypid, column_json, name));
	append_key_comparison(buf, rel, attnum, column, value);
}

/*
 * key_equality
 *		The operator that compares a key column of rel: the btree equality
 *		of the operator family of its primary key index.
 *
 * A column outside the primary key (a key recorded before the table's key
 * changed) falls back to the equality of its type's default operator
 * class, which is what the type itself calls equal.
 */
static Oid
key_equality(Relation rel, AttrNumber attnum)
{
	Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
	Oid			typid = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
	TypeCacheEntry *typentry;

	if (OidIsValid(pkindex))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index index;
		oidvector  *indclass;
		Datum		datum;
		bool		isnull;
		Oid			opclass = InvalidOid;
		int			i;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		index = (Form_pg_index) GETSTRUCT(tup);
		datum = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
		Assert(!isnull);
		indclass = (oidvector *) DatumGetPointer(datum);
		for (i = 0; i < index->indnkeyatts; i++)
		{
			if (index->indkey.values[i] == attnum)
			{
				opclass = indclass->values[i];
				break;
			}
		}
		ReleaseSysCache(tup);

		if (OidIsValid(opclass))
		{
			Oid			opcintype = get_opclass_input_type(opclass);
			Oid			eqop;

			/* a primary key index is a btree */
			eqop = get_opfamily_member(get_opclass_family(opclass), opcintype,
									   opcintype, BTEqualStrategyNumber);
			if (!OidIsValid(eqop))
				elog(ERROR, "missing equality operator for type %u in operator class %u",
					 opcintype, opclass);
			return eqop;
		}
	}

	typentry = lookup_type_cache(typid, TYPECACHE_EQ_OPR);
	if (!OidIsValid(typentry->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify an equality operator for type %s",
						format_type_be(typid)),
				 errdetail("Column \"%s\" of table \"%s\" is not in its primary key.",
						   NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
						   RelationGetRelationName(rel))));
	return typentry->eq_opr;
}

/*
 * asd_append_key_clause
 *		Append "x.col OPERATOR(schema.op) (value)" for one key column of rel,
 *		where value is an expression of the column's type.
 */
void
asd_append_key_clause(StringInfo buf, Relation rel, AttrNumber attnum,
					  const char *value)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	append_key_comparison(buf, rel, attnum,
						  psprintf("x.%s", quote_identifier(NameStr(att->attname))),
						  value);
}

/*
 * Append "column OPERATOR(schema.op) (value)" for one key column of rel:
 * column and value are expressions of the column's type.
 */
static void
append_key_comparison(StringInfo buf, Relation rel, AttrNumber attnum,
					  const char *column, const char *value)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	char	   *operand;

	/* the column's collation, not the value type's default, decides */
	if (OidIsValid(att->attcollation))
		operand = psprintf("(%s COLLATE %s)", value,
						   asd_collation_name(att->attcollation));
	else
		operand = psprintf("(%s)", value);
	generate_operator_clause(buf, column, att->atttypid,
							 key_equality(rel, attnum),
							 operand, att->atttypid);
}

static int
compare_names(const ListCell *a, const ListCell *b)
{
	return strcmp((char *) lfirst(a), (char *) lfirst(b));
}

/*
 * asd_primary_key_columns
 *		The names of relid's primary key columns, sorted; NIL without a
 *		primary key.
 */
List *
asd_primary_key_columns(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
	List	   *result = NIL;

	if (OidIsValid(pkindex))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index index;
		int			i;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		index = (Form_pg_index) GETSTRUCT(tup);
		for (i = 0; i < index->indnkeyatts; i++)
			result = lappend(result, get_attname(relid, index->indkey.values[i], false));
		ReleaseSysCache(tup);
	}
	relation_close(rel, NoLock);
	list_sort(result, compare_names);
	return result;
}

/*
 * asd_match_key
 *		Does pk, a key given as JSON, name exactly the columns pkcols (as
 *		asd_primary_key_columns() returns them), none of them null?  *keys
 *		gets the names it has, sorted, for messages.
 */
AsdKeyMatch
asd_match_key(Jsonb *pk, List *pkcols, List **keys)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	bool		has_null = false;
	ListCell   *lc;
	ListCell   *lc2;

	*keys = NIL;
	if (!JB_ROOT_IS_OBJECT(pk))
		return ASD_KEY_NOT_OBJECT;
	it = JsonbIteratorInit(&pk->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			*keys = lappend(*keys, pnstrdup(v.val.string.val, v.val.string.len));
		else if (token == WJB_VALUE && v.type == jbvNull)
			has_null = true;
	}
	list_sort(*keys, compare_names);
	if (list_length(*keys) != list_length(pkcols))
		return ASD_KEY_OTHER_COLUMNS;
	forboth(lc, *keys, lc2, pkcols)
	{
		if (strcmp(lfirst(lc), lfirst(lc2)) != 0)
			return ASD_KEY_OTHER_COLUMNS;
	}
	return has_null ? ASD_KEY_HAS_NULL : ASD_KEY_MATCHES;
}

static char *
join_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 (char *) lfirst(lc));
	return buf.data;
}

/*
 * asd_report_key_mismatch
 *		Refuse pk, a key given to restore() or row_history(), which does not
 *		match the primary key pkcols of table relname as match says (keys:
 *		the names it has, see asd_match_key).
 */
void
asd_report_key_mismatch(AsdKeyMatch match, List *pkcols, List *keys,
						const char *relname)
{
	if (match == ASD_KEY_NOT_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pk must be a JSON object"),
				 pkcols != NIL ?
				 errhint("Name every primary key column, e.g. '{\"%s\": ...}'.",
						 (char *) linitial(pkcols)) : 0));
	if (match == ASD_KEY_OTHER_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pk must name exactly the primary key columns of \"%s\"", relname),
				 errdetail("The primary key is (%s); pk names (%s).",
						   join_names(pkcols), join_names(keys))));
	if (match == ASD_KEY_HAS_NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pk must not contain nulls")));
}

/* A type's name for a cast: schema-qualified, without a modifier. */
static char *
cast_type_name(Oid typid)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Form_pg_type typ;
	char	   *name;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	typ = (Form_pg_type) GETSTRUCT(tup);
	/* "bpchar", never "character", which would mean character(1) */
	name = quote_qualified_identifier(get_namespace_name(typ->typnamespace),
									  NameStr(typ->typname));
	ReleaseSysCache(tup);
	return name;
}

/*
 * asd_collation_name
 *		The name of collation collid, always with its schema.
 *
 * Not generate_collation_name(), which leaves the schema out when the
 * collation is visible on the search_path of the moment: the DELETE of a
 * live view is a plan kept across calls, which PostgreSQL analyzes again
 * when it is next run under another search_path (a session that changed
 * it, undo() and revert_table_to() with their own), and "COLLATE ci" then
 * named no collation.
 */
char *
asd_collation_name(Oid collid)
{
	HeapTuple	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
	Form_pg_collation coll;
	char	   *name;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for collation %u", collid);
	coll = (Form_pg_collation) GETSTRUCT(tup);
	name = quote_qualified_identifier(get_namespace_name(coll->collnamespace),
									  NameStr(coll->collname));
	ReleaseSysCache(tup);
	return name;
}

/*
 * _key_condition(tbl regclass, pk jsonb) RETURNS text
 *		"x.a OPERATOR(...) (($1 ->> 'a')::type) AND ..." for the keys of a
 *		JSON key: each value converted by its column's own type without its
 *		modifier (a bad value is that type's error), read back as to_jsonb()
 *		wrote it (see key_value), compared with the key's equality.  A key
 *		naming no column is refused, never ignored.
 */
Datum
asd_key_condition(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Jsonb	   *pk;
	Relation	rel;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	StringInfoData cond;
	StringInfoData missing;
	int			nkeys = 0;

	asd_args_not_null(fcinfo, "table", "pk", NULL);
	relid = PG_GETARG_OID(0);
	pk = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(pk) || JB_ROOT_COUNT(pk) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pk must be a JSON object naming key columns")));

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	initStringInfo(&cond);
	initStringInfo(&missing);
	it = JsonbIteratorInit(&pk->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;
		AttrNumber	attnum;

		if (token != WJB_KEY)
			continue;
		name = pnstrdup(v.val.string.val, v.val.string.len);
		attnum = get_attnum(relid, name);
		if (attnum <= 0)
		{
			appendStringInfo(&missing, "%s%s", missing.len > 0 ? ", " : "", name);
			continue;
		}
		if (nkeys++ > 0)
			appendStringInfoString(&cond, " AND ");
		append_json_key_comparison(&cond, rel, attnum,
								   psprintf("x.%s", quote_identifier(name)), NULL, "$1");
	}
	if (missing.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("key names no column of table %s: %s",
						DatumGetCString(DirectFunctionCall1(regclassout,
															ObjectIdGetDatum(relid))),
						missing.data),
				 errhint("The key was recorded before the table changed; restore the row by hand.")));
	relation_close(rel, NoLock);

	PG_RETURN_TEXT_P(cstring_to_text(cond.data));
}

/*
 * text_depends_on_settings
 *		Does the text of a typid value, and so its JSON, depend on a session
 *		setting?  timestamptz (TimeZone), interval (IntervalStyle), bytea
 *		(bytea_output) and money (lc_monetary) do, and so do the types
 *		printed with them: domains, arrays, ranges and multiranges over
 *		them (a tstzrange prints its bounds in the TimeZone), composites
 *		with a field of one.
 */
static bool
text_depends_on_settings(Oid typid)
{
	Oid			elem;
	bool		result = false;

	check_stack_depth();
	typid = getBaseType(typid);
	if (typid == TIMESTAMPTZOID || typid == INTERVALOID ||
		typid == BYTEAOID || typid == CASHOID)
		return true;
	elem = get_element_type(typid);
	if (OidIsValid(elem))
		return text_depends_on_settings(elem);
	if (type_is_range(typid))
		return text_depends_on_settings(get_range_subtype(typid));
	if (type_is_multirange(typid))
		return text_depends_on_settings(get_multirange_range(typid));
	if (get_typtype(typid) == TYPTYPE_COMPOSITE)
	{
		TupleDesc	desc = lookup_rowtype_tupdesc(typid, -1);
		int			i;

		for (i = 0; i < desc->natts && !result; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			result = !att->attisdropped && text_depends_on_settings(att->atttypid);
		}
		ReleaseTupleDesc(desc);
	}
	return result;
}

/*
 * asd_key_text_depends_on_settings
 *		Does relid's primary key have a column whose text, and so the JSON an
 *		audit row holds of it, depends on the writing session's settings?
 */
bool
asd_key_text_depends_on_settings(Oid relid)
{
	ListCell   *lc;

	foreach(lc, asd_primary_key_columns(relid))
		if (text_depends_on_settings(get_atttype(relid, get_attnum(relid, lfirst(lc)))))
			return true;
	return false;
}

/*
 * asd_key_spellings_incomplete
 *		Does relid's primary key have a column whose text depends on the
 *		writing session's settings beyond what asd_key_spellings_by_offset()
 *		and asd_key_spellings_by_style() spell (a timestamptz, an interval,
 *		a bytea, or a domain over one): a range, multirange, array or
 *		composite holding one, or money?  Then no list of spellings finds
 *		the audit rows of every writer.
 */
bool
asd_key_spellings_incomplete(Oid relid)
{
	ListCell   *lc;

	foreach(lc, asd_primary_key_columns(relid))
	{
		Oid			typid = get_atttype(relid, get_attnum(relid, lfirst(lc)));
		Oid			base = getBaseType(typid);

		if (base != TIMESTAMPTZOID && base != INTERVALOID && base != BYTEAOID &&
			text_depends_on_settings(typid))
			return true;
	}
	return false;
}

/*
 * asd_key_has_json_cast
 *		Does relid's primary key have a column of a type with its own cast
 *		to json (hstore)?  Its JSON is no value that type reads back.
 */
bool
asd_key_has_json_cast(Oid relid)
{
	ListCell   *lc;

	foreach(lc, asd_primary_key_columns(relid))
		if (key_json(get_atttype(relid, get_attnum(relid, lfirst(lc)))) == KEY_JSON_CAST)
			return true;
	return false;
}

/*
 * Is typid hstore (the type of the hstore extension)?  Its cast to json
 * writes an object, {"a": "1"}, which hstore's input cannot read.
 */
static bool
is_hstore(Oid typid)
{
	Oid			extension;
	HeapTuple	tup;
	bool		named;

	if (typid < FirstNormalObjectId)
		return false;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		return false;
	named = strcmp(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname), "hstore") == 0;
	ReleaseSysCache(tup);
	if (!named)
		return false;
	extension = getExtensionOfObject(TypeRelationId, typid);
	return OidIsValid(extension) &&
		strcmp(get_extension_name(extension), "hstore") == 0;
}

/*
 * The hstore text of the JSON object value (a jsonb expression), quoted as
 * hstore's output quotes: "key"=>"value", NULL for a null value.  Quotes
 * and backslashes as chr(): the session's standard_conforming_strings
 * cannot change what the text means.
 */
static char *
hstore_text(const char *value)
{
	const char *escape =
		"pg_catalog.replace(pg_catalog.replace(%s, pg_catalog.chr(92),"
		" pg_catalog.repeat(pg_catalog.chr(92), 2)), pg_catalog.chr(34),"
		" pg_catalog.concat(pg_catalog.chr(92), pg_catalog.chr(34)))";
	char	   *key = psprintf(escape, "e.key");
	char	   *val = psprintf(escape, "e.value");

	return psprintf("(SELECT COALESCE(pg_catalog.string_agg(pg_catalog.concat("
					"pg_catalog.chr(34), %s, pg_catalog.chr(34), '=>',"
					" CASE WHEN e.value IS NULL THEN 'NULL'"
					" ELSE pg_catalog.concat(pg_catalog.chr(34), %s, pg_catalog.chr(34)) END), ', '), '')"
					" FROM pg_catalog.jsonb_each_text(%s) e)",
					key, val, value);
}

/* The deepest nesting of JSON arrays an array value is written with. */
#define HSTORE_JSON_MAX_DIMS 6

static char *hstore_json(Oid typid, const char *value, int *alias, int dims);

/*
 * Does a value of typid hold an hstore value: hstore itself, a domain over
 * it, an array of such values or a composite type with such an attribute
 * (to_jsonb() writes each of them with hstore's cast to json).
 */
static bool
holds_hstore(Oid typid)
{
	Oid			element;
	Oid			typrelid;
	bool		holds = false;

	check_stack_depth();
	typid = getBaseType(typid);
	if (is_hstore(typid))
		return true;
	element = get_element_type(typid);
	if (OidIsValid(element))
		return holds_hstore(element);
	typrelid = get_typ_typrelid(typid);
	if (OidIsValid(typrelid))
	{
		AttrNumber	attnum;

		for (attnum = 1; !holds; attnum++)
		{
			HeapTuple	tup;
			Form_pg_attribute att;

			tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(typrelid), Int16GetDatum(attnum));
			if (!HeapTupleIsValid(tup))
				break;
			att = (Form_pg_attribute) GETSTRUCT(tup);
			holds = !att->attisdropped && holds_hstore(att->atttypid);
			ReleaseSysCache(tup);
		}
	}
	return holds;
}

/*
 * The JSON of a composite value (value, a jsonb expression, an object),
 * each attribute that holds hstore values made readable, the others and
 * the keys no attribute has left as they are.
 */
static char *
composite_json(Oid typrelid, const char *value, int *alias)
{
	StringInfoData whens;
	AttrNumber	attnum;
	char	   *each = psprintf("asd_hs%d", ++(*alias));
	char	   *field = psprintf("%s.value", each);

	initStringInfo(&whens);
	for (attnum = 1;; attnum++)
	{
		HeapTuple	tup;
		Form_pg_attribute att;

		tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(typrelid), Int16GetDatum(attnum));
		if (!HeapTupleIsValid(tup))
			break;
		att = (Form_pg_attribute) GETSTRUCT(tup);
		if (!att->attisdropped && holds_hstore(att->atttypid))
			appendStringInfo(&whens, " WHEN %s THEN %s",
							 quote_literal_cstr(NameStr(att->attname)),
							 hstore_json(att->atttypid, field, alias, 0));
		ReleaseSysCache(tup);
	}
	if (whens.len == 0)
		return pstrdup(value);
	return psprintf("CASE WHEN pg_catalog.jsonb_typeof(%s) OPERATOR(pg_catalog.=) 'object' THEN"
					" (SELECT COALESCE(pg_catalog.jsonb_object_agg(%s.key, CASE %s.key%s ELSE %s END), %s)"
					" FROM pg_catalog.jsonb_each(%s) %s) ELSE %s END",
					value, each, each, whens.data, field, value, value, each, value);
}

/*
 * The JSON of a value of typid (value, a jsonb expression), made readable
 * by jsonb_populate_record() where it holds hstore values: an object that
 * hstore's cast to json wrote becomes hstore's text; the elements of an
 * array (a multidimensional one nests JSON arrays) and the attributes of a
 * composite value are made readable each.
 */
static char *
hstore_json(Oid typid, const char *value, int *alias, int dims)
{
	Oid			element;
	Oid			typrelid;

	check_stack_depth();
	typid = getBaseType(typid);
	if (is_hstore(typid))
		return psprintf("CASE WHEN pg_catalog.jsonb_typeof(%s) OPERATOR(pg_catalog.=) 'object'"
						" THEN pg_catalog.to_jsonb(%s) ELSE %s END",
						value, hstore_text(value), value);
	element = get_element_type(typid);
	if (OidIsValid(element))
	{
		char	   *elements = psprintf("asd_hs%d", ++(*alias));
		char	   *item = psprintf("%s.e", elements);
		char	   *inner = hstore_json(element, item, alias, 0);

		/* an element that is an array again: one more dimension */
		if (dims + 1 < HSTORE_JSON_MAX_DIMS)
			inner = psprintf("CASE WHEN pg_catalog.jsonb_typeof(%s) OPERATOR(pg_catalog.=) 'array'"
							 " THEN %s ELSE %s END",
							 item, hstore_json(typid, item, alias, dims + 1), inner);
		return psprintf("CASE WHEN pg_catalog.jsonb_typeof(%s) OPERATOR(pg_catalog.=) 'array' THEN"
						" (SELECT COALESCE(pg_catalog.jsonb_agg(%s ORDER BY %s.n), %s)"
						" FROM pg_catalog.jsonb_array_elements(%s) WITH ORDINALITY %s(e, n)) ELSE %s END",
						value, inner, elements, value, value, elements, value);
	}
	typrelid = get_typ_typrelid(typid);
	if (OidIsValid(typrelid))
		return composite_json(typrelid, value, alias);
	return pstrdup(value);
}

/*
 * asd_populate_json
 *		json, a jsonb expression for a row of relid as its audit rows hold
 *		it, made readable by jsonb_populate_record(): a value that hstore's
 *		cast to json wrote as an object, in a column of hstore, of a domain
 *		over it, of an array of it or of a composite type holding it, is
 *		given as hstore's text, which its input reads.  json itself when
 *		relid has no such column.
 */
char *
asd_populate_json(Oid relid, const char *json)
{
	int			alias = 0;

	return composite_json(relid, json, &alias);
}

/*
 * asd_audit_key_match
 *		NULL when the audit rows of relid spell each key as every session
 *		would; else "((row_pk ->> 'a')::type OPERATOR(...) ((param ->> 'a')::type))
 *		AND ...": the keys row_pk and param compared as values of the key's
 *		types, not as text.  An audit row holds a key as the writing session
 *		printed it: a timestamptz key with that session's TimeZone offset,
 *		which a session with another TimeZone prints otherwise.
 */
char *
asd_audit_key_match(Oid relid, const char *row_pk, const char *param)
{
	Relation	rel;
	List	   *pkcols = asd_primary_key_columns(relid);
	StringInfoData cond;
	ListCell   *lc;

	if (!asd_key_text_depends_on_settings(relid))
		return NULL;
	rel = relation_open(relid, AccessShareLock);
	initStringInfo(&cond);
	foreach(lc, pkcols)
	{
		if (cond.len > 0)
			appendStringInfoString(&cond, " AND ");
		append_json_key_comparison(&cond, rel, get_attnum(relid, lfirst(lc)),
								   NULL, row_pk, param);
	}
	relation_close(rel, NoLock);
	return cond.data;
}

/* The string a JSON key (object) holds for column, or NULL if none. */
static char *
key_string_value(Jsonb *key, const char *column)
{
	JsonbValue	name;
	JsonbValue *value;

	name.type = jbvString;
	name.val.string.val = (char *) column;
	name.val.string.len = strlen(column);
	value = findJsonbValueFromContainer(&key->root, JB_FOBJECT, &name);
	if (value == NULL || value->type != jbvString)
		return NULL;
	return pnstrdup(value->val.string.val, value->val.string.len);
}

/*
 * asd_key_spellings_by_offset
 *		NIL unless relid's primary key has a timestamptz column; else key (a
 *		key of relid as a session writes it) spelled with every UTC offset a
 *		session's TimeZone gives its timestamptz values today: -12:00 to
 *		+14:00 in quarter hours, the same offset for all of them.  An audit
 *		row holds the key as its writer printed it, so these find the rows
 *		of every writer through the row-history index.  (Offsets in seconds,
 *		as local mean times before about 1900 had, are not among them.)
 *		'infinity' and '-infinity' read alike in every session: NIL when
 *		all the key's timestamptz values are such; an offset that would
 *		take a value before timestamptz's first day spells no key.
 */
List *
asd_key_spellings_by_offset(Oid relid, Jsonb *key)
{
	List	   *pkcols = asd_primary_key_columns(relid);
	List	   *stamps = NIL;
	TimestampTz *instants;
	List	   *result = NIL;
	ListCell   *lc;
	int			n = 0;
	int			tz;
	bool		finite = false;

	foreach(lc, pkcols)
	{
		AttrNumber	attnum = get_attnum(relid, lfirst(lc));

		if (attnum > 0 && getBaseType(get_atttype(relid, attnum)) == TIMESTAMPTZOID)
			stamps = lappend(stamps, lfirst(lc));
	}
	if (stamps == NIL || !JB_ROOT_IS_OBJECT(key))
		return NIL;

	/* each timestamptz value as an instant, read once (numbered as stamps) */
	instants = palloc(sizeof(TimestampTz) * list_length(stamps));
	foreach(lc, stamps)
	{
		char	   *text = key_string_value(key, lfirst(lc));

		if (text == NULL)
			return NIL;
		instants[n] = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
															  CStringGetDatum(text),
															  ObjectIdGetDatum(InvalidOid),
															  Int32GetDatum(-1)));
		if (!TIMESTAMP_NOT_FINITE(instants[n]))
			finite = true;
		n++;
	}
	if (!finite)
		return NIL;

	/* PostgreSQL counts offsets in seconds west of Greenwich */
	for (tz = -14 * SECS_PER_HOUR; tz <= 12 * SECS_PER_HOUR; tz += 15 * SECS_PER_MINUTE)
	{
		JsonbParseState *state = NULL;
		JsonbIterator *it = JsonbIteratorInit(&key->root);
		JsonbIteratorToken token;
		JsonbValue	v;
		JsonbValue *built = NULL;
		int			stamp = -1;
		bool		in_range = true;

		while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (token == WJB_KEY)
			{
				char	   *name = pnstrdup(v.val.string.val, v.val.string.len);

				stamp = -1;
				n = 0;
				foreach(lc, stamps)
				{
					if (strcmp(lfirst(lc), name) == 0)
						stamp = n;
					n++;
				}
			}
			/*
			 * JsonEncodeDateTime() shifts the value by the offset first: not
			 * an infinity, and not before the first day it can print
			 */
			else if (token == WJB_VALUE && stamp >= 0 &&
					 !TIMESTAMP_NOT_FINITE(instants[stamp]))
			{
				char	   *text;

				if (instants[stamp] - (TimestampTz) tz * USECS_PER_SEC < MIN_TIMESTAMP)
				{
					in_range = false;
					break;
				}
				text = JsonEncodeDateTime(NULL, TimestampTzGetDatum(instants[stamp]),
										  TIMESTAMPTZOID, &tz);
				v.type = jbvString;
				v.val.string.val = text;
				v.val.string.len = strlen(text);
			}
			built = pushJsonbValue(&state, token,
								   token == WJB_KEY || token == WJB_VALUE ? &v : NULL);
		}
		if (in_range)
			result = lappend(result, JsonbValueToJsonb(built));
	}
	return result;
}

/*
 * asd_key_spellings_by_style
 *		NIL unless relid's primary key has an interval or a bytea column;
 *		else key (a key of relid as this session writes it) spelled in
 *		every IntervalStyle and every bytea_output, the same for all of its
 *		columns of each type: an audit row holds the key as its writer
 *		printed it, so these find the rows of every writer through the
 *		row-history index.  (Its timestamptz values are left as key spells
 *		them; a domain over either type is one, an array of them not.)
 */
List *
asd_key_spellings_by_style(Oid relid, Jsonb *key)
{
	static const int interval_styles[] = {
		INTSTYLE_POSTGRES, INTSTYLE_POSTGRES_VERBOSE, INTSTYLE_SQL_STANDARD, INTSTYLE_ISO_8601
	};
	static const int bytea_styles[] = {BYTEA_OUTPUT_HEX, BYTEA_OUTPUT_ESCAPE};
	List	   *pkcols = asd_primary_key_columns(relid);
	List	   *styled = NIL;	/* the names of the interval and bytea columns */
	Oid		   *types;
	Datum	   *values;
	bool		has_interval = false;
	bool		has_bytea = false;
	int			saved_interval_style = IntervalStyle;
	int			saved_bytea_output = bytea_output;
	List	   *result = NIL;
	ListCell   *lc;
	int			n = 0;
	int			i;
	int			b;

	if (!JB_ROOT_IS_OBJECT(key))
		return NIL;
	types = palloc(sizeof(Oid) * Max(list_length(pkcols), 1));
	values = palloc(sizeof(Datum) * Max(list_length(pkcols), 1));
	foreach(lc, pkcols)
	{
		AttrNumber	attnum = get_attnum(relid, lfirst(lc));
		Oid			base = attnum > 0 ? getBaseType(get_atttype(relid, attnum)) : InvalidOid;
		char	   *text;

		if (base != INTERVALOID && base != BYTEAOID)
			continue;
		/* read as this session reads it: the key is spelled as it prints */
		text = key_string_value(key, lfirst(lc));
		if (text == NULL)
			return NIL;
		if (base == INTERVALOID)
		{
			values[n] = DirectFunctionCall3(interval_in, CStringGetDatum(text),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
			has_interval = true;
		}
		else
		{
			values[n] = DirectFunctionCall1(byteain, CStringGetDatum(text));
			has_bytea = true;
		}
		types[n++] = base;
		styled = lappend(styled, lfirst(lc));
	}
	if (styled == NIL)
		return NIL;

	/* printed under each style: the settings themselves, put back after */
	PG_TRY();
	{
		for (i = 0; i < (has_interval ? lengthof(interval_styles) : 1); i++)
			for (b = 0; b < (has_bytea ? lengthof(bytea_styles) : 1); b++)
			{
				JsonbParseState *state = NULL;
				JsonbIterator *it = JsonbIteratorInit(&key->root);
				JsonbIteratorToken token;
				JsonbValue	v;
				JsonbValue *built = NULL;
				int			col = -1;

				if (has_interval)
					IntervalStyle = interval_styles[i];
				if (has_bytea)
					bytea_output = bytea_styles[b];
				while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
				{
					if (token == WJB_KEY)
					{
						char	   *name = pnstrdup(v.val.string.val, v.val.string.len);

						col = -1;
						foreach(lc, styled)
							if (strcmp(lfirst(lc), name) == 0)
								col = foreach_current_index(lc);
					}
					else if (token == WJB_VALUE && col >= 0)
					{
						char	   *text = types[col] == INTERVALOID ?
							DatumGetCString(DirectFunctionCall1(interval_out, values[col])) :
							DatumGetCString(DirectFunctionCall1(byteaout, values[col]));

						v.type = jbvString;
						v.val.string.val = text;
						v.val.string.len = strlen(text);
					}
					built = pushJsonbValue(&state, token,
										   token == WJB_KEY || token == WJB_VALUE ? &v : NULL);
				}
				result = lappend(result, JsonbValueToJsonb(built));
			}
	}
	PG_FINALLY();
	{
		IntervalStyle = saved_interval_style;
		bytea_output = saved_bytea_output;
	}
	PG_END_TRY();
	return result;
}

/*
 * asd_audit_key_reprinted
 *		For a relid whose key text depends on session settings (see
 *		asd_audit_key_match): "jsonb_build_object('a', to_jsonb((row_pk ->>
 *		'a')::type), ...)", the key row_pk holds, each column read as its
 *		type and printed as this session prints it, so that one key written
 *		under two TimeZones is one key again.
 */
char *
asd_audit_key_reprinted(Oid relid, const char *row_pk)
{
	List	   *pkcols = asd_primary_key_columns(relid);
	StringInfoData expr;
	ListCell   *lc;

	initStringInfo(&expr);
	appendStringInfoString(&expr, "pg_catalog.jsonb_build_object(");
	foreach(lc, pkcols)
	{
		const char *name = lfirst(lc);
		Oid			typid = get_atttype(relid, get_attnum(relid, name));
		char	   *field = quote_literal_cstr(name);

		if (lc != list_head(pkcols))
			appendStringInfoString(&expr, ", ");
		if (text_depends_on_settings(typid))
			appendStringInfo(&expr, "%s, pg_catalog.to_jsonb(%s)",
							 field, key_value(typid, row_pk, name));
		else
			appendStringInfo(&expr, "%s, %s OPERATOR(pg_catalog.->) %s", field, row_pk, field);
	}
	appendStringInfoChar(&expr, ')');
	return expr.data;
}
