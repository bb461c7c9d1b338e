/*-------------------------------------------------------------------------
 *
 * trigger_guard.h
 *	  The extension's triggers, guarded against DDL: see trigger_guard.c.
 *
 * IDENTIFICATION
 *	  src/trigger_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_TRIGGER_GUARD_H
#define ASD_TRIGGER_GUARD_H

#include "audit_softdelete.h"

extern bool asd_our_trigger_name(const char *name);

#endif							/* ASD_TRIGGER_GUARD_H */
