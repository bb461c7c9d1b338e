/*-------------------------------------------------------------------------
 *
 * live_parent.h
 *	  A live row may not come to reference a soft-deleted row: see
 *	  live_parent.c.
 *
 * IDENTIFICATION
 *	  src/live_parent.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_LIVE_PARENT_H
#define ASD_LIVE_PARENT_H

#include "audit_softdelete.h"

extern void asd_live_parent_init(void);
extern void asd_live_parent_forget(void);

#endif							/* ASD_LIVE_PARENT_H */
