/*-------------------------------------------------------------------------
 *
 * rowjson.c
 *	  Row values as JSONB, and whether a column's value changed.
 *
 * Every value logged must equal to_jsonb() of it, so that
 * jsonb_populate_record() rebuilds the row.  Text, integers, booleans,
 * finite numerics, floats, jsonb, dates, timestamps and one-dimensional
 * arrays of text and integers are converted here directly, the way
 * to_jsonb() converts them (floats always exactly, as it does by
 * default); every other type, domains included, goes through
 * PostgreSQL's to_jsonb() itself, which knows nested arrays, composites,
 * ranges and casts to json.
 *
 * IDENTIFICATION
 *	  src/rowjson.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/arrayaccess.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "jsonb_writer.h"
#include "rowjson.h"

/* What a redacted column shows instead of its value. */
#define ASD_REDACTED_MARKER "[redacted]"

static void write_column_value(AsdJsonbObject *obj, AsdAuditColumn *col,
							   Datum value, bool isnull, MemoryContext cachecxt);

/* {"column": value}, as an audit row writes it */
static Jsonb *
column_jsonb(AsdAuditColumn *col, Datum value, MemoryContext cachecxt)
{
	AsdJsonbObject obj;

	asd_jsonb_begin_object(&obj, 1);
	asd_jsonb_key(&obj, col->name, col->namelen);
	write_column_value(&obj, col, value, false, cachecxt);
	return asd_jsonb_end_object(&obj);
}

/*
 * values_equal
 *		Are two non-null values of a column equal?
 *
 * Same bytes means equal.  Otherwise the type's own equality decides, so
 * that representations that differ for equal values (a compressed and an
 * uncompressed copy, -0 and 0) are no change.  A type without equality
 * compares by bytes only.  But a primary key column's values must also
 * write the same JSON (as jsonb compares it: 1.5 and 1.50 do): audit rows
 * name their row by it, and a citext key changed from 'Bob' to 'BOB'
 * without an audit row would leave the row's history under two keys with
 * nothing that links them (table_as_of() then had the row before its
 * INSERT).
 */
static bool
values_equal(AsdAuditColumn *col, Datum a, Datum b, MemoryContext cachecxt)
{
	if (col->typlen == -1)
	{
		struct varlena *va = (struct varlena *) DatumGetPointer(a);
		struct varlena *vb = (struct varlena *) DatumGetPointer(b);

		/* an untouched TOASTed value: the same pointer, no need to fetch */
		if (VARATT_IS_EXTERNAL_ONDISK(va) && VARATT_IS_EXTERNAL_ONDISK(vb) &&
			memcmp(va, vb, VARSIZE_EXTERNAL(va)) == 0)
			return true;
	}
	if (datum_image_eq(a, b, col->typbyval, col->typlen))
		return true;

	if (!col->eq_looked_up)
	{
		TypeCacheEntry *typentry = lookup_type_cache(col->typid,
													 TYPECACHE_EQ_OPR_FINFO);

		if (OidIsValid(typentry->eq_opr_finfo.fn_oid))
		{
			col->eq = MemoryContextAlloc(cachecxt, sizeof(FmgrInfo));
			fmgr_info_copy(col->eq, &typentry->eq_opr_finfo, cachecxt);
		}
		col->eq_looked_up = true;
	}
	if (col->eq == NULL)
		return false;
	if (!DatumGetBool(FunctionCall2Coll(col->eq, col->collation, a, b)))
		return false;
	if (!col->in_pk)
		return true;
	return DatumGetBool(DirectFunctionCall2(jsonb_eq,
											JsonbPGetDatum(column_jsonb(col, a, cachecxt)),
											JsonbPGetDatum(column_jsonb(col, b, cachecxt))));
}

/*
 * asd_column_changed
 *		Did an UPDATE change this column?
 */
bool
asd_column_changed(AsdAuditColumn *col, Datum oldvalue, bool oldnull,
				   Datum newvalue, bool newnull, MemoryContext cachecxt)
{
	if (oldnull || newnull)
		return oldnull != newnull;
	return !values_equal(col, oldvalue, newvalue, cachecxt);
}

/*
 * Set up the call of to_jsonb() for a column's type: to_jsonb() is
 * polymorphic and learns its argument's type from the call expression.
 */
