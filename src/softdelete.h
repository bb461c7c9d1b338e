/*-------------------------------------------------------------------------
 *
 * softdelete.h
 *	  The soft-delete trigger: see softdelete.c.
 *
 * IDENTIFICATION
 *	  src/softdelete.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_SOFTDELETE_H
#define ASD_SOFTDELETE_H

#include "audit_softdelete.h"

extern bool asd_delete_row(Oid table, SPIPlanPtr plan, Datum *values,
						   HeapTuple seen, TupleDesc seen_desc,
						   const char *view_name);

#endif							/* ASD_SOFTDELETE_H */
