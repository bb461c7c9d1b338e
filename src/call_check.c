/*-------------------------------------------------------------------------
 *
 * call_check.c
 *	  Refuse a function of the extension called the wrong way.
 *
 * enable() creates every trigger the extension needs.  A DBA who attaches
 * one of its functions by hand with the wrong timing, level or event, or
 * to a table not enabled for its feature, gets a clear error instead of
 * rows silently left unstamped; so does calling a trigger or event-trigger
 * function directly.  The SQL functions refuse a NULL argument by its name
 * here too.
 *
 * IDENTIFICATION
 *	  src/call_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "commands/event_trigger.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "call_check.h"

/*
 * asd_trigger_call
 *		The TriggerData of a trigger function's call; refused when the
 *		trigger manager did not make it.
 */
TriggerData *
asd_trigger_call(FunctionCallInfo fcinfo, const char *funcname)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						funcname)));
	return (TriggerData *) fcinfo->context;
}

/*
 * asd_event_trigger_call
 *		The EventTriggerData of an event-trigger function's call; refused
 *		when the event trigger manager did not make it.
 */
EventTriggerData *
asd_event_trigger_call(FunctionCallInfo fcinfo, const char *funcname)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						funcname)));
	return (EventTriggerData *) fcinfo->context;
}

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
	TriggerData *trigdata = asd_trigger_call(fcinfo, funcname);
	TriggerEvent event = trigdata->tg_event;
	bool		event_ok;

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

/*
 * asd_require_feature
 *		Refuse a trigger function (funcname) firing on a table that its
 *		feature (enabled) is not enabled for: "auditing", "stamps", "soft
 *		delete".
 */
void
asd_require_feature(TriggerData *trigdata, const char *funcname, bool enabled,
					const char *feature)
{
	if (!enabled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not enabled for %s",
						RelationGetRelationName(trigdata->tg_relation), feature),
				 errdetail("Trigger \"%s\" calls audit_softdelete.%s(), but audit_softdelete.tracked_tables does not enable %s for the table.",
						   trigdata->tg_trigger->tgname, funcname, feature),
				 errhint("Drop the trigger and call audit_softdelete.enable() instead.")));
}

/*
 * asd_args_not_null
 *		Refuse a NULL among the first arguments of an SQL function, whose
 *		names follow fcinfo, up to a NULL: "<name> must not be null".
 */
void
asd_args_not_null(FunctionCallInfo fcinfo,...)
{
	va_list		names;
	const char *name;
	const char *refused = NULL;
	int			i = 0;

	va_start(names, fcinfo);
	while (refused == NULL && (name = va_arg(names, const char *)) != NULL)
	{
		if (PG_ARGISNULL(i))
			refused = name;
		i++;
	}
	va_end(names);
	if (refused != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", refused)));
}

/*
 * asd_append_only_change
 *		For the guard trigger of an append-only table: the change the
 *		trigger fired for, as a verb ("update", "delete from", "truncate");
 *		refused unless fired BEFORE UPDATE, DELETE or TRUNCATE.
 */
const char *
asd_append_only_change(FunctionCallInfo fcinfo, const char *funcname)
{
	TriggerData *trigdata = asd_trigger_call(fcinfo, funcname);
	TriggerEvent event = trigdata->tg_event;

	if (TRIGGER_FIRED_BEFORE(event))
	{
		if (TRIGGER_FIRED_BY_UPDATE(event))
			return "update";
		if (TRIGGER_FIRED_BY_DELETE(event))
			return "delete from";
		if (TRIGGER_FIRED_BY_TRUNCATE(event))
			return "truncate";
	}
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("function \"%s\" must be fired BEFORE UPDATE, DELETE or TRUNCATE",
					funcname)));
	return NULL;				/* not reached */
}

/*
 * asd_refuse_append_only_change
 *		Refuse the change to an append-only table its guard trigger fired
 *		for, whoever makes it (42501); detail says why, hint (if any) what
 *		to do instead.
 */
void
asd_refuse_append_only_change(FunctionCallInfo fcinfo, const char *change,
							  const char *detail, const char *hint)
{
	Relation	rel = ((TriggerData *) fcinfo->context)->tg_relation;

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s table \"%s.%s\"", change,
					get_namespace_name(RelationGetNamespace(rel)),
					RelationGetRelationName(rel)),
			 errdetail_internal("%s", detail),
			 hint ? errhint("%s", hint) : 0));
}
