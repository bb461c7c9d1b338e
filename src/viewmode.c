/*-------------------------------------------------------------------------
 *
 * viewmode.c
 *	  View mode: the table's name is a view of its live rows.
 *
 * enable(tbl, soft_delete => 'view') renames the table <name>_all and
 * creates a view under the old name showing the rows not deleted.  SELECT,
 * INSERT, UPDATE and ON CONFLICT go through it as through any simple view.
 * DELETE goes through the INSTEAD OF trigger here, which soft-deletes the
 * row with a DELETE on the table (whose own trigger marks it and applies the
 * foreign keys) and returns it, so that the statement reports the rows it
 * deleted and RETURNING returns them, as ORMs expect.
 *
 * The view lists the table's columns as they were when it was made, so it
 * is dropped before ALTER TABLE on the table and made again after it (the
 * event triggers of the install script).
 *
 * IDENTIFICATION
 *	  src/viewmode.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "call_check.h"
#include "key_compare.h"
#include "owner.h"
#include "relinfo.h"
#include "softdelete.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_view_delete_trigger);
PG_FUNCTION_INFO_V1(asd_live_view_before_alter);
PG_FUNCTION_INFO_V1(asd_table_ddl_end);

/*
 * The DELETE on the table that soft-deletes one row of the view, found by
 * its primary key.  Built once per view and kept in its relinfo entry.
 */
static void
prepare_view_delete(AsdRelInfo *viewinfo, Relation view)
{
	Relation	table = table_open(viewinfo->tracked_relid, AccessShareLock);
	AsdRelInfo *tableinfo = asd_get_relinfo(table);
	StringInfoData query;
	Oid		   *types;
	int			nkeys = 0;
	int			i;

	types = palloc(sizeof(Oid) * viewinfo->natts);
	viewinfo->key_attnums = MemoryContextAlloc(viewinfo->cxt,
											   sizeof(AttrNumber) * viewinfo->natts);
	initStringInfo(&query);
	appendStringInfo(&query, "DELETE FROM %s%s x WHERE ",
					 table->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 tableinfo->qualified_name);
	for (i = 0; i < tableinfo->natts; i++)
	{
		AsdAuditColumn *col = &tableinfo->columns[i];
		int			j;

		if (!col->in_pk)
			continue;
		for (j = 0; j < viewinfo->natts; j++)
		{
			if (viewinfo->columns[j].name &&
				strcmp(viewinfo->columns[j].name, col->name) == 0)
				break;
		}
		if (j == viewinfo->natts)
			elog(ERROR, "key column \"%s\" is not in view \"%s\"",
				 col->name, RelationGetRelationName(view));
		/* the key's own equality: see key_compare.c */
		if (nkeys > 0)
			appendStringInfoString(&query, " AND ");
		asd_append_key_clause(&query, table, i + 1, psprintf("$%d", nkeys + 1));
		viewinfo->key_attnums[nkeys] = j + 1;
		types[nkeys] = col->typid;
		nkeys++;
	}
	table_close(table, NoLock);
	if (nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table behind view \"%s\" has no primary key",
						RelationGetRelationName(view)),
				 errdetail("DELETE through the view finds the row by its primary key.")));

	viewinfo->mark_plan = asd_spi_prepare(query.data, nkeys, types, true);
	viewinfo->nkeys = nkeys;
}

/*
 * view_delete_trigger
 *		Soft-delete a row deleted through the live view, and report it.
 *
 *	CREATE TRIGGER audit_softdelete_view_delete
 *		INSTEAD OF DELETE ON view
 *		FOR EACH ROW EXECUTE FUNCTION audit_softdelete.view_delete_trigger();
 *
 * Runs with the caller's rights: the DELETE needs the caller's DELETE
 * privilege on the table, and its row-level security applies.
 */
