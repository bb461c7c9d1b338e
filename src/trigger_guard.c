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
 * - ALTER TABLE ... ATTACH PARTITION of a table enabled on its own (or
 *	  holding one) to an enabled table: the partitioned table's triggers
 *	  would be cloned onto one that has its own (PostgreSQL fails on the
 *	  same name without saying why; other names would fire twice), and a
 *	  partition of an enabled table is not enabled on its own.  A table
 *	  made by CREATE TABLE ... (LIKE ...) in a schema whose new tables are
 *	  enabled, then attached, is the usual way to meet it.
 * A CREATE TRIGGER audit_softdelete_live_parent calling live_parent_trigger()
 * (a restore's) on a table that has that check already replaces it
 * (live_parent_check_again): the extension creates it when a foreign key
 * is added, and pg_restore -j may add the key before it creates the
 * trigger.
 * ENABLE TRIGGER and ENABLE ALWAYS TRIGGER are let through: ALWAYS makes
 * the trigger fire in replica sessions too (what a logical replication
 * subscriber that must audit the rows it applies needs), and ENABLE sets
 * it back.  DROP TABLE, DETACH PARTITION and DROP EXTENSION remove
 * triggers as part of removing what they belong to, and are not affected.
 *
 * The extension's triggers are those enable() creates, by their names
 * (our_trigger_names), whose function is one of the extension's; the
 * INSTEAD OF DELETE trigger of a live view (view mode) is one of them.  A
 * trigger of another name is not, even one calling the extension's
 * functions: a role with the TRIGGER privilege may create one, and the
 * table's owner may drop it.  enable() and disable() change them through
 * _as_caller(), whose statements get a pass (owner.c).
 *
 * That check resolves the statement's names before the statement does,
 * without its lock: a table renamed meanwhile (another session renaming the
 * enabled table to the name the statement gives, while the statement waits
 * for its lock) gets past it.  So the commands are checked again once done,
 * on the objects they really changed: at ddl_command_end, an extension's
 * trigger that ALTER TABLE left disabled or replica-only, and one that
 * CREATE OR REPLACE TRIGGER or ALTER TRIGGER changed; at sql_drop, one that
 * DROP TRIGGER dropped.  Those refusals roll the command back.
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
#include "commands/trigger.h"
#include "parser/parse_func.h"
#include "tcop/deparse_utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "call_check.h"
#include "owner.h"
#include "tracked.h"
#include "trigger_guard.h"

PG_FUNCTION_INFO_V1(asd_guard_triggers);
PG_FUNCTION_INFO_V1(asd_verify_triggers);
PG_FUNCTION_INFO_V1(asd_verify_trigger_drops);

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

/* The message, by action: trigger, then "table" or "view", then its name. */
static const char *const action_messages[] = {
	"cannot disable trigger \"%s\" on %s \"%s\"",
	"cannot make trigger \"%s\" on %s \"%s\" fire only in replica mode",
	"cannot drop trigger \"%s\" on %s \"%s\"",
	"cannot replace trigger \"%s\" on %s \"%s\"",
	"cannot rename trigger \"%s\" on %s \"%s\"",
	"cannot make trigger \"%s\" on %s \"%s\" depend on an extension"
};

/* The triggers enable() creates (see _set_triggers, _create_live_view). */
static const char *const our_trigger_names[] = {
	ASD_TRIGGER_PREFIX "stamp",
	ASD_TRIGGER_PREFIX "soft_delete",
	ASD_TRIGGER_PREFIX "soft_delete_truncate",
	ASD_TRIGGER_PREFIX "audit",
	ASD_TRIGGER_PREFIX "audit_truncate",
	ASD_TRIGGER_PREFIX "view_delete"
};

/*
 * asd_our_trigger_name
 *		Is this the name of a trigger enable() creates?
 */
bool
asd_our_trigger_name(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(our_trigger_names); i++)
		if (strcmp(name, our_trigger_names[i]) == 0)
			return true;
	return false;
}

