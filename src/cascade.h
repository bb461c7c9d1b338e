/*-------------------------------------------------------------------------
 *
 * cascade.h
 *	  Foreign keys under soft delete, and purge(): see cascade.c.
 *
 * IDENTIFICATION
 *	  src/cascade.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_CASCADE_H
#define ASD_CASCADE_H

#include "audit_softdelete.h"
#include "foreign_keys.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

extern bool asd_purging(AsdRelInfo *info);
extern void asd_purge_row_removed(void);
extern void asd_purge_row_recorded(void);
extern void asd_cascade_soft_delete(AsdRelInfo *info, Relation rel, HeapTuple tuple);
extern void asd_record_cascade(AsdRelInfo *info, Relation rel, HeapTuple tuple);
extern Jsonb *asd_bookkeeping_key(AsdRelInfo *info, Datum *values, bool *nulls);
extern char *asd_fk_condition(AsdForeignKey *fk);
extern bool asd_fk_key_values(AsdForeignKey *fk, Relation rel, HeapTuple tuple,
							  Datum *values);
extern int64 asd_run_key_query(AsdForeignKey *fk, Relation rel, HeapTuple tuple,
							   const char *(*build) (AsdForeignKey *),
							   int options);
extern bool asd_parent_physically_deleted(AsdRelInfo *info, Relation rel,
										  HeapTuple tuple);

#endif							/* ASD_CASCADE_H */