Datum
asd_view_delete_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	view;
	AsdRelInfo *info;
	HeapTuple	oldtuple;
	Datum	   *values;
	bool		deleted;
	AsdSpi		spi;
	int			k;

	trigdata = asd_trigger_call(fcinfo, "view_delete_trigger");
	if (!TRIGGER_FIRED_INSTEAD(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired INSTEAD OF DELETE for each row",
						"view_delete_trigger"),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	view = trigdata->tg_relation;
	oldtuple = trigdata->tg_trigtuple;
	info = asd_get_relinfo(view);
	if (!info->tracked || info->soft_delete != ASD_SOFT_DELETE_VIEW)
	{
		const char *hint = asd_not_enabled_hint(trigdata,
												"Drop the trigger and call audit_softdelete.enable() instead.");

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("view \"%s\" is not the live view of a table in view mode",
						RelationGetRelationName(view)),
				 errhint("%s", hint)));
	}

	asd_spi_connect(&spi, InvalidOid, 0);
	if (info->mark_plan == NULL)
		prepare_view_delete(info, view);

	values = palloc(sizeof(Datum) * info->nkeys);
	for (k = 0; k < info->nkeys; k++)
	{
		bool		isnull;

		values[k] = heap_getattr(oldtuple, info->key_attnums[k],
								 RelationGetDescr(view), &isnull);
	}
	deleted = asd_delete_row(info->tracked_relid, info->mark_plan, values,
							 oldtuple, RelationGetDescr(view),
							 RelationGetRelationName(view));
	asd_spi_finish(&spi);

	/* counted only if this row was deleted now, softly or not */
	return PointerGetDatum(deleted ? oldtuple : NULL);
}

/* What a CREATE TABLE, ALTER TABLE or RENAME does that view mode follows. */
typedef struct TableChanges
{
	bool		columns;		/* adds, drops, renames or retypes a column */
	bool		partitions;		/* creates, attaches or detaches a partition */
	bool		primary_key;	/* adds a primary key (or a column with one) */
	bool		defaults;		/* sets or drops a column's default */
	bool		created;		/* creates a table (not a temporary one) */
	bool		owner;			/* gives the table another owner */
	bool		renamed;		/* renames a table or view (the live view?) */
	bool		foreign_keys;	/* may add or drop a foreign key */
	bool		drops_keys;		/* may drop a foreign key */
} TableChanges;

static bool
is_primary_key(Node *node)
{
	return node != NULL && IsA(node, Constraint) &&
		((Constraint *) node)->contype == CONSTR_PRIMARY;
}

/* REFERENCES among a new column's constraints: a foreign key comes with it */
static bool
is_foreign_key(Node *node)
{
	return node != NULL && IsA(node, Constraint) &&
		((Constraint *) node)->contype == CONSTR_FOREIGN;
}

static TableChanges
table_changes(Node *parsetree)
{
	TableChanges changes = {false, false, false, false, false, false, false};
	ListCell   *lc;

	if (IsA(parsetree, RenameStmt))
	{
		ObjectType	type = ((RenameStmt *) parsetree)->renameType;

		changes.columns = type == OBJECT_COLUMN;
		/* ALTER TABLE ... RENAME TO names a view as well */
		changes.renamed = type == OBJECT_TABLE || type == OBJECT_VIEW;
	}
	else if (IsA(parsetree, CreateStmt) || IsA(parsetree, CreateForeignTableStmt))
	{
		changes.partitions = ((CreateStmt *) parsetree)->partbound != NULL;
		changes.created = ((CreateStmt *) parsetree)->relation->relpersistence != RELPERSISTENCE_TEMP;
		/* a temporary table can reference only temporary tables */
		changes.foreign_keys = IsA(parsetree, CreateStmt) && changes.created;
	}
	else if (IsA(parsetree, CreateTableAsStmt))
	{
		/* CREATE TABLE AS, SELECT INTO; not CREATE MATERIALIZED VIEW */
		CreateTableAsStmt *ctas = (CreateTableAsStmt *) parsetree;

		changes.created = ctas->objtype == OBJECT_TABLE &&
			ctas->into->rel->relpersistence != RELPERSISTENCE_TEMP;
	}
	else if (IsA(parsetree, AlterTableStmt))
	{
		foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc);

			switch (cmd->subtype)
			{
				case AT_AddColumn:
					changes.columns = true;
					if (cmd->def != NULL && IsA(cmd->def, ColumnDef))
					{
						ListCell   *lc2;

						foreach(lc2, ((ColumnDef *) cmd->def)->constraints)
						{
							if (is_primary_key(lfirst(lc2)))
								changes.primary_key = true;
							if (is_foreign_key(lfirst(lc2)))
								changes.foreign_keys = true;
						}
					}
					break;
				case AT_DropColumn:
					changes.columns = true;
					changes.foreign_keys = true;
					changes.drops_keys = true;
					break;
				case AT_AlterColumnType:
					changes.columns = true;
					break;
				case AT_AttachPartition:
				case AT_DetachPartition:
					changes.partitions = true;
					break;
				case AT_AddConstraint:
					if (is_primary_key(cmd->def))
						changes.primary_key = true;
					/* not any other: pg_restore -j adds keys in parallel */
					if (is_foreign_key(cmd->def))
						changes.foreign_keys = true;
					break;
				case AT_DropConstraint:
					changes.foreign_keys = true;
					changes.drops_keys = true;
					break;
				case AT_ColumnDefault:
					changes.defaults = true;
					break;
				case AT_ChangeOwner:
					changes.owner = true;
					break;
				default:
					break;
			}
		}
	}
	return changes;
}