static FmgrInfo *
make_to_jsonb_call(AsdAuditColumn *col, MemoryContext cachecxt)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(cachecxt);
	FmgrInfo   *flinfo = palloc0(sizeof(FmgrInfo));

	fmgr_info_cxt(F_TO_JSONB, flinfo, cachecxt);
	flinfo->fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID,
											list_make1(makeNullConst(col->typid, col->typmod,
																	 col->collation)),
											InvalidOid, InvalidOid,
											COERCE_EXPLICIT_CALL);
	MemoryContextSwitchTo(oldcxt);
	return flinfo;
}

/*
 * ISO 8601 text of a date or timestamp, as to_jsonb() writes it.  The last
 * one is kept: a transaction's stamps, and every row of a bulk UPDATE,
 * repeat the same timestamp.  timestamptz's text depends on the TimeZone.
 */
static const char *
datetime_text(Oid typid, Datum value)
{
	static Oid	last_typid = InvalidOid;
	static Datum last_value;
	static pg_tz *last_zone;
	static char last_text[MAXDATELEN + 1];

	if (typid != last_typid || value != last_value || session_timezone != last_zone)
	{
		last_typid = InvalidOid;	/* an error below leaves nothing kept */
		JsonEncodeDateTime(last_text, value, typid, NULL);
		last_typid = typid;
		last_value = value;
		last_zone = session_timezone;
	}
	return last_text;
}

/* A text or integer value as to_jsonb() writes it. */
static void
text_or_int_value(Oid typid, Datum value, JsonbValue *v)
{
	if (typid == TEXTOID || typid == VARCHAROID)
	{
		text	   *t = DatumGetTextPP(value);

		v->type = jbvString;
		v->val.string.val = VARDATA_ANY(t);
		v->val.string.len = VARSIZE_ANY_EXHDR(t);
		return;
	}
	v->type = jbvNumeric;
	if (typid == INT2OID)
		v->val.numeric = int64_to_numeric(DatumGetInt16(value));
	else if (typid == INT4OID)
		v->val.numeric = int64_to_numeric(DatumGetInt32(value));
	else
		v->val.numeric = int64_to_numeric(DatumGetInt64(value));
}

/* The element types write_flat_array() writes, as pg_type stores them. */
typedef struct FlatElementType
{
	Oid			typid;
	int16		typlen;
	bool		typbyval;
	char		typalign;
} FlatElementType;

static const FlatElementType flat_element_types[] = {
	{TEXTOID, -1, false, TYPALIGN_INT},
	{VARCHAROID, -1, false, TYPALIGN_INT},
	{INT2OID, sizeof(int16), true, TYPALIGN_SHORT},
	{INT4OID, sizeof(int32), true, TYPALIGN_INT},
	{INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE}
};

/*
 * Write a one-dimensional array of text or integers as a JSON array, as
 * to_jsonb() does (its bounds are not kept).  Returns false, having written
 * nothing, for an array of more dimensions: to_jsonb() nests those.
 */
static bool
write_flat_array(AsdJsonbObject *obj, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(array);
	const FlatElementType *elemtype_info = NULL;
	int			nitems;
	array_iter	iter;
	AsdJsonbContainer out;
	int			i;

	if (ARR_NDIM(array) > 1)
		return false;
	for (i = 0; i < lengthof(flat_element_types); i++)
		if (flat_element_types[i].typid == elemtype)
			elemtype_info = &flat_element_types[i];
	if (elemtype_info == NULL)
		return false;

	nitems = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	asd_jsonb_begin_array(obj, &out, nitems);
	array_iter_setup(&iter, (AnyArrayType *) array);
	for (i = 0; i < nitems; i++)
	{
		bool		isnull;
		Datum		elem = array_iter_next(&iter, &isnull, i,
										   elemtype_info->typlen,
										   elemtype_info->typbyval,
										   elemtype_info->typalign);
		JsonbValue	v;

		if (isnull)
			v.type = jbvNull;
		else
			text_or_int_value(elemtype, elem, &v);
		asd_jsonb_array_scalar(&out, &v);
	}
	asd_jsonb_end_array(obj, &out);
	return true;
}

