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

extern Datum asd_time_datum(AsdRoleColumn *col);

#endif							/* ASD_STAMP_H */
