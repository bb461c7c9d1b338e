/*-------------------------------------------------------------------------
 *
 * trigger_check.h
 *	  Refusing a trigger function attached the wrong way: see
 *	  trigger_check.c.
 *
 * IDENTIFICATION
 *	  src/trigger_check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_TRIGGER_CHECK_H
#define ASD_TRIGGER_CHECK_H

#include "audit_softdelete.h"
#include "commands/trigger.h"

extern TriggerData *asd_check_row_trigger(FunctionCallInfo fcinfo,
										  const char *funcname,
										  bool before,
										  bool insert_ok, bool update_ok,
										  bool delete_ok);

#endif							/* ASD_TRIGGER_CHECK_H */
