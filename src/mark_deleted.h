/*-------------------------------------------------------------------------
 *
 * mark_deleted.h
 *	  The UPDATE that marks a row deleted: see mark_deleted.c.
 *
 * IDENTIFICATION
 *	  src/mark_deleted.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_MARK_DELETED_H
#define ASD_MARK_DELETED_H

#include "audit_softdelete.h"
#include "utils/rel.h"

extern void asd_mark_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple);

#endif							/* ASD_MARK_DELETED_H */
