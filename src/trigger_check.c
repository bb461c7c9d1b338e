/*-------------------------------------------------------------------------
 *
 * trigger_check.c
 *	  Refuse a trigger function called outside the place enable() gives it.
 *
 * enable() creates every trigger the extension needs.  A DBA who attaches
 * one of its functions by hand with the wrong timing, level or event gets
 * a clear error instead of rows silently left unstamped.
 *
 * IDENTIFICATION
 *	  src/trigger_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "trigger_check.h"

static const char *
event_name(TriggerEvent event)
{
	if (TRIGGER_FIRED_BY_INSERT(event))
		return "INSERT";
	if (TRIGGER_FIRED_BY_UPDATE(event))
		return "UPDATE";
	if (TRIGGER_FIRED_BY_DELETE(event))
		return "DELETE";
	return "TRUNCATE";
}

/*
 * asd_check_row_trigger
 *		Check that fcinfo is a row-level trigger call with the given timing
 *		and one of the allowed events; return its TriggerData.
 */
TriggerData *
asd_check_row_trigger(FunctionCallInfo fcinfo, const char *funcname,
					  bool before,
					  bool insert_ok, bool update_ok, bool delete_ok)
{
	TriggerData *trigdata;
	TriggerEvent event;
	bool		event_ok;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						funcname)));

	trigdata = (TriggerData *) fcinfo->context;
	event = trigdata->tg_event;

	if (!TRIGGER_FIRED_FOR_ROW(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired for each row", funcname),
				 errdetail("Trigger \"%s\" on table \"%s\" is a statement-level trigger.",
						   trigdata->tg_trigger->tgname,
						   RelationGetRelationName(trigdata->tg_relation)),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	if (before ? !TRIGGER_FIRED_BEFORE(event) : !TRIGGER_FIRED_AFTER(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s the row is written",
						funcname, before ? "before" : "after"),
				 errdetail("Trigger \"%s\" on table \"%s\" is not %s trigger.",
						   trigdata->tg_trigger->tgname,
						   RelationGetRelationName(trigdata->tg_relation),
						   before ? "a BEFORE" : "an AFTER"),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	event_ok = (TRIGGER_FIRED_BY_INSERT(event) && insert_ok) ||
		(TRIGGER_FIRED_BY_UPDATE(event) && update_ok) ||
		(TRIGGER_FIRED_BY_DELETE(event) && delete_ok);
	if (!event_ok)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" cannot be fired for %s",
						funcname, event_name(event)),
				 errdetail("Trigger \"%s\" on table \"%s\" fires for %s.",
						   trigdata->tg_trigger->tgname,
						   RelationGetRelationName(trigdata->tg_relation),
						   event_name(event)),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	return trigdata;
}