/*
 * The name of an extension's trigger on relid, named name (NULL: any), or
 * NULL when there is none.  With silenced, only one that is disabled or
 * fires in replica sessions only; its tgenabled in *state.
 */
static char *
our_trigger(Oid relid, const char *name, Oid nspid, bool silenced, char *state)
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

		if (asd_our_trigger_name(NameStr(trig->tgname)) &&
			get_func_namespace(trig->tgfoid) == nspid &&
			(!silenced || trig->tgenabled == TRIGGER_DISABLED ||
			 trig->tgenabled == TRIGGER_FIRES_ON_REPLICA))
		{
			result = pstrdup(NameStr(trig->tgname));
			*state = trig->tgenabled;
			break;
		}
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return result;
}

/*
 * The enabled table relid is, is a partition of or is the live view of, or
 * InvalidOid; its options in *opts.
 */
static Oid
enabled_table(Oid relid, AsdTableOptions *opts)
{
	List	   *tables = list_make1_oid(relid);
	ListCell   *lc;

	if (get_rel_relkind(relid) == RELKIND_VIEW)
	{
		Oid			table = asd_live_view_table(relid);

		if (OidIsValid(table) && asd_read_table_options(table, opts) && opts->enabled)
			return table;
		return InvalidOid;
	}

	if (get_rel_relispartition(relid))
		tables = list_concat(tables, get_partition_ancestors(relid));
	foreach(lc, tables)
	{
		if (asd_read_table_options(lfirst_oid(lc), opts) && opts->enabled)
			return lfirst_oid(lc);
	}
	return InvalidOid;
}

/* Refuse action on trigger of rel, which is enabled table enabled or in it. */
static void
refuse(const char *trigger, Oid rel, Oid enabled, GuardedAction action)
{
	char	   *enabled_name;

	enabled_name = DatumGetCString(DirectFunctionCall1(regclassout,
													   ObjectIdGetDatum(enabled)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg_internal(action_messages[action], trigger,
							 get_rel_relkind(rel) == RELKIND_VIEW ? "view" : "table",
							 get_rel_name(rel)),
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

/*
 * Refuse action on the extension's trigger named name (NULL: on all
 * triggers) of relid, and of its partitions, if it is on an enabled table.
 * With silenced, after the command: only if it left such a trigger
 * disabled or replica-only.
 */
static void
guard(Oid relid, const char *name, GuardedAction action, bool silenced)
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
		char		state;
		char	   *trigger = our_trigger(rel, name, nspid, silenced, &state);
		AsdTableOptions opts;
		Oid			enabled;

		if (trigger == NULL)
			continue;
		enabled = enabled_table(rel, &opts);
		if (!OidIsValid(enabled))
			continue;
		if (silenced)
			action = state == TRIGGER_FIRES_ON_REPLICA ? GUARD_REPLICA : GUARD_DISABLE;
		refuse(trigger, rel, enabled, action);
	}
}

/*
 * Refuse ALTER TABLE parent ATTACH PARTITION part when part, or a partition
 * of it, is enabled on its own and parent is, or is in, an enabled table.
 */
static void
guard_attach(Oid parent, RangeVar *part_name)
{
	Oid			part = RangeVarGetRelid(part_name, NoLock, true);
	AsdTableOptions opts;
	Oid			enabled_parent;
	List	   *rels;
	ListCell   *lc;

	if (!OidIsValid(parent) || !OidIsValid(part))
		return;
	enabled_parent = enabled_table(parent, &opts);
	if (!OidIsValid(enabled_parent))
		return;
	if (get_rel_relkind(part) == RELKIND_PARTITIONED_TABLE)
		rels = find_all_inheritors(part, NoLock, NULL);
	else
		rels = list_make1_oid(part);
	foreach(lc, rels)
	{
		Oid			rel = lfirst_oid(lc);
		char	   *rel_name;

		if (!asd_read_table_options(rel, &opts) || !opts.enabled)
			continue;
		rel_name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(rel)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot attach table \"%s\" as a partition of \"%s\"",
						get_rel_name(part), get_rel_name(parent)),
				 errdetail("Table \"%s\" is enabled in audit_softdelete on its own, and so is table \"%s\", whose triggers its partitions get.",
						   get_rel_name(rel), get_rel_name(enabled_parent)),
				 errhint("Call audit_softdelete.disable('%s') first; once attached, its changes are recorded by the triggers of table \"%s\".",
						 rel_name, get_rel_name(enabled_parent))));
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
 * A CREATE TRIGGER audit_softdelete_live_parent ... EXECUTE FUNCTION
 * audit_softdelete.live_parent_trigger(), as pg_dump writes it: becomes
 * CREATE OR REPLACE when the table has no trigger of that name, or one
 * calling that function.  The extension creates the check itself when a
 * foreign key onto a soft-delete table is added (_table_ddl_end), and a
 * parallel pg_restore may add the key before it creates the trigger, or
 * while it does: the restore's CREATE TRIGGER then replaces the same
 * trigger instead of failing on its name.  CreateTrigger() decides under
 * its own lock whether the trigger exists; this only tells it to replace
 * it.  The statement is our own copy (standard_ProcessUtility copies a
 * read-only tree first).
 */
