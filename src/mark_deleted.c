/*-------------------------------------------------------------------------
 *
 * mark_deleted.c
 *	  The UPDATE that turns a DELETE into a soft delete.
 *
 * Marking a row deleted is an UPDATE of deleted_at and deleted_by on the
 * row version the DELETE has just locked: deleting needs the DELETE
 * privilege, not UPDATE.
 *
 * Most tables are marked through the executor's row-level routines, the
 * way logical replication applies a change: BEFORE and AFTER row triggers,
 * generated columns, constraints (the partition's bound too) and index
 * entries as for any UPDATE, but without planning and starting a query for
 * every row.  Those routines check no privilege and no row-level security
 * policy, so they run as the deleting role: the table's triggers run as
 * that role, as the triggers of its DELETE do.  The new row
 * version carries the DELETE's own command id, as a row the DELETE changed
 * itself would: when the same DELETE meets the row again (a join matching
 * it twice), PostgreSQL takes it as already done, instead of failing with
 * "tuple to be deleted was already modified by an operation triggered by
 * the current command".
 *
 * Rules, statement-level UPDATE triggers and transition tables belong to a
 * whole UPDATE statement, which the row-level routines do not run: a table
 * with any of them is marked by a kept SPI plan instead, as is a row
 * deleted with no snapshot set (no executor is running then).  That
 * statement needs the UPDATE privilege.  It runs as the table's owner (as
 * PostgreSQL runs its own foreign-key actions) only when that runs no other
 * role's code with the owner's rights: when the deleting role is the owner,
 * or when every UPDATE trigger of the table is the owner's own (see
 * not_owners_trigger).  Otherwise it runs as the deleting role if that
 * role may update the table, and is refused if not: a role with the
 * TRIGGER privilege must not get its trigger run as the owner by its own
 * DELETE.  Nor may its search_path choose what the owner's trigger
 * functions call: run as the owner for another role, the statement runs
 * with search_path pinned (asd_become_table_owner).
 *
 * IDENTIFICATION
 *	  src/mark_deleted.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/sysattr.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "actor.h"
#include "audit.h"
#include "live_parent.h"
#include "mark_deleted.h"
#include "owner.h"
#include "row_movement.h"
#include "stamp.h"

static void
refused_by_trigger(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("could not soft-delete a row of table \"%s\"",
					RelationGetRelationName(rel)),
			 errdetail("The UPDATE that marks it deleted changed no row: a BEFORE UPDATE trigger or a row-level security policy for UPDATE refused it."),
			 errhint("A soft delete is an UPDATE of deleted_at and deleted_by; let those through.")));
}

/* Does the table have what only a whole UPDATE statement honours? */
static bool
needs_update_statement(Relation rel)
{
	TriggerDesc *trigdesc = rel->trigdesc;

	if (rel->rd_rules != NULL || !ActiveSnapshotSet())
		return true;
	return trigdesc != NULL &&
		(trigdesc->trig_update_before_statement ||
		 trigdesc->trig_update_after_statement ||
		 trigdesc->trig_update_old_table ||
		 trigdesc->trig_update_new_table);
}

/*
 * The first UPDATE trigger of rel that is not its owner's own code, or
 * NULL.  A trigger is the owner's own when its function belongs to the
 * owner, or to a superuser and takes no arguments (a generic function can
 * build statements from its arguments), and it has no WHEN clause (an
 * expression whoever created the trigger wrote).  The roles with the
 * TRIGGER privilege on the table can create triggers; only the owner can
 * create functions as the owner.
 */
static Trigger *
not_owners_trigger(Relation rel)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	Oid			owner = rel->rd_rel->relowner;
	int			i;

	if (trigdesc == NULL)
		return NULL;
	for (i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];
		HeapTuple	proctup;
		Oid			proowner;

		if (!TRIGGER_FOR_UPDATE(trigger->tgtype) ||
			trigger->tgenabled == TRIGGER_DISABLED)
			continue;
		if (trigger->tgqual != NULL)
			return trigger;
		proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(trigger->tgfoid));
		if (!HeapTupleIsValid(proctup))
			elog(ERROR, "cache lookup failed for function %u", trigger->tgfoid);
		proowner = ((Form_pg_proc) GETSTRUCT(proctup))->proowner;
		ReleaseSysCache(proctup);
		if (proowner != owner &&
			!(superuser_arg(proowner) && trigger->tgnargs == 0))
			return trigger;
	}
	return NULL;
}

