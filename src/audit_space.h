/*-------------------------------------------------------------------------
 *
 * audit_space.h
 *	  Where audit rows go in audit_logs: see audit_space.c.
 *
 * IDENTIFICATION
 *	  src/audit_space.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_AUDIT_SPACE_H
#define ASD_AUDIT_SPACE_H

#include "storage/itemptr.h"
#include "utils/relcache.h"

extern void asd_audit_space_choose(Relation rel, Relation *indexes,
								   int nindexes, Size len);
extern void asd_audit_space_placed(Relation rel, Relation *indexes,
								   int nindexes, ItemPointer tid);

#endif							/* ASD_AUDIT_SPACE_H */
