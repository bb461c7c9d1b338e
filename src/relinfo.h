/*-------------------------------------------------------------------------
 *
 * relinfo.h
 *	  The per-relation cache (AsdRelInfo): see relinfo.c.
 *
 * IDENTIFICATION
 *	  src/relinfo.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_RELINFO_H
#define ASD_RELINFO_H

#include "audit_softdelete.h"
#include "utils/rel.h"

extern void asd_relinfo_init(void);
extern AsdRelInfo *asd_get_relinfo(Relation rel);
extern void asd_relinfo_depends_on(AsdRelInfo *info, Oid relid);
extern void asd_retire_plan(SPIPlanPtr plan);

#endif							/* ASD_RELINFO_H */