/*
 * Switch to the role the UPDATE statement marking a row of rel runs as
 * (see the file header), or refuse.  Returns the GUC nest level for
 * asd_restore_table_user(), -1 when nothing was pinned.
 */
static int
become_statement_role(Relation rel)
{
	Oid			caller = GetUserId();
	Oid			owner = rel->rd_rel->relowner;
	Trigger    *trigger;
	int			save_sec;
	Oid			save_userid;

	if (!has_privs_of_role(caller, owner))
	{
		trigger = not_owners_trigger(rel);
		if (trigger != NULL)
		{
			if (pg_class_aclcheck(RelationGetRelid(rel), caller, ACL_UPDATE) == ACLCHECK_OK)
				return -1;		/* the caller's own UPDATE */
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to soft-delete a row of table \"%s\"",
							RelationGetRelationName(rel)),
					 errdetail("Marking the row deleted takes an UPDATE statement here, which role \"%s\" may not run; run as the table's owner, it would run trigger \"%s\", whose code the owner does not own.",
							   GetUserNameFromId(caller, false), trigger->tgname),
					 errhint("Grant the role UPDATE on the table, or have the table's owner own the trigger's function; a WHEN clause or arguments make any trigger count as not the owner's.")));
		}
	}
	return asd_become_table_owner(owner, &save_userid, &save_sec);
}

/*
 * UPDATE ONLY rel SET deleted_at = $1, deleted_by = $2 WHERE ctid = $3,
 * through a plan kept per relation.
 */
static void
mark_by_statement(AsdRelInfo *info, Relation rel, HeapTuple tuple,
				  Datum deleted_at, Datum deleted_by)
{
	AsdRoleColumn *at = &info->roles[ASD_DELETED_AT];
	AsdRoleColumn *by = &info->roles[ASD_DELETED_BY];
	Datum		args[3];
	AsdSpi		spi;

	args[0] = deleted_at;
	args[1] = deleted_by;
	args[2] = PointerGetDatum(&tuple->t_self);

	asd_spi_connect(&spi, InvalidOid, 0);

	if (info->mark_plan == NULL)
	{
		Oid			argtypes[3] = {at->typid, by->typid, TIDOID};
		char	   *query;

		query = psprintf("UPDATE ONLY %s SET %s = $1, %s = $2 WHERE ctid OPERATOR(pg_catalog.=) $3",
						 info->qualified_name,
						 quote_identifier(at->attname),
						 quote_identifier(by->attname));
		info->mark_plan = asd_spi_prepare(query, 3, argtypes, true);
	}

	/* a rule on the table can turn the UPDATE into something else */
	if (asd_spi_run_plan(info->mark_plan, args, NULL, 0, 0) != SPI_OK_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not soft-delete a row of table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("A rule on the table replaced the UPDATE that marks the row deleted."),
				 errhint("A soft delete is an UPDATE of deleted_at and deleted_by; drop or change that rule.")));
	if (SPI_processed != 1)
		refused_by_trigger(rel);

	asd_spi_finish(&spi);
}

/* The OIDs of stamp_trigger() and audit_trigger(), while known. */
static bool own_functions_known = false;
static Oid	stamp_function = InvalidOid;
static Oid	audit_function = InvalidOid;

static void
own_functions_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	own_functions_known = false;
}

static Oid
own_trigger_function(Oid nsp, const char *name)
{
	oidvector  *noargs = buildoidvector(NULL, 0);

	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
						   CStringGetDatum(name), PointerGetDatum(noargs),
						   ObjectIdGetDatum(nsp));
}

static void
lookup_own_functions(void)
{
	static bool callback_registered = false;
	Oid			nsp;

	if (own_functions_known)
		return;
	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, own_functions_invalidate, (Datum) 0);
		callback_registered = true;
	}
	/* first: an invalidation the lookups process makes the next call look again */
	own_functions_known = true;
	nsp = get_namespace_oid(ASD_SCHEMA_NAME, true);
	stamp_function = OidIsValid(nsp) ? own_trigger_function(nsp, "stamp_trigger") : InvalidOid;
	audit_function = OidIsValid(nsp) ? own_trigger_function(nsp, "audit_trigger") : InvalidOid;
}

/* Would the trigger fire now (ALTER TABLE ... ENABLE/DISABLE, the role)? */
static bool
trigger_fires_now(Trigger *trigger)
{
	if (trigger->tgenabled == TRIGGER_DISABLED)
		return false;
	if (trigger->tgenabled == TRIGGER_FIRES_ALWAYS)
		return true;
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return trigger->tgenabled == TRIGGER_FIRES_ON_REPLICA;
	return trigger->tgenabled == TRIGGER_FIRES_ON_ORIGIN;
}