/*
 * Can new tables be enabled here, by _enable_created_tables()?  Not while
 * this extension's own scripts run (its tables are never enabled, and an
 * update script creates tables before that function exists), nor before
 * ALTER EXTENSION ... UPDATE has created tracked_schemas (1.1): the library
 * runs with the SQL of an older version until then.
 */
static bool
can_enable_created_tables(void)
{
	Oid			nsp;

	if (creating_extension &&
		CurrentExtensionObject == get_extension_oid(ASD_EXTENSION_NAME, true))
		return false;
	nsp = get_namespace_oid(ASD_SCHEMA_NAME, true);
	return OidIsValid(nsp) && OidIsValid(get_relname_relid("tracked_schemas", nsp));
}

/*
 * Can a live view follow its table's new owner, by _follow_table_owner()?
 * Not before ALTER EXTENSION ... UPDATE has created that function (1.1).
 */
static bool
can_follow_table_owner(void)
{
	List	   *name = list_make2(makeString(ASD_SCHEMA_NAME),
								  makeString("_follow_table_owner"));

	return OidIsValid(LookupFuncName(name, 0, NULL, true));
}

/*
 * Can a live view's new name be followed, by _follow_view_rename()?  Not
 * before ALTER EXTENSION ... UPDATE has created that function (1.1).
 */
static bool
can_follow_view_rename(void)
{
	List	   *name = list_make2(makeString(ASD_SCHEMA_NAME),
								  makeString("_follow_view_rename"));

	return OidIsValid(LookupFuncName(name, 0, NULL, true));
}

/*
 * Can the tables referencing soft-delete tables be given their check, by
 * _live_parent_triggers_after_ddl()?  Not before ALTER EXTENSION ...
 * UPDATE has created that function (1.1).
 */
static bool
can_sync_live_parent_triggers(void)
{
	List	   *name = list_make2(makeString(ASD_SCHEMA_NAME),
								  makeString("_live_parent_triggers_after_ddl"));
	Oid			argtypes[2] = {BOOLOID, BOOLOID};

	return OidIsValid(LookupFuncName(name, 2, argtypes, true));
}

/*
 * Before ALTER TABLE ... ATTACH PARTITION: the new partition gives up its
 * own audit_softdelete_live_parent check, which would keep PostgreSQL from
 * cloning the partitioned table's (_live_parent_before_attach,
 * 1.1; not before ALTER EXTENSION ... UPDATE has created it).  Run in the
 * caller's gate.
 */