static void
live_parent_check_again(CreateTrigStmt *stmt)
{
	List	   *ours = list_make2(makeString(ASD_SCHEMA_NAME),
								  makeString("live_parent_trigger"));
	Oid			funcoid;
	Oid			relid;
	Oid			trigoid;

	if (stmt->replace || stmt->isconstraint ||
		strcmp(stmt->trigname, ASD_TRIGGER_PREFIX "live_parent") != 0)
		return;
	funcoid = LookupFuncName(ours, 0, NULL, true);
	if (!OidIsValid(funcoid) ||
		LookupFuncName(stmt->funcname, 0, NULL, true) != funcoid)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	trigoid = get_trigger_oid(relid, stmt->trigname, true);
	if (OidIsValid(trigoid))
	{
		HeapTuple	tup;
		Relation	tgrel;
		ScanKeyData key;
		SysScanDesc scan;
		bool		same;

		tgrel = table_open(TriggerRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(trigoid));
		scan = systable_beginscan(tgrel, TriggerOidIndexId, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		same = HeapTupleIsValid(tup) &&
			((Form_pg_trigger) GETSTRUCT(tup))->tgfoid == funcoid;
		systable_endscan(scan);
		table_close(tgrel, AccessShareLock);
		if (!same)
			return;
	}
	stmt->replace = true;
}

/*
 * _guard_triggers() RETURNS event_trigger
 *		Refuse the commands that would silence the extension's triggers.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_guard_triggers
 *		ON ddl_command_start
 *		WHEN TAG IN ('ALTER TABLE', 'ALTER FOREIGN TABLE', 'DROP TRIGGER',
 *					 'CREATE TRIGGER', 'ALTER TRIGGER')
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
	if (asd_take_ddl_pass(parsetree))
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
				case AT_AttachPartition:
					if (!resolved)
					{
						relid = RangeVarGetRelid(stmt->relation, NoLock, true);
						resolved = true;
					}
					guard_attach(relid, ((PartitionCmd *) cmd->def)->name);
					continue;
				default:
					continue;
			}
			if (!resolved)
			{
				relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				resolved = true;
			}
			guard(relid, name, action, false);
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

			guard(relid, name, GUARD_DROP, false);
		}
	}
	else if (IsA(parsetree, CreateTrigStmt) && !((CreateTrigStmt *) parsetree)->replace)
		live_parent_check_again((CreateTrigStmt *) parsetree);
	else if (IsA(parsetree, CreateTrigStmt))
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true), stmt->trigname,
			  GUARD_REPLACE, false);
	}
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_TRIGGER)
	{
		RenameStmt *stmt = (RenameStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true), stmt->subname,
			  GUARD_RENAME, false);
	}
	else if (IsA(parsetree, AlterObjectDependsStmt) &&
			 ((AlterObjectDependsStmt *) parsetree)->objectType == OBJECT_TRIGGER &&
			 !((AlterObjectDependsStmt *) parsetree)->remove)
	{
		AlterObjectDependsStmt *stmt = (AlterObjectDependsStmt *) parsetree;

		guard(RangeVarGetRelid(stmt->relation, NoLock, true),
			  strVal(linitial(castNode(List, stmt->object))), GUARD_DEPEND, false);
	}

	PG_RETURN_VOID();
}

/*
 * Does the enabled table with options opts have a trigger of the
 * extension named name?  Which ones enable() creates, by feature.
 */
static bool
wanted(const char *name, AsdTableOptions *opts)
{
	if (strcmp(name, ASD_TRIGGER_PREFIX "stamp") == 0)
		return opts->stamps;
	if (strcmp(name, ASD_TRIGGER_PREFIX "soft_delete") == 0 ||
		strcmp(name, ASD_TRIGGER_PREFIX "soft_delete_truncate") == 0)
		return opts->soft_delete != ASD_SOFT_DELETE_OFF;
	if (strcmp(name, ASD_TRIGGER_PREFIX "audit") == 0 ||
		strcmp(name, ASD_TRIGGER_PREFIX "audit_truncate") == 0)
		return opts->audit;
	if (strcmp(name, ASD_TRIGGER_PREFIX "view_delete") == 0)
		return opts->soft_delete == ASD_SOFT_DELETE_VIEW;
	return false;
}

/*
 * Refuse action, done by the command now ending, on the trigger named name
 * of relid, if it is one the enabled table relid is or is in has.
 */
static void
guard_done(Oid relid, const char *name, GuardedAction action)
{
	AsdTableOptions opts;
	Oid			enabled = enabled_table(relid, &opts);

	if (OidIsValid(enabled) && wanted(name, &opts))
		refuse(name, relid, enabled, action);
}

/*
 * The command now ending created or changed trigger trigoid: refuse it if
 * it is ours, or if it calls one of our functions otherwise than enable()
 * would (call_check.c).
 */
static void
verify_trigger(Oid trigoid, Node *parsetree)
{
	Relation	tgrel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Form_pg_trigger trig;
	Oid			relid;
	char	   *name;
	Oid			funcoid;
	int16		tgtype;
	int16		nargs;
	bool		has_columns;
	bool		has_when;
	bool		is_constraint;

	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(trigoid));
	scan = systable_beginscan(tgrel, TriggerOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "could not find trigger %u", trigoid);
	trig = (Form_pg_trigger) GETSTRUCT(tup);
	relid = trig->tgrelid;
	name = pstrdup(NameStr(trig->tgname));
	funcoid = trig->tgfoid;
	tgtype = trig->tgtype;
	nargs = trig->tgnargs;
	has_columns = trig->tgattr.dim1 > 0;
	has_when = !heap_attisnull(tup, Anum_pg_trigger_tgqual, NULL);
	is_constraint = OidIsValid(trig->tgconstraint);
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);

	if (IsA(parsetree, CreateTrigStmt) && ((CreateTrigStmt *) parsetree)->replace)
		guard_done(relid, name, GUARD_REPLACE);
	/* a trigger of any name calling our functions: as enable() defines it */
	if (IsA(parsetree, CreateTrigStmt))
		asd_check_trigger_definition(relid, trigoid, name, funcoid, tgtype,
									 nargs, has_when, has_columns,
									 is_constraint);
	else if (IsA(parsetree, RenameStmt))
		guard_done(relid, ((RenameStmt *) parsetree)->subname, GUARD_RENAME);
	else if (IsA(parsetree, AlterObjectDependsStmt) &&
			 !((AlterObjectDependsStmt *) parsetree)->remove)
		guard_done(relid, name, GUARD_DEPEND);
}