/*
 * Are the row triggers that the marking UPDATE fires only the extension's
 * own, as enable() creates them: at most the stamp trigger before and the
 * audit trigger after, each once, plain (no arguments, column list, WHEN
 * or deferral), their features on?  Then mark_by_row does their work
 * itself, which is what firing them would do, without locking the row a
 * second time (the DELETE holds its lock) and without the AFTER trigger
 * queue: a tenth of what a soft delete costs.  Says which of the two fire.
 */
static bool
own_triggers_only(AsdRelInfo *info, Relation rel, TriggerDesc *trigdesc,
				  bool *stamp, bool *audit)
{
	int			i;

	*stamp = *audit = false;
	/* a partition's soft delete trigger fires on UPDATE too (row moves) */
	if (rel->rd_rel->relispartition)
		return false;
	if (trigdesc == NULL)
		return true;
	lookup_own_functions();
	for (i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];
		int16		type = trigger->tgtype;
		bool	   *seen;

		if (!TRIGGER_FOR_ROW(type) || !TRIGGER_FOR_UPDATE(type) ||
			!trigger_fires_now(trigger))
			continue;
		if (TRIGGER_FOR_BEFORE(type) && trigger->tgfoid == stamp_function)
			seen = stamp;
		else if (TRIGGER_FOR_AFTER(type) && trigger->tgfoid == audit_function)
			seen = audit;
		else
			return false;
		if (*seen || trigger->tgnargs != 0 || trigger->tgnattr != 0 ||
			trigger->tgqual != NULL || trigger->tgdeferrable)
			return false;
		*seen = true;
	}
	/* anything else (a feature off, a moved row waiting) as the triggers do it */
	if (*stamp && !(info->tracked && info->stamps))
		return false;
	if (*audit && (!(info->tracked && info->audit) || asd_moved_rows_held()))
		return false;
	return true;
}

/*
 * Update the row version through the executor's row-level routines, in an
 * executor state of its own whose AFTER triggers fire before this returns
 * (as at the end of the SPI UPDATE), so the audit row is written now.
 * When the only row triggers are the extension's own, their work is done
 * here directly (see own_triggers_only).
 */