static void
live_parent_triggers_before_attach(AlterTableStmt *stmt)
{
	List	   *name = list_make2(makeString(ASD_SCHEMA_NAME),
								  makeString("_live_parent_before_attach"));
	Oid			argtypes[1] = {REGCLASSOID};
	ListCell   *lc;

	if (!OidIsValid(LookupFuncName(name, 1, argtypes, true)))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Oid			part;

		if (cmd->subtype != AT_AttachPartition)
			continue;
		/* as the statement will resolve it; it takes the lock itself */
		part = RangeVarGetRelid(((PartitionCmd *) cmd->def)->name, NoLock, true);
		if (OidIsValid(part))
			asd_spi_run_on("SELECT audit_softdelete._live_parent_before_attach($1)",
						   part, SPI_OK_SELECT, 0);
	}
}

/*
 * _table_ddl_end() RETURNS event_trigger
 *		After CREATE TABLE or ALTER TABLE: remake the live views dropped
 *		before it, when partitions came or went, set their TRUNCATE
 *		triggers, give live views the table's new column defaults (and,
 *		since 1.1, its new owner), and refuse a primary key over hidden
 *		columns (see _after_table_ddl and _follow_column_defaults in the
 *		install script, _follow_table_owner in the upgrade script to 1.1).
 *		After a live view is renamed (ALTER VIEW, or ALTER TABLE naming it),
 *		the table's options take its new name (_follow_view_rename, 1.1).
 *		After a command that may add or drop a foreign key, or a partition:
 *		give the tables referencing soft-delete tables their check, or take
 *		it (_live_parent_triggers_after_ddl, 1.1).  After CREATE TABLE,
 *		CREATE TABLE AS and SELECT INTO: enable the new tables of the
 *		schemas enable_schema(..., include_future => true) named (see
 *		_enable_created_tables in the upgrade script to 1.1).
 *
 *	CREATE EVENT TRIGGER audit_softdelete_table_ddl_end
 *		ON ddl_command_end
 *		WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO',
 *					 'CREATE FOREIGN TABLE', 'ALTER TABLE', 'ALTER VIEW')
 *		EXECUTE FUNCTION audit_softdelete._table_ddl_end();
 */
