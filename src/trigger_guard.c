/*-------------------------------------------------------------------------
 *
 * trigger_guard.c
 *	  The extension's triggers on an enabled table change through enable()
 *	  and disable() only.
 *
 * Auditing a table is its triggers.  Dropped or disabled by hand, they
 * would leave tracked_tables saying the table is audited while its writes
 * go unrecorded, and nobody would know who did it.  disable() records who
 * and when; so this ddl_command_start event trigger refuses the commands
 * that would silence one of the extension's triggers on an enabled table or
 * on a partition of one (row triggers are cloned to partitions):
 *	- ALTER TABLE ... DISABLE TRIGGER name | USER | ALL;
 *	- ALTER TABLE ... ENABLE REPLICA TRIGGER name, which leaves the trigger
 *	  firing only in sessions with session_replication_role = replica;
 *	- DROP TRIGGER, CREATE OR REPLACE TRIGGER (a WHEN clause or another
 *	  function would silence it as well);
 *	- ALTER TRIGGER ... RENAME (enable() and disable() find the triggers by
 *	  name) and ALTER TRIGGER ... DEPENDS ON EXTENSION (dropping that
 *	  extension would drop the trigger).
 * ENABLE TRIGGER and ENABLE ALWAYS TRIGGER are let through: ALWAYS makes
 * the trigger fire in replica sessions too (what a logical replication
 * subscriber that must audit the rows it applies needs), and ENABLE sets
 * it back.  DROP TABLE, DETACH PARTITION and DROP EXTENSION remove
 * triggers as part of removing what they belong to, and are not affected.
 *
 * The extension's triggers are those named audit_softdelete_* whose
 * function is one of the extension's.  enable() and disable() change them
 * through _as_caller(), whose statements get a pass (owner.c).
 *
 * IDENTIFICATION
 *	  src/trigger_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "commands/event_trigger.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "call_check.h"
#include "owner.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_guard_triggers);

#define ASD_TRIGGER_PREFIX "audit_softdelete_"

/* What a command would do to a trigger, for the message. */
typedef enum GuardedAction
{
	GUARD_DISABLE,
	GUARD_REPLICA,
	GUARD_DROP,
	GUARD_REPLACE,
	GUARD_RENAME,
	GUARD_DEPEND
} GuardedAction;

/* The message, by action: trigger, then table. */
static const char *const action_messages[] = {
	"cannot disable trigger \"%s\" on table \"%s\"",
	"cannot make trigger \"%s\" on table \"%s\" fire only in replica mode",
	"cannot drop trigger \"%s\" on table \"%s\"",
	"cannot replace trigger \"%s\" on table \"%s\"",
	"cannot rename trigger \"%s\" on table \"%s\"",
	"cannot make trigger \"%s\" on table \"%s\" depend on an extension"
};

/*
 * The name of an extension's trigger on relid, named name (NULL: any), or
 * NULL when there is none.
 */
