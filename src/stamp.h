/*-------------------------------------------------------------------------
 *
 * stamp.h
 *	  The stamping trigger: see stamp.c.
 *
 * IDENTIFICATION
 *	  src/stamp.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_STAMP_H
#define ASD_STAMP_H

#include "audit_softdelete.h"
#include "utils/relcache.h"

extern Datum asd_time_datum(AsdRoleColumn *col);
extern int	asd_stamp_marking(AsdRelInfo *info, Relation rel, int ncols,
							  int *cols, Datum *values, bool *nulls);

#endif							/* ASD_STAMP_H */
