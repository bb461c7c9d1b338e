/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  The audit triggers: see audit.c.
 *
 * IDENTIFICATION
 *	  src/audit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_AUDIT_H
#define ASD_AUDIT_H

#include "audit_softdelete.h"
#include "access/htup.h"
#include "access/tupdesc.h"

extern void asd_audit_init(void);
extern void asd_audit_delete(AsdRelInfo *info, HeapTuple tuple,
							 TupleDesc tupdesc);
extern void asd_audit_update(AsdRelInfo *info, Datum *oldvalues,
							 bool *oldnulls, Datum *newvalues,
							 bool *newnulls);

#endif							/* ASD_AUDIT_H */
