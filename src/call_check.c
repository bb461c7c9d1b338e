/*-------------------------------------------------------------------------
 *
 * call_check.c
 *	  Refuse a function of the extension called the wrong way.
 *
 * enable() creates every trigger the extension needs, and a migration
 * tool that owns every trigger may create the same ones under its own
 * names (docs/guide.md, "Attaching the triggers yourself").  A trigger defined
 * otherwise than enable() defines it (timing, level, events, a WHEN
 * condition, a column list, arguments) is refused when it is created,
 * and at the latest when it fires; so is one firing on a table not
 * enabled for its feature, and calling a trigger or event-trigger
 * function directly: a clear error instead of rows silently left
 * unstamped or unaudited.  The SQL functions refuse a NULL argument by
 * its name here too.
 *
 * IDENTIFICATION
 *	  src/call_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/event_trigger.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "call_check.h"
#include "relinfo.h"
#include "trigger_guard.h"

/* Why a trigger function takes no arguments, for both refusals of them. */
#define NO_ARGUMENTS_HINT \
	"The table's options (columns, exclude_columns, redact_columns) are recorded by audit_softdelete.enable(); with create_triggers => false it keeps your own triggers."

/*
 * asd_trigger_call
 *		The TriggerData of a trigger function's call; refused when the
 *		trigger manager did not make it, or when the trigger passes
 *		arguments: the functions take none, and an option given there (a
 *		column to exclude, say) would silently be ignored.
 */
TriggerData *
asd_trigger_call(FunctionCallInfo fcinfo, const char *funcname)
{
	TriggerData *trigdata;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						funcname)));
	trigdata = (TriggerData *) fcinfo->context;
	if (unlikely(trigdata->tg_trigger->tgnargs > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function \"%s\" takes no trigger arguments", funcname),
				 errdetail_plural("Trigger \"%s\" on table \"%s\" passes %d argument.",
								  "Trigger \"%s\" on table \"%s\" passes %d arguments.",
								  trigdata->tg_trigger->tgnargs,
								  trigdata->tg_trigger->tgname,
								  RelationGetRelationName(trigdata->tg_relation),
								  trigdata->tg_trigger->tgnargs),
				 errhint(NO_ARGUMENTS_HINT)));
	return trigdata;
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
	const char *hint;

	if (enabled)
		return;
	hint = asd_not_enabled_hint(trigdata,
								"Call audit_softdelete.enable() with the options the table needs (with create_triggers => false it keeps your own triggers), or drop the trigger.");
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table \"%s\" is not enabled for %s",
					RelationGetRelationName(trigdata->tg_relation), feature),
			 errdetail("Trigger \"%s\" calls audit_softdelete.%s(), but audit_softdelete.tracked_tables does not enable %s for the table.",
					   trigdata->tg_trigger->tgname, funcname, feature),
			 errhint("%s", hint)));
}

/*
 * asd_not_enabled_hint
 *		The hint of the error above (and of the live view's trigger firing
 *		on a view that is no live view): the usual one, or, for a trigger
 *		named as enable() names its own on a relation that tracked_tables
 *		does not enable at all, what a schema-only dump leaves out.  Such a
 *		dump (Rails' structure.sql) keeps the tables, live views and
 *		triggers but no rows of the extension's tables, enable()'s options
 *		among them, and enable() cannot be called again on what it made.
 */
const char *
asd_not_enabled_hint(TriggerData *trigdata, const char *usual)
{
	if (asd_our_trigger_name(trigdata->tg_trigger->tgname) &&
		!asd_get_relinfo(trigdata->tg_relation)->tracked)
		return "The trigger is one that audit_softdelete.enable() creates, but audit_softdelete.tracked_tables has no options for the table, "
			"as after restoring a schema-only dump: restore the rows of audit_softdelete.tracked_tables as well "
			"(pg_dump --data-only --table=audit_softdelete.tracked_tables).";
	return usual;
}

/*
 * How each trigger function must be fired: what enable() creates (see
 * _set_triggers in the install script).  The soft delete trigger of a
 * partitioned table, and of a partition, fires for UPDATE too, to tell a
 * row's move to another partition from a delete; on another table it may.
 */
typedef struct TriggerShape
{
	const char *funcname;
	bool		before;
	bool		row;
	int16		events;			/* TRIGGER_TYPE_INSERT | ... required */
	int16		optional;		/* events it may fire for besides */
	const char *definition;		/* for messages */
} TriggerShape;

static const TriggerShape trigger_shapes[] = {
	{"stamp_trigger", true, true, TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE, 0,
	"BEFORE INSERT OR UPDATE ... FOR EACH ROW"},
	{"soft_delete_trigger", true, true, TRIGGER_TYPE_DELETE, TRIGGER_TYPE_UPDATE,
	"BEFORE DELETE ... FOR EACH ROW"},
	{"truncate_guard_trigger", true, false, TRIGGER_TYPE_TRUNCATE, 0,
	"BEFORE TRUNCATE ... FOR EACH STATEMENT"},
	{"audit_trigger", false, true,
		TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE, 0,
	"AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW"},
	{"audit_truncate_trigger", false, false, TRIGGER_TYPE_TRUNCATE, 0,
	"AFTER TRUNCATE ... FOR EACH STATEMENT"}
};

#define TRIGGER_EVENTS \
	(TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE | TRIGGER_TYPE_TRUNCATE)

/*
 * asd_trigger_shape_function
 *		The name of the extension's trigger function funcoid is, when it is
 *		one a trigger may call (the five enable() attaches to tables), or
 *		NULL.
 */
