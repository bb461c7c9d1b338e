/*-------------------------------------------------------------------------
 *
 * jsonb_writer.h
 *	  A flat jsonb object, written in one pass: see jsonb_writer.c.
 *
 * IDENTIFICATION
 *	  src/jsonb_writer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_JSONB_WRITER_H
#define ASD_JSONB_WRITER_H

#include "audit_softdelete.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

typedef struct AsdJsonbContainer
{
	StringInfo	buf;
	int			start;			/* offset where it starts, before padding */
	int			entries;		/* offset of its first JEntry */
	int			data;			/* offset of its first entry's data */
	int			nentries;
	int			next;			/* the JEntry to fill next */
} AsdJsonbContainer;

typedef struct AsdJsonbObject
{
	StringInfoData buf;
	AsdJsonbContainer root;
} AsdJsonbObject;

extern void asd_jsonb_begin_object(AsdJsonbObject *obj, int npairs);
extern void asd_jsonb_key(AsdJsonbObject *obj, const char *name, int len);
extern void asd_jsonb_scalar(AsdJsonbObject *obj, const JsonbValue *v);
extern void asd_jsonb_document(AsdJsonbObject *obj, Jsonb *jb);
extern void asd_jsonb_begin_array(AsdJsonbObject *obj, AsdJsonbContainer *array,
								  int nelems);
extern void asd_jsonb_array_scalar(AsdJsonbContainer *array, const JsonbValue *v);
extern void asd_jsonb_end_array(AsdJsonbObject *obj, AsdJsonbContainer *array);
extern Jsonb *asd_jsonb_end_object(AsdJsonbObject *obj);

#endif							/* ASD_JSONB_WRITER_H */
