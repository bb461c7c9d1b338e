/*-------------------------------------------------------------------------
 *
 * internal.h
 *	  How the public functions reach the internal ones: see internal.c.
 *
 * IDENTIFICATION
 *	  src/internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_INTERNAL_H
#define ASD_INTERNAL_H

#include "audit_softdelete.h"

extern Datum asd_call_internal_function(const char *name, int nargs,
										const Oid *argtypes, const Datum *args,
										bool *isnull);

#endif							/* ASD_INTERNAL_H */