Datum
asd_table_ddl_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Oid			argtypes[2] = {BOOLOID, BOOLOID};
	Datum		args[2];
	TableChanges changes;
	bool		sync_live_parents;
	AsdGate		gate;
	AsdSpi		spi;

	trigdata = asd_event_trigger_call(fcinfo, "_table_ddl_end");
	changes = table_changes(trigdata->parsetree);
	if (changes.created && !can_enable_created_tables())
		changes.created = false;
	if (changes.owner && !can_follow_table_owner())
		changes.owner = false;
	if (changes.renamed && !can_follow_view_rename())
		changes.renamed = false;
	sync_live_parents = (changes.foreign_keys || changes.partitions) &&
		can_sync_live_parent_triggers();
	if (!changes.primary_key && !changes.columns && !changes.partitions &&
		!changes.defaults && !changes.created && !changes.owner &&
		!changes.renamed && !sync_live_parents)
		PG_RETURN_VOID();

	/* internal functions, run on behalf of the role running the DDL */
	asd_gate_enter(&gate);
	PG_TRY();
	{
		asd_spi_connect(&spi, InvalidOid, 0);
		if (changes.primary_key)
			asd_spi_run("SELECT audit_softdelete._check_primary_key()",
						0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
		args[0] = BoolGetDatum(changes.partitions);
		if (changes.columns || changes.partitions)
			asd_spi_run("SELECT audit_softdelete._after_table_ddl($1)",
						1, argtypes, args, NULL, SPI_OK_SELECT, 0);
		/* after the views made again above, which took the defaults already */
		if (changes.defaults)
			asd_spi_run("SELECT audit_softdelete._follow_column_defaults()",
						0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
		if (changes.owner)
			asd_spi_run("SELECT audit_softdelete._follow_table_owner()",
						0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
		if (changes.renamed)
			asd_spi_run("SELECT audit_softdelete._follow_view_rename()",
						0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
		if (sync_live_parents)
		{
			/*
			 * A command that only adds keys takes no check away: a restore
			 * creates the checks before the keys, and before the rows of
			 * tracked_tables when it is a schema-only dump's.
			 */
			args[1] = BoolGetDatum(changes.drops_keys || changes.partitions);
			asd_spi_run("SELECT audit_softdelete._live_parent_triggers_after_ddl($1, $2)",
						2, argtypes, args, NULL, SPI_OK_SELECT, 0);
		}
		/* a new partition has had its triggers from _after_table_ddl above */
		if (changes.created)
			asd_spi_run("SELECT audit_softdelete._enable_created_tables()",
						0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
		asd_spi_finish(&spi);
	}
	PG_FINALLY();
	{
		asd_gate_exit(&gate);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/*
 * _live_view_before_alter() RETURNS event_trigger
 *		Before ALTER TABLE on a table in view mode, drop its live view; the
 *		ddl_command_end trigger makes it again.  Before ATTACH PARTITION,
 *		take the partition's own audit_softdelete_live_parent check
 *		(live_parent_triggers_before_attach).
 *
 *	CREATE EVENT TRIGGER audit_softdelete_live_view_before_alter
 *		ON ddl_command_start WHEN TAG IN ('ALTER TABLE')
 *		EXECUTE FUNCTION audit_softdelete._live_view_before_alter();
 */
Datum
asd_live_view_before_alter(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	RangeVar   *relation = NULL;
	Oid			relid;
	AsdGate		gate;
	AsdSpi		spi;

	trigdata = asd_event_trigger_call(fcinfo, "_live_view_before_alter");

	if (IsA(trigdata->parsetree, AlterTableStmt))
		relation = ((AlterTableStmt *) trigdata->parsetree)->relation;
	else if (IsA(trigdata->parsetree, RenameStmt))
		relation = ((RenameStmt *) trigdata->parsetree)->relation;
	if (relation == NULL)
		PG_RETURN_VOID();

	if (IsA(trigdata->parsetree, AlterTableStmt) &&
		table_changes(trigdata->parsetree).partitions)
	{
		asd_gate_enter(&gate);
		PG_TRY();
		{
			asd_spi_connect(&spi, InvalidOid, 0);
			live_parent_triggers_before_attach((AlterTableStmt *) trigdata->parsetree);
			asd_spi_finish(&spi);
		}
		PG_FINALLY();
		{
			asd_gate_exit(&gate);
		}
		PG_END_TRY();
	}

	/*
	 * Only what changes the table's columns needs the view out of the way.
	 * Anything else (constraints, owner...) leaves it alone: pg_restore's
	 * ALTER TABLE ... ADD CONSTRAINT must not remake a view it restores
	 * itself.
	 */
	if (!table_changes(trigdata->parsetree).columns)
		PG_RETURN_VOID();

	/* as the statement will resolve it; it takes the lock itself */
	relid = RangeVarGetRelid(relation, NoLock, true);
	if (!OidIsValid(relid))
		PG_RETURN_VOID();

	/*
	 * A migration aimed at the table's old name reaches the live view: say
	 * where it should go instead of PostgreSQL's "not supported for views".
	 */
	if (get_rel_relkind(relid) == RELKIND_VIEW)
	{
		Oid			table = asd_live_view_table(relid);

		if (OidIsValid(table))
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is the live view of table \"%s\"",
							get_rel_name(relid), get_rel_name(table)),
					 errdetail("In view mode (audit_softdelete) the rows are in \"%s\" and the view shows the live ones.",
							   get_rel_name(table)),
					 errhint("Run ALTER TABLE on \"%s\"; the view follows.",
							 get_rel_name(table))));
		PG_RETURN_VOID();
	}

	asd_gate_enter(&gate);
	PG_TRY();
	{
		asd_spi_connect(&spi, InvalidOid, 0);
		asd_spi_run_on("SELECT audit_softdelete._drop_live_view($1)", relid,
					   SPI_OK_SELECT, 0);
		asd_spi_finish(&spi);
	}
	PG_FINALLY();
	{
		asd_gate_exit(&gate);
	}
	PG_END_TRY();

	PG_RETURN_VOID();
}