const char *
asd_trigger_shape_function(Oid funcoid)
{
	Oid			nspid = get_namespace_oid(ASD_SCHEMA_NAME, true);
	char	   *name;
	int			i;

	if (!OidIsValid(nspid) || get_func_namespace(funcoid) != nspid)
		return NULL;
	name = get_func_name(funcoid);
	for (i = 0; name != NULL && i < lengthof(trigger_shapes); i++)
		if (strcmp(trigger_shapes[i].funcname, name) == 0)
			return trigger_shapes[i].funcname;
	return NULL;
}

/*
 * The name of a trigger of relid other than trigoid that calls funcoid, or
 * NULL.
 */
static char *
other_trigger_calling(Oid relid, Oid trigoid, Oid funcoid)
{
	Relation	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *result = NULL;

	ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL, 1, &key);
	while (result == NULL && (tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);

		if (trig->oid != trigoid && trig->tgfoid == funcoid)
			result = pstrdup(NameStr(trig->tgname));
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return result;
}

/*
 * asd_check_trigger_definition
 *		Refuse a trigger of relid (trigoid), just created or replaced, that
 *		calls one of the extension's trigger functions otherwise than
 *		enable() would: other timing, level or events, a WHEN condition or
 *		a column list (which would skip rows), a constraint trigger (42P17),
 *		or arguments (22023).
 *		A second trigger of the table calling the same function is warned
 *		about.
 *
 * A trigger of any name may call them (a migration tool's own, see the
 * README); this is what keeps such a trigger from silently leaving rows
 * unstamped or unaudited.  The same checks as the functions make when
 * they fire, and more: a trigger missing an event never fires for it.
 */
void
asd_check_trigger_definition(Oid relid, Oid trigoid, const char *trigname,
							 Oid funcoid, int16 tgtype, int16 nargs,
							 bool has_when, bool has_columns,
							 bool is_constraint)
{
	const char *funcname = asd_trigger_shape_function(funcoid);
	const TriggerShape *shape = NULL;
	int16		required;
	int16		events = tgtype & TRIGGER_EVENTS;
	const char *definition;
	const char *problem = NULL;
	char	   *other;
	int			i;

	if (funcname == NULL)
		return;
	for (i = 0; i < lengthof(trigger_shapes); i++)
		if (strcmp(trigger_shapes[i].funcname, funcname) == 0)
			shape = &trigger_shapes[i];
	Assert(shape != NULL);

	if (nargs > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function \"%s\" takes no trigger arguments", funcname),
				 errdetail_plural("Trigger \"%s\" on table \"%s\" passes %d argument.",
								  "Trigger \"%s\" on table \"%s\" passes %d arguments.",
								  nargs, trigname, get_rel_name(relid), nargs),
				 errhint(NO_ARGUMENTS_HINT)));

	required = shape->events;
	definition = shape->definition;
	if (strcmp(funcname, "soft_delete_trigger") == 0 &&
		(get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ||
		 get_rel_relispartition(relid)))
	{
		required |= TRIGGER_TYPE_UPDATE;
		definition = "BEFORE UPDATE OR DELETE ... FOR EACH ROW";
	}

	if (TRIGGER_FOR_INSTEAD(tgtype) ||
		(shape->before ? !TRIGGER_FOR_BEFORE(tgtype) : TRIGGER_FOR_BEFORE(tgtype)))
		problem = shape->before ? "It does not fire before the change." :
			"It does not fire after the change.";
	else if (shape->row != (TRIGGER_FOR_ROW(tgtype) != 0))
		problem = shape->row ? "It is a statement-level trigger." :
			"It is a row-level trigger.";
	else if ((events & required) != required)
		problem = (required & ~events & TRIGGER_TYPE_INSERT) ? "It does not fire for INSERT." :
			(required & ~events & TRIGGER_TYPE_UPDATE) ? "It does not fire for UPDATE." :
			(required & ~events & TRIGGER_TYPE_DELETE) ? "It does not fire for DELETE." :
			"It does not fire for TRUNCATE.";
	else if ((events & ~(required | shape->optional)) != 0)
		problem = (events & ~(required | shape->optional) & TRIGGER_TYPE_INSERT) ?
			"It fires for INSERT too." :
			(events & ~(required | shape->optional) & TRIGGER_TYPE_UPDATE) ?
			"It fires for UPDATE too." :
			(events & ~(required | shape->optional) & TRIGGER_TYPE_DELETE) ?
			"It fires for DELETE too." : "It fires for TRUNCATE too.";
	else if (has_columns)
		problem = "It fires for UPDATE of some columns only, and would skip the others.";
	else if (has_when)
		problem = "It has a WHEN condition, and would skip the rows it does not meet.";
	else if (is_constraint)
		problem = "It is a constraint trigger, which can be deferred.";

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("trigger \"%s\" on table \"%s\" must be %s EXECUTE FUNCTION audit_softdelete.%s()",
						trigname, get_rel_name(relid), definition, funcname),
				 errdetail_internal("%s", problem),
				 errhint("Define it as audit_softdelete.enable() would, under any name: see \"Attaching the triggers yourself\" in docs/guide.md.")));

	/*
	 * Two triggers calling one function do its work twice (two audit rows
	 * per change).  Said, not refused: a migration may create the new one
	 * before it drops the old.
	 */
	other = other_trigger_calling(relid, trigoid, funcoid);
	if (other != NULL)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("table \"%s\" already has trigger \"%s\" calling audit_softdelete.%s()",
						get_rel_name(relid), other, funcname),
				 errdetail("Both fire, and do the same work twice: every change is stamped, soft-deleted or logged twice."),
				 errhint("Drop one of them.")));
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