static char *
our_trigger(Oid relid, const char *name, Oid nspid)
{
	Relation	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *result = NULL;

	ScanKeyInit(&key[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	if (name != NULL)
		ScanKeyInit(&key[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber,
					F_NAMEEQ, CStringGetDatum(name));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL,
							  name != NULL ? 2 : 1, key);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);

		if (strncmp(NameStr(trig->tgname), ASD_TRIGGER_PREFIX,
					strlen(ASD_TRIGGER_PREFIX)) == 0 &&
			get_func_namespace(trig->tgfoid) == nspid)
		{
			result = pstrdup(NameStr(trig->tgname));
			break;
		}
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return result;
}

/* The enabled table relid is or is a partition of, or InvalidOid. */
static Oid
enabled_table(Oid relid)
{
	List	   *tables = list_make1_oid(relid);
	ListCell   *lc;

	if (get_rel_relispartition(relid))
		tables = list_concat(tables, get_partition_ancestors(relid));
	foreach(lc, tables)
	{
		AsdTableOptions opts;

		if (asd_read_table_options(lfirst_oid(lc), &opts) && opts.enabled)
			return lfirst_oid(lc);
	}
	return InvalidOid;
}

/*
 * Refuse action on the extension's trigger named name (NULL: on all
 * triggers) of relid, and of its partitions, if it is on an enabled table.
 */
static void
guard(Oid relid, const char *name, GuardedAction action)
{
	Oid			nspid = get_namespace_oid(ASD_SCHEMA_NAME, true);
	List	   *rels;
	ListCell   *lc;

	if (!OidIsValid(relid) || !OidIsValid(nspid))
		return;
	/* on a partitioned table, the command reaches the partitions' clones */
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		rels = find_all_inheritors(relid, NoLock, NULL);
	else
		rels = list_make1_oid(relid);

	foreach(lc, rels)
	{
		Oid			rel = lfirst_oid(lc);
		char	   *trigger = our_trigger(rel, name, nspid);
		Oid			enabled;
		char	   *enabled_name;

		if (trigger == NULL)
			continue;
		enabled = enabled_table(rel);
		if (!OidIsValid(enabled))
			continue;
		enabled_name = DatumGetCString(DirectFunctionCall1(regclassout,
														   ObjectIdGetDatum(enabled)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg_internal(action_messages[action], trigger, get_rel_name(rel)),
				 errdetail("Table \"%s\" is enabled in audit_softdelete, and the trigger is how its changes are recorded.",
						   get_rel_name(enabled)),
				 action == GUARD_REPLICA ?
				 errhint("A logical replication subscriber that must audit the rows it applies can use ENABLE ALWAYS TRIGGER; to stop auditing the table, call audit_softdelete.disable('%s').",
						 enabled_name) :
				 action == GUARD_RENAME || action == GUARD_DEPEND ?
				 errhint("audit_softdelete.enable() and disable() manage the triggers of table \"%s\".",
						 get_rel_name(enabled)) :
				 errhint("To stop auditing the table, call audit_softdelete.disable('%s'), which records who did it and when.",
						 enabled_name)));
	}
}

/* The relation of a trigger named by a qualified name list ending with it. */
static Oid
trigger_relation(List *object, char **name)
{
	int			n = list_length(object);

	*name = strVal(llast(object));
	return RangeVarGetRelid(makeRangeVarFromNameList(list_copy_head(object, n - 1)),
							NoLock, true);
}

/*
 * _guard_triggers() RETURNS event_trigger
 *		Refuse the commands that would silence the extension's triggers.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_guard_triggers
 *		ON ddl_command_start
 *		WHEN TAG IN ('ALTER TABLE', 'DROP TRIGGER', 'CREATE TRIGGER', 'ALTER TRIGGER')
 *		EXECUTE FUNCTION audit_softdelete._guard_triggers();
 *
 * Names are resolved with the statement's own search_path, as the statement
 * will resolve them, without a lock (the statement takes its own).
 */
Datum
asd_guard_triggers(PG_FUNCTION_ARGS)
{
	Node	   *parsetree;

	parsetree = asd_event_trigger_call(fcinfo, "_guard_triggers")->parsetree;
	/* a statement run by enable() or disable() */
	if (asd_take_ddl_pass())
		PG_RETURN_VOID();

	if (IsA(parsetree, AlterTableStmt))
	{
		AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
		Oid			relid = InvalidOid;
		bool		resolved = false;
		ListCell   *lc;

		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc);
			const char *name;
			GuardedAction action;

			switch (cmd->subtype)
			{
				case AT_DisableTrig:
					name = cmd->name;
					action = GUARD_DISABLE;
					break;
				case AT_DisableTrigAll:
				case AT_DisableTrigUser:
					name = NULL;
					action = GUARD_DISABLE;
					break;
				case AT_EnableReplicaTrig:
					name = cmd->name;
					action = GUARD_REPLICA;
					break;
				default:
					continue;
			}
			if (!resolved)
			{
				relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				resolved = true;
			}
			guard(relid, name, action);
		}
	}
	else if (IsA(parsetree, DropStmt) &&
			 ((DropStmt *) parsetree)->removeType == OBJECT_TRIGGER)
	{
		ListCell   *lc;

		foreach(lc, ((DropStmt *) parsetree)->objects)
		{
			char	   *name;
			Oid			relid = trigger_relation(lfirst(lc), &name);

			guard(relid, name, GUARD_DROP);
		}
	}
	else if (IsA(parsetree, CreateTrigStmt) && ((CreateTrigStmt *) parsetree)->replace)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true), stmt->trigname,
			  GUARD_REPLACE);
	}
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_TRIGGER)
	{
		RenameStmt *stmt = (RenameStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true), stmt->subname,
			  GUARD_RENAME);
	}
	else if (IsA(parsetree, AlterObjectDependsStmt) &&
			 ((AlterObjectDependsStmt *) parsetree)->objectType == OBJECT_TRIGGER &&
			 !((AlterObjectDependsStmt *) parsetree)->remove)
	{
		AlterObjectDependsStmt *stmt = (AlterObjectDependsStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true),
			  strVal(linitial(castNode(List, stmt->object))), GUARD_DEPEND);
	}

	PG_RETURN_VOID();
}