static void
mark_by_row(AsdRelInfo *info, Relation rel, HeapTuple tuple,
			Datum deleted_at, Datum deleted_by)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	AttrNumber	at = info->roles[ASD_DELETED_AT].attnum;
	AttrNumber	by = info->roles[ASD_DELETED_BY].attnum;
	int			cols[2 + ASD_NUM_STAMP_ROLES] = {at, by};
	Datum		values[2 + ASD_NUM_STAMP_ROLES] = {deleted_at, deleted_by};
	bool		nulls[2 + ASD_NUM_STAMP_ROLES] = {false, false};
	int			ncols = 2;
	EState	   *estate;
	RangeTblEntry *rte;
	ResultRelInfo *resultrel;
	EPQState	epqstate;
	TupleTableSlot *slot;
	MemoryContext oldcxt;
	ItemPointerData tid = tuple->t_self;
	CommandId	cid;
	TM_Result	result;
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool		update_indexes;
	List	   *recheck_indexes = NIL;
	bool		direct;
	bool		stamp;
	bool		audit;
	Datum	   *oldvalues = NULL;
	bool	   *oldnulls = NULL;

	/* the running DELETE's command id, which its snapshot carries */
	cid = GetActiveSnapshot()->curcid;
	CheckCmdReplicaIdentity(rel, CMD_UPDATE);

	estate = CreateExecutorState();
	oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);

	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_UPDATE;
	/* what column-specific triggers and the tuple lock mode go by */
	rte->updatedCols = bms_add_member(bms_make_singleton(at - FirstLowInvalidHeapAttributeNumber),
									  by - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(estate, list_make1(rte));

	resultrel = makeNode(ResultRelInfo);
	InitResultRelInfo(resultrel, rel, 1, NULL, 0);
	estate->es_opened_result_relations = list_make1(resultrel);
	estate->es_output_cid = cid;
	estate->es_snapshot = GetActiveSnapshot();
	ExecOpenIndices(resultrel, false);

	direct = own_triggers_only(info, rel, resultrel->ri_TrigDesc, &stamp, &audit);
	if (direct)
	{
		int			natts = tupdesc->natts;
		int			i;

		if (stamp)
			ncols = asd_stamp_marking(info, rel, ncols, cols, values, nulls);
		/* the rows as values: the audit row needs no deforming of either */
		oldvalues = palloc(natts * sizeof(Datum));
		oldnulls = palloc(natts * sizeof(bool));
		heap_deform_tuple(tuple, tupdesc, oldvalues, oldnulls);
		slot = ExecInitExtraTupleSlot(estate, tupdesc, &TTSOpsVirtual);
		memcpy(slot->tts_values, oldvalues, natts * sizeof(Datum));
		memcpy(slot->tts_isnull, oldnulls, natts * sizeof(bool));
		for (i = 0; i < ncols; i++)
		{
			slot->tts_values[cols[i] - 1] = values[i];
			slot->tts_isnull[cols[i] - 1] = nulls[i];
		}
		ExecStoreVirtualTuple(slot);
	}
	else
	{
		slot = ExecInitExtraTupleSlot(estate, tupdesc, &TTSOpsHeapTuple);
		ExecStoreHeapTuple(heap_modify_tuple_by_cols(tuple, tupdesc, ncols, cols,
													 values, nulls),
						   slot, true);
		/* the DELETE holds the row's lock: no concurrent update to recheck */
		EvalPlanQualInit(&epqstate, estate, NULL, NIL, -1);
		AfterTriggerBeginQuery();
		if (resultrel->ri_TrigDesc && resultrel->ri_TrigDesc->trig_update_before_row &&
			!ExecBRUpdateTriggers(estate, &epqstate, resultrel, &tid, NULL, slot, NULL))
			refused_by_trigger(rel);
	}

	/* CHECK constraints and generated columns may read tableoid */
	slot->tts_tableOid = RelationGetRelid(rel);
	if (tupdesc->constr && tupdesc->constr->has_generated_stored)
		ExecComputeStoredGenerated(resultrel, estate, slot, CMD_UPDATE);
	if (tupdesc->constr)
		ExecConstraints(resultrel, slot, estate);
	if (rel->rd_rel->relispartition)
		ExecPartitionCheck(resultrel, slot, estate, true);

	result = table_tuple_update(rel, &tid, slot, cid, estate->es_snapshot,
								InvalidSnapshot, true, &tmfd, &lockmode,
								&update_indexes);
	/* only our own transaction can have changed the row the DELETE locked */
	if (result == TM_SelfModified)
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
				 errmsg("tuple to be updated was already modified by an operation triggered by the current command"),
				 errhint("Consider using an AFTER trigger instead of a BEFORE trigger to propagate changes to other rows.")));
	if (result != TM_Ok)
		elog(ERROR, "unexpected table_tuple_update status while marking a row deleted: %u",
			 result);

	if (update_indexes && resultrel->ri_NumIndices > 0)
		recheck_indexes = ExecInsertIndexTuples(resultrel, slot, estate, true,
												false, NULL, NIL);
	if (!direct)
	{
		ExecARUpdateTriggers(estate, resultrel, NULL, NULL, &tid, NULL, slot,
							 recheck_indexes, NULL, false);
		AfterTriggerEndQuery(estate);
		EvalPlanQualEnd(&epqstate);
	}
	else if (audit)
	{
		/* the row as written, generated columns included */
		slot_getallattrs(slot);
		asd_audit_update(info, oldvalues, oldnulls, slot->tts_values,
						 slot->tts_isnull);
	}

	ExecCloseResultRelations(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	MemoryContextSwitchTo(oldcxt);
	FreeExecutorState(estate);
}

/*
 * asd_mark_deleted
 *		Mark one row version, locked by the DELETE now running, deleted.
 */
void
asd_mark_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	Datum		deleted_at = asd_time_datum(&info->roles[ASD_DELETED_AT]);
	Datum		deleted_by = asd_actor_datum(asd_current_actor(),
											 &info->roles[ASD_DELETED_BY], rel);
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;

	/* a parent a child's check found live in this statement may be this row */
	asd_live_parent_forget();

	/* enable() and the DDL event trigger keep them out (see the script) */
	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot soft-delete a row of foreign table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("A DELETE of a row that a foreign server stores cannot become the UPDATE that marks it deleted.")));

	if (!needs_update_statement(rel))
	{
		mark_by_row(info, rel, tuple, deleted_at, deleted_by);
		return;
	}

	GetUserIdAndSecContext(&save_userid, &save_sec);
	nestlevel = become_statement_role(rel);
	mark_by_statement(info, rel, tuple, deleted_at, deleted_by);
	asd_restore_table_user(save_userid, save_sec, nestlevel);
}