/* Write one column's value, converted as to_jsonb() would. */
static void
write_column_value(AsdJsonbObject *obj, AsdAuditColumn *col,
				   Datum value, bool isnull, MemoryContext cachecxt)
{
	JsonbValue	v;

	if (col->redacted)
	{
		v.type = jbvString;
		v.val.string.val = ASD_REDACTED_MARKER;
		v.val.string.len = strlen(ASD_REDACTED_MARKER);
		asd_jsonb_scalar(obj, &v);
		return;
	}
	if (isnull)
	{
		v.type = jbvNull;
		asd_jsonb_scalar(obj, &v);
		return;
	}

	switch (col->kind)
	{
		case ASD_JSON_TEXT:
		case ASD_JSON_INT:
			text_or_int_value(col->typid, value, &v);
			asd_jsonb_scalar(obj, &v);
			return;
		case ASD_JSON_ARRAY:
			if (write_flat_array(obj, value))
				return;
			break;
		case ASD_JSON_BOOL:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(value);
			asd_jsonb_scalar(obj, &v);
			return;
		case ASD_JSON_NUMERIC:
			{
				Numeric		num = DatumGetNumeric(value);

				/* to_jsonb() writes NaN and infinities as strings */
				if (!numeric_is_nan(num) && !numeric_is_inf(num))
				{
					v.type = jbvNumeric;
					v.val.numeric = num;
					asd_jsonb_scalar(obj, &v);
					return;
				}
				break;
			}
		case ASD_JSON_JSONB:
			asd_jsonb_document(obj, DatumGetJsonbP(value));
			return;
		case ASD_JSON_FLOAT:
			{
				/*
				 * The shortest text that reads back as the same value, which
				 * is what to_jsonb() writes while extra_float_digits is
				 * above 0 (its default, 1).  A session that lowers it
				 * would have to_jsonb() round the value: an audit row
				 * whose key names another row, an old value that undo()
				 * would put back changed.
				 */
				char		text[DOUBLE_SHORTEST_DECIMAL_LEN];
				double		d;

				/* a domain over either: told apart by their size */
				if (col->typlen == sizeof(float4))
				{
					d = DatumGetFloat4(value);
					float_to_shortest_decimal_buf(DatumGetFloat4(value), text);
				}
				else
				{
					d = DatumGetFloat8(value);
					double_to_shortest_decimal_buf(d, text);
				}
				/* to_jsonb() writes NaN and infinities as strings */
				if (isnan(d) || isinf(d))
				{
					v.type = jbvString;
					v.val.string.val = pstrdup(text);
					v.val.string.len = strlen(text);
				}
				else
				{
					v.type = jbvNumeric;
					v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																		CStringGetDatum(text),
																		ObjectIdGetDatum(InvalidOid),
																		Int32GetDatum(-1)));
				}
				asd_jsonb_scalar(obj, &v);
				return;
			}
		case ASD_JSON_DATETIME:
			{
				/* copied into the object at once: the text is reused */
				const char *text = datetime_text(col->typid, value);

				v.type = jbvString;
				v.val.string.val = (char *) text;
				v.val.string.len = strlen(text);
				asd_jsonb_scalar(obj, &v);
				return;
			}
		case ASD_JSON_GENERIC:
			break;
	}

	if (col->to_jsonb == NULL)
		col->to_jsonb = make_to_jsonb_call(col, cachecxt);
	asd_jsonb_document(obj, DatumGetJsonbP(FunctionCall1(col->to_jsonb, value)));
}

/*
 * asd_columns_to_jsonb
 *		A JSON object of column name -> value for the logged columns of a
 *		row: those flagged in include (all logged ones when it is NULL), or
 *		with pk_only, the primary key.  NULL when no column qualifies.
 */
Jsonb *
asd_columns_to_jsonb(AsdRelInfo *info, Datum *values, bool *nulls,
					 const bool *include, bool pk_only)
{
	AsdJsonbObject obj;
	int		   *chosen;
	int			nchosen = 0;
	int			k;

	/* the logged columns are kept in jsonb's key order */
	chosen = palloc(sizeof(int) * (info->njson + 1));
	for (k = 0; k < info->njson; k++)
	{
		int			i = info->json_order[k];

		if ((pk_only && !info->columns[i].in_pk) ||
			(include != NULL && !include[i]))
			continue;
		chosen[nchosen++] = i;
	}
	if (nchosen == 0)
	{
		pfree(chosen);
		return NULL;
	}

	asd_jsonb_begin_object(&obj, nchosen);
	for (k = 0; k < nchosen; k++)
	{
		AsdAuditColumn *col = &info->columns[chosen[k]];

		asd_jsonb_key(&obj, col->name, col->namelen);
	}
	for (k = 0; k < nchosen; k++)
	{
		int			i = chosen[k];

		write_column_value(&obj, &info->columns[i], values[i], nulls[i], info->cxt);
	}
	pfree(chosen);
	return asd_jsonb_end_object(&obj);
}