/*
 * _verify_triggers() RETURNS event_trigger
 *		After the commands _guard_triggers() checks: refuse what they did to
 *		the extension's triggers, on the tables they really changed.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_verify_triggers
 *		ON ddl_command_end
 *		WHEN TAG IN ('ALTER TABLE', 'ALTER FOREIGN TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER')
 *		EXECUTE FUNCTION audit_softdelete._verify_triggers();
 */
Datum
asd_verify_triggers(PG_FUNCTION_ARGS)
{
	Node	   *parsetree;
	AsdSpi		spi;
	uint64		i;

	parsetree = asd_event_trigger_call(fcinfo, "_verify_triggers")->parsetree;
	if (asd_has_ddl_pass(parsetree))
		PG_RETURN_VOID();

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT command FROM pg_catalog.pg_event_trigger_ddl_commands()",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		CollectedCommand *cmd;
		ListCell   *lc;

		cmd = (CollectedCommand *) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc,
																 1, &isnull));
		if (isnull)
			continue;
		if (cmd->type == SCT_Simple &&
			cmd->d.simple.address.classId == TriggerRelationId)
		{
			verify_trigger(cmd->d.simple.address.objectId, cmd->parsetree);
			continue;
		}
		if (cmd->type != SCT_AlterTable)
			continue;
		foreach(lc, cmd->d.alterTable.subcmds)
		{
			AlterTableCmd *sub = (AlterTableCmd *) ((CollectedATSubcmd *) lfirst(lc))->parsetree;

			if (!IsA(sub, AlterTableCmd))
				continue;
			switch (sub->subtype)
			{
				case AT_DisableTrig:
				case AT_EnableReplicaTrig:
					guard(cmd->d.alterTable.objectId, sub->name, GUARD_DISABLE, true);
					break;
				case AT_DisableTrigAll:
				case AT_DisableTrigUser:
					guard(cmd->d.alterTable.objectId, NULL, GUARD_DISABLE, true);
					break;
				default:
					break;
			}
		}
	}
	asd_spi_finish(&spi);
	PG_RETURN_VOID();
}

