/*-------------------------------------------------------------------------
 *
 * jsonb_writer.c
 *	  Write a flat jsonb object straight in jsonb's on-disk format.
 *
 * Through pushJsonbValue() and JsonbValueToJsonb(), an audit row's JSON
 * cost more than converting its values: a tree of JsonbValues built, its
 * keys sorted on every row, then a second pass to serialise it.  The
 * objects written here are flat (column name -> scalar, array of scalars,
 * or a jsonb column's document) and the caller knows their keys in order,
 * so they are written in one pass, in the layout utils/jsonb.h defines:
 *
 *	  a container header (count and kind), one JEntry per key and then per
 *	  value (per element in an array), then the keys' bytes, then the
 *	  values' bytes.
 *
 * A JEntry holds its entry's type and length, except every
 * JB_OFFSET_STRIDE-th one, which holds the end offset of its data (flagged
 * JENTRY_HAS_OFF) so that lookups need not add up every length before it.
 * Numerics and nested containers start int-aligned; their padding counts
 * as part of their data.  Object keys must come sorted as jsonb sorts
 * them (shorter first, then bytewise) and unique: column names are.
 *
 * IDENTIFICATION
 *	  src/jsonb_writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "utils/numeric.h"

#include "jsonb_writer.h"

/* Pad the buffer to an int boundary, as jsonb aligns numerics and containers. */
static void
pad_to_int(StringInfo buf)
{
	while (buf->len != INTALIGN(buf->len))
		appendStringInfoCharMacro(buf, '\0');
}

static void
container_begin(AsdJsonbContainer *c, StringInfo buf, uint32 header, int nentries)
{
	if (nentries > JB_CMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("number of jsonb elements exceeds the maximum allowed (%d)",
						JB_CMASK)));
	c->buf = buf;
	c->start = buf->len;
	pad_to_int(buf);
	appendBinaryStringInfo(buf, (char *) &header, sizeof(uint32));
	c->entries = buf->len;
	enlargeStringInfo(buf, nentries * sizeof(JEntry));
	buf->len += nentries * sizeof(JEntry);
	buf->data[buf->len] = '\0';
	c->data = buf->len;
	c->nentries = nentries;
	c->next = 0;
}

/*
 * The entry whose bytes (padding included) were appended from entry_start
 * on is complete: fill in its JEntry.
 */
static void
container_entry_done(AsdJsonbContainer *c, uint32 type, int entry_start)
{
	StringInfo	buf = c->buf;
	int			datalen = buf->len - c->data;
	JEntry		entry;

	Assert(c->next < c->nentries);
	if (datalen > JENTRY_OFFLENMASK)
	{
		uint32		header;

		memcpy(&header, buf->data + c->entries - sizeof(uint32), sizeof(uint32));
		if (header & JB_FARRAY)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
							JENTRY_OFFLENMASK)));
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
						JENTRY_OFFLENMASK)));
	}
	if (c->next % JB_OFFSET_STRIDE == 0)
		entry = type | JENTRY_HAS_OFF | datalen;
	else
		entry = type | (buf->len - entry_start);
	memcpy(buf->data + c->entries + c->next * sizeof(JEntry), &entry, sizeof(JEntry));
	c->next++;
}

/* Append a scalar's bytes; returns its JEntry type. */
static uint32
append_scalar(StringInfo buf, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return JENTRY_ISNULL;
		case jbvBool:
			return v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
		case jbvString:
			appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
			return JENTRY_ISSTRING;
		case jbvNumeric:
			pad_to_int(buf);
			appendBinaryStringInfo(buf, (char *) v->val.numeric,
								   VARSIZE_ANY(v->val.numeric));
			return JENTRY_ISNUMERIC;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return 0;					/* keep the compiler quiet */
}

/*
 * asd_jsonb_begin_object
 *		Start an object of npairs pairs: then exactly npairs keys, in
 *		jsonb's key order, then their values in the same order.
 */
void
asd_jsonb_begin_object(AsdJsonbObject *obj, int npairs)
{
	initStringInfo(&obj->buf);
	obj->buf.len = VARHDRSZ;	/* the varlena header, set at the end */
	container_begin(&obj->root, &obj->buf, npairs | JB_FOBJECT, 2 * npairs);
}

void
asd_jsonb_key(AsdJsonbObject *obj, const char *name, int len)
{
	int			start = obj->buf.len;

	Assert(obj->root.next < obj->root.nentries / 2);
	appendBinaryStringInfo(&obj->buf, name, len);
	container_entry_done(&obj->root, JENTRY_ISSTRING, start);
}

void
asd_jsonb_scalar(AsdJsonbObject *obj, const JsonbValue *v)
{
	int			start = obj->buf.len;
	uint32		type = append_scalar(&obj->buf, v);

	container_entry_done(&obj->root, type, start);
}

/*
 * A jsonb document as a value: its root container copied as it is (a
 * container's layout only depends on alignment relative to its own start),
 * or for a scalar document, the scalar itself, as jsonb nests them.
 */
void
asd_jsonb_document(AsdJsonbObject *obj, Jsonb *jb)
{
	int			start = obj->buf.len;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbValue	v;

		if (!JsonbExtractScalar(&jb->root, &v))
			elog(ERROR, "could not extract the scalar of a jsonb document");
		asd_jsonb_scalar(obj, &v);
		return;
	}
	pad_to_int(&obj->buf);
	appendBinaryStringInfo(&obj->buf, (char *) &jb->root, VARSIZE(jb) - VARHDRSZ);
	container_entry_done(&obj->root, JENTRY_ISCONTAINER, start);
}

/* An array of nelems scalars as a value: begin, the elements, end. */
void
asd_jsonb_begin_array(AsdJsonbObject *obj, AsdJsonbContainer *array, int nelems)
{
	container_begin(array, &obj->buf, nelems | JB_FARRAY, nelems);
}

void
asd_jsonb_array_scalar(AsdJsonbContainer *array, const JsonbValue *v)
{
	int			start = array->buf->len;
	uint32		type = append_scalar(array->buf, v);

	container_entry_done(array, type, start);
}

void
asd_jsonb_end_array(AsdJsonbObject *obj, AsdJsonbContainer *array)
{
	Assert(array->next == array->nentries);
	if (obj->buf.len - array->start > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
						JENTRY_OFFLENMASK)));
	container_entry_done(&obj->root, JENTRY_ISCONTAINER, array->start);
}

/* The finished object, palloc'd in the context current at begin. */
Jsonb *
asd_jsonb_end_object(AsdJsonbObject *obj)
{
	Assert(obj->root.next == obj->root.nentries);
	/* the limit covers the header and the JEntries too, as jsonb's own does */
	if (obj->buf.len - VARHDRSZ > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
						JENTRY_OFFLENMASK)));
	SET_VARSIZE(obj->buf.data, obj->buf.len);
	return (Jsonb *) obj->buf.data;
}
