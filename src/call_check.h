/*-------------------------------------------------------------------------
 *
 * call_check.h
 *	  Refusing a function of the extension called the wrong way: see
 *	  call_check.c.
 *
 * IDENTIFICATION
 *	  src/call_check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_CALL_CHECK_H
#define ASD_CALL_CHECK_H

#include "audit_softdelete.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"

extern TriggerData *asd_trigger_call(FunctionCallInfo fcinfo,
									 const char *funcname);
extern TriggerData *asd_check_row_trigger(FunctionCallInfo fcinfo,
										  const char *funcname,
										  bool before,
										  bool insert_ok, bool update_ok,
										  bool delete_ok);
extern const char *asd_trigger_shape_function(Oid funcoid);
extern void asd_check_trigger_definition(Oid relid, Oid trigoid,
										 const char *trigname, Oid funcoid,
										 int16 tgtype, int16 nargs,
										 bool has_when, bool has_columns,
										 bool is_constraint);
extern void asd_require_feature(TriggerData *trigdata, const char *funcname,
								bool enabled, const char *feature);
extern const char *asd_not_enabled_hint(TriggerData *trigdata,
										const char *usual);
extern EventTriggerData *asd_event_trigger_call(FunctionCallInfo fcinfo,
												const char *funcname);
extern const char *asd_append_only_change(FunctionCallInfo fcinfo,
										  const char *funcname);
extern void asd_refuse_append_only_change(FunctionCallInfo fcinfo,
										  const char *change,
										  const char *detail,
										  const char *hint);
extern void asd_args_not_null(FunctionCallInfo fcinfo,...)
#ifdef __GNUC__
			__attribute__((sentinel))
#endif
			;

#endif							/* ASD_CALL_CHECK_H */