/*
 * _verify_trigger_drops() RETURNS event_trigger
 *		After DROP TRIGGER: refuse it if it dropped one of the extension's
 *		triggers of an enabled table.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_verify_trigger_drops
 *		ON sql_drop WHEN TAG IN ('DROP TRIGGER')
 *		EXECUTE FUNCTION audit_softdelete._verify_trigger_drops();
 *
 * The trigger is gone: its table is found by the names it had when it was
 * dropped, which the drop's lock on the table keeps, and whether it was
 * the extension's by the table's options.
 */
Datum
asd_verify_trigger_drops(PG_FUNCTION_ARGS)
{
	Node	   *parsetree;
	AsdSpi		spi;
	uint64		i;

	parsetree = asd_event_trigger_call(fcinfo, "_verify_trigger_drops")->parsetree;
	if (asd_has_ddl_pass(parsetree))
		PG_RETURN_VOID();

	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT address_names FROM pg_catalog.pg_event_trigger_dropped_objects()"
				" WHERE object_type OPERATOR(pg_catalog.=) 'trigger'",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		names = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
										  1, &isnull);
		Datum	   *elems;
		int			nelems;
		Oid			nspid;
		Oid			relid;

		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(names), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, NULL, &nelems);
		if (nelems != 3)
			continue;
		nspid = get_namespace_oid(TextDatumGetCString(elems[0]), true);
		if (!OidIsValid(nspid))
			continue;
		relid = get_relname_relid(TextDatumGetCString(elems[1]), nspid);
		if (OidIsValid(relid))
			guard_done(relid, TextDatumGetCString(elems[2]), GUARD_DROP);
	}
	asd_spi_finish(&spi);
	PG_RETURN_VOID();
}
