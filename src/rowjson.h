/*-------------------------------------------------------------------------
 *
 * rowjson.h
 *	  Row values as JSONB, and whether a value changed: see rowjson.c.
 *
 * IDENTIFICATION
 *	  src/rowjson.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_ROWJSON_H
#define ASD_ROWJSON_H

#include "audit_softdelete.h"
#include "utils/jsonb.h"

extern bool asd_column_changed(AsdAuditColumn *col,
							   Datum oldvalue, bool oldnull,
							   Datum newvalue, bool newnull,
							   MemoryContext cachecxt);
extern Jsonb *asd_columns_to_jsonb(AsdRelInfo *info, Datum *values,
								   bool *nulls, const bool *include,
								   bool pk_only);

#endif							/* ASD_ROWJSON_H */
