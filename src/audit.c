/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  AFTER triggers: one audit_logs row per change.
 *
 * AFTER ROW triggers see each row as it was finally written, after every
 * BEFORE trigger (the stamps included), and they run inside the writing
 * transaction: a rolled-back transaction or savepoint takes its audit rows
 * with it, and a committed change never lacks one.
 *
 *	INSERT	new_values = the whole new row
 *	UPDATE	old_values / new_values = the changed columns, before and after;
 *			an UPDATE that changes no column besides the stamp columns writes
 *			nothing
 *
 *	(new_values and changed_columns leave out the stamps whose new value is
 *	the audit row's own actor and xact_start: implied_stamps.c)
 *	DELETE	old_values = the whole old row
 *	SOFT_DELETE (an UPDATE setting deleted_at) old_values = the whole row as
 *			it was, new_values = the changed columns
 *	RESTORE	(an UPDATE clearing deleted_at) the changed columns
 *	TRUNCATE one row per statement, no values (a partitioned table's
 *			partitions carry the trigger too; see audit_truncate_trigger)
 *
 * Excluded columns appear nowhere; redacted ones show a marker for their
 * values.  An UPDATE that moves a row to another partition arrives as a
 * DELETE and an INSERT and is logged as the one UPDATE it is: row_movement.c
 * recognises the two halves and holds the first; a held row whose INSERT
 * never comes is logged here as a DELETE at the latest when its command
 * ends (an ExecutorFinish hook), or when the transaction commits.
 *
 * IDENTIFICATION
 *	  src/audit.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "audit.h"
#include "audit_write.h"
#include "relinfo.h"
#include "row_movement.h"
#include "rowjson.h"
#include "statement.h"
#include "call_check.h"
#include "cascade.h"
#include "implied_stamps.h"

PG_FUNCTION_INFO_V1(asd_audit_trigger);
PG_FUNCTION_INFO_V1(asd_audit_truncate_trigger);

static ExecutorFinish_hook_type prev_executor_finish = NULL;

/* A deformed row of the firing relation. */
typedef struct RowValues
{
	Datum	   *values;
	bool	   *nulls;
} RowValues;

static void
deform_row(HeapTuple tuple, TupleDesc tupdesc, RowValues *row)
{
	row->values = palloc(tupdesc->natts * sizeof(Datum));
	row->nulls = palloc(tupdesc->natts * sizeof(bool));
	heap_deform_tuple(tuple, tupdesc, row->values, row->nulls);
}

/* A column's name as changed_columns holds it, made once per relinfo. */
static text *
column_name_text(AsdRelInfo *info, AsdAuditColumn *col)
{
	if (col->name_text == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(info->cxt);

		col->name_text = cstring_to_text_with_len(col->name, col->namelen);
		MemoryContextSwitchTo(oldcxt);
	}
	return col->name_text;
}

/*
 * What an UPDATE of a row (old and new values, numbered alike) is for the
 * audit trail: a soft delete when it sets deleted_at, a restore when it
 * clears it, else an UPDATE.
 */
static AsdAuditAction
update_action(AsdRelInfo *info, bool *oldnulls, bool *newnulls)
{
	AttrNumber	attnum = info->roles[ASD_DELETED_AT].attnum;

	if (info->soft_delete == ASD_SOFT_DELETE_OFF || attnum == InvalidAttrNumber ||
		oldnulls[attnum - 1] == newnulls[attnum - 1])
		return ASD_ACTION_UPDATE;
	return oldnulls[attnum - 1] ? ASD_ACTION_SOFT_DELETE : ASD_ACTION_RESTORE;
}

/*
 * Log an UPDATE from its old and new row, which may come from two
 * partitions with different column numbers (a moved row): columns are
 * matched by name.  Writes nothing when no logged column other than the
 * stamps changed.
 */
static void
audit_update_values(AsdRelInfo *oldinfo, RowValues oldrow,
					AsdRelInfo *newinfo, RowValues newrow)
{
	Datum	   *oldaligned;
	bool	   *oldalignednulls;
	bool	   *changed;		/* old_values: the changed columns */
	bool	   *newchanged;		/* new_values: less the implied stamps */
	bool	   *implied;
	Datum	   *names;
	int			nchanged = 0;
	bool		content = false;
	AsdAuditRow row = {0};
	int			i;

	/* the old values, numbered like the new row's columns */
	if (oldinfo == newinfo)
	{
		oldaligned = oldrow.values;
		oldalignednulls = oldrow.nulls;
	}
	else
	{
		oldaligned = palloc0(newinfo->natts * sizeof(Datum));
		oldalignednulls = palloc(newinfo->natts * sizeof(bool));
		for (i = 0; i < newinfo->natts; i++)
		{
			int			j;

			oldalignednulls[i] = true;
			if (newinfo->columns[i].name == NULL)
				continue;
			for (j = 0; j < oldinfo->natts; j++)
			{
				if (oldinfo->columns[j].name != NULL &&
					strcmp(oldinfo->columns[j].name, newinfo->columns[i].name) == 0)
				{
					oldaligned[i] = oldrow.values[j];
					oldalignednulls[i] = oldrow.nulls[j];
					break;
				}
			}
		}
	}

	changed = palloc0(newinfo->natts * sizeof(bool));
	for (i = 0; i < newinfo->natts; i++)
	{
		AsdAuditColumn *col = &newinfo->columns[i];

		if (!col->logged)
			continue;
		if (asd_column_changed(col, oldaligned[i], oldalignednulls[i],
							   newrow.values[i], newrow.nulls[i], newinfo->cxt))
		{
			changed[i] = true;
			if (!col->is_stamp)
				content = true;
		}
	}
	if (!content)
		return;

	/* new stamps the audit row implies are left out; their old values stay */
	newchanged = changed;
	implied = palloc0(newinfo->natts * sizeof(bool));
	row.implies_stamps = asd_implied_stamps(newinfo, changed, newrow.values,
											newrow.nulls, implied);
	if (row.implies_stamps)
	{
		newchanged = palloc(newinfo->natts * sizeof(bool));
		for (i = 0; i < newinfo->natts; i++)
			newchanged[i] = changed[i] && !implied[i];
	}
	names = palloc(newinfo->natts * sizeof(Datum));
	for (i = 0; i < newinfo->natts; i++)
		if (newchanged[i])
			names[nchanged++] = PointerGetDatum(column_name_text(newinfo, &newinfo->columns[i]));

	row.info = newinfo;
	row.row_pk = asd_columns_to_jsonb(newinfo, newrow.values, newrow.nulls, NULL, true);
	row.new_values = asd_columns_to_jsonb(newinfo, newrow.values, newrow.nulls, newchanged, false);
	row.action = update_action(newinfo, oldalignednulls, newrow.nulls);
	/* a soft delete logs the whole row as it was, so that nothing is lost */
	row.old_values = asd_columns_to_jsonb(newinfo, oldaligned, oldalignednulls,
										  row.action == ASD_ACTION_SOFT_DELETE ? NULL : changed,
										  false);
	row.changed_columns = construct_array(names, nchanged, TEXTOID, -1, false, TYPALIGN_INT);
	asd_write_audit_row(&row);
}

/* An UPDATE's old and new row, from their tuples. */
static void
audit_update(AsdRelInfo *oldinfo, HeapTuple oldtuple, TupleDesc olddesc,
			 AsdRelInfo *newinfo, HeapTuple newtuple, TupleDesc newdesc)
{
	RowValues	oldrow,
				newrow;

	deform_row(oldtuple, olddesc, &oldrow);
	deform_row(newtuple, newdesc, &newrow);
	audit_update_values(oldinfo, oldrow, newinfo, newrow);
}

/* Log an INSERT or a DELETE: the whole row. */
static void
audit_whole_row(AsdRelInfo *info, AsdAuditAction action, HeapTuple tuple,
				TupleDesc tupdesc)
{
	RowValues	r;
	AsdAuditRow row = {0};
	Jsonb	   *values;
	bool	   *include = NULL;

	deform_row(tuple, tupdesc, &r);
	/* an INSERT leaves out the stamps its audit row implies; a DELETE keeps all */
	if (action == ASD_ACTION_INSERT)
	{
		bool	   *implied = palloc0(info->natts * sizeof(bool));

		row.implies_stamps = asd_implied_stamps(info, NULL, r.values, r.nulls, implied);
		if (row.implies_stamps)
		{
			int			i;

			include = palloc(info->natts * sizeof(bool));
			for (i = 0; i < info->natts; i++)
				include[i] = !implied[i];
		}
	}
	values = asd_columns_to_jsonb(info, r.values, r.nulls, include, false);

	row.info = info;
	row.action = action;
	row.row_pk = asd_columns_to_jsonb(info, r.values, r.nulls, NULL, true);
	row.old_values = (action == ASD_ACTION_INSERT) ? NULL : values;
	row.new_values = (action == ASD_ACTION_INSERT) ? values : NULL;
	row.changed_columns = NULL;
	asd_write_audit_row(&row);
}

/*
 * asd_audit_delete
 *		Log the DELETE of a row of a table whose audit trigger is off: a
 *		physical delete is recorded whatever the table's options.
 */
void
asd_audit_delete(AsdRelInfo *info, HeapTuple tuple, TupleDesc tupdesc)
{
	audit_whole_row(info, ASD_ACTION_DELETE, tuple, tupdesc);
}

/*
 * asd_audit_update
 *		What the audit trigger writes for an UPDATE of a row, given as its
 *		old and new values, for a caller that runs the trigger's work itself
 *		(mark_deleted.c) while no moved row is held.
 */
void
asd_audit_update(AsdRelInfo *info, Datum *oldvalues, bool *oldnulls,
				 Datum *newvalues, bool *newnulls)
{
	RowValues	oldrow = {oldvalues, oldnulls};
	RowValues	newrow = {newvalues, newnulls};

	Assert(!asd_moved_rows_held());
	audit_update_values(info, oldrow, info, newrow);
}

/* Log a moved row and its INSERT as one UPDATE; frees moved. */
static void
audit_move(AsdMovedRow *moved, AsdRelInfo *info, Relation rel,
		   HeapTuple newtuple)
{
	Relation	source = relation_open(moved->source_relid, AccessShareLock);

	audit_update(asd_get_relinfo(source), moved->oldtuple, RelationGetDescr(source),
				 info, newtuple, RelationGetDescr(rel));
	relation_close(source, AccessShareLock);
	asd_free_moved_row(moved);
}

/* Log a moved row whose INSERT never came as a DELETE; frees moved. */
static void
audit_unpaired_move(AsdMovedRow *moved)
{
	Relation	source;

	if (moved == NULL)
		return;
	source = relation_open(moved->source_relid, AccessShareLock);
	audit_whole_row(asd_get_relinfo(source), ASD_ACTION_DELETE, moved->oldtuple,
					RelationGetDescr(source));
	relation_close(source, AccessShareLock);
	asd_free_moved_row(moved);
}

/*
 * After a command's AFTER triggers have run, a row it moved that is still
 * held saw no INSERT.  Only commands that can update take command ids of
 * their own (a plain SELECT's output command id means nothing).
 */
static void
audit_executor_finish(QueryDesc *queryDesc)
{
	CommandId	cid = queryDesc->estate->es_output_cid;
	bool		writes = queryDesc->operation != CMD_SELECT ||
		queryDesc->plannedstmt->hasModifyingCTE;
	uint64		outer_finish;

	asd_audit_logs_keep_enter();
	outer_finish = asd_finish_begin();
	PG_TRY();
	{
		if (prev_executor_finish)
			prev_executor_finish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_CATCH();
	{
		asd_finish_end(outer_finish);
		asd_audit_logs_keep_exit(true);
		PG_RE_THROW();
	}
	PG_END_TRY();
	asd_finish_end(outer_finish);
	asd_audit_logs_keep_exit(false);

	if (writes && asd_moved_rows_held())
	{
		AsdMovedRow *moved;

		while ((moved = asd_take_command_row(cid)) != NULL)
			audit_unpaired_move(moved);
	}
}

/*
 * The transaction is about to commit: a row still held is logged now.
 * Only a command that ran without the hook above leaves one: the first of
 * a session, when its own AFTER triggers loaded this library.  No row is
 * ever dropped without its audit row.
 */
static void
audit_xact_callback(XactEvent event, void *arg)
{
	AsdMovedRow *moved;

	if ((event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PRE_PREPARE) ||
		!asd_moved_rows_held())
		return;
	PushActiveSnapshot(GetTransactionSnapshot());
	while ((moved = asd_take_any_moved_row()) != NULL)
		audit_unpaired_move(moved);
	PopActiveSnapshot();
}

void
asd_audit_init(void)
{
	prev_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = audit_executor_finish;
	RegisterXactCallback(audit_xact_callback, NULL);
}

/*
 * audit_trigger
 *		Write the audit row of one changed row.
 *
 *	CREATE TRIGGER audit_softdelete_audit
 *		AFTER INSERT OR UPDATE OR DELETE ON tbl
 *		FOR EACH ROW EXECUTE FUNCTION audit_softdelete.audit_trigger();
 */
Datum
asd_audit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	rel;
	TupleDesc	tupdesc;
	AsdRelInfo *info;
	TriggerEvent event;

	trigdata = asd_check_row_trigger(fcinfo, "audit_trigger", false,
									 true, true, true);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	event = trigdata->tg_event;

	info = asd_get_relinfo(rel);
	asd_require_feature(trigdata, "audit_trigger", info->tracked && info->audit,
						"auditing");

	/*
	 * A moved row's DELETE waits for its INSERT; any other event of the same
	 * command ends the wait (row_movement.c).
	 */
	if (asd_moved_rows_held())
	{
		AsdMovedRow *moved;

		if (TRIGGER_FIRED_BY_INSERT(event) &&
			(moved = asd_take_moved_row(info, rel, trigdata->tg_trigtuple)) != NULL)
		{
			audit_move(moved, info, rel, trigdata->tg_trigtuple);
			return PointerGetDatum(NULL);
		}
		audit_unpaired_move(asd_take_unpaired_row(trigdata));
	}
	if (TRIGGER_FIRED_BY_DELETE(event) &&
		asd_hold_moved_row(info, rel, trigdata->tg_trigtuple))
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_INSERT(event))
		audit_whole_row(info, ASD_ACTION_INSERT, trigdata->tg_trigtuple, tupdesc);
	else if (TRIGGER_FIRED_BY_DELETE(event))
	{
		audit_whole_row(info, ASD_ACTION_DELETE, trigdata->tg_trigtuple, tupdesc);
		if (asd_purging(info))
			asd_purge_row_recorded();
	}
	else
		audit_update(info, trigdata->tg_trigtuple, tupdesc,
					 info, trigdata->tg_newtuple, tupdesc);

	return PointerGetDatum(NULL);
}

/*
 * audit_truncate_trigger
 *		Write one TRUNCATE row per statement.
 *
 *	CREATE TRIGGER audit_softdelete_audit_truncate
 *		AFTER TRUNCATE ON tbl
 *		FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.audit_truncate_trigger();
 */
/*
 * The tables whose TRUNCATE has been logged in this transaction, each with
 * the TRUNCATE statement that did it (statement.c numbers them).  TRUNCATE
 * of a partitioned table truncates (and fires the triggers of) every
 * partition below it, after it: a partition whose ancestor was logged by
 * the same statement writes nothing more.  A statement run in between by a
 * user's trigger (a TRUNCATE of another table) has its own number, and the
 * outer one's entries stay.
 */
typedef struct TruncateLogged
{
	uint64		statement;
	Oid			relid;
} TruncateLogged;

static LocalTransactionId truncated_lxid = InvalidLocalTransactionId;
static TruncateLogged *truncated = NULL;	/* in TopMemoryContext */
static int	ntruncated = 0;
static int	truncated_size = 0;

/* Is rel covered by a TRUNCATE already logged in this statement?  Notes it. */
static bool
truncate_already_logged(Relation rel)
{
	uint64		statement = asd_current_utility();
	bool		covered = false;

	if (truncated_lxid != MyProc->lxid)
	{
		ntruncated = 0;
		truncated_lxid = MyProc->lxid;
	}
	if (rel->rd_rel->relispartition)
	{
		List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));
		ListCell   *lc;
		int			i;

		foreach(lc, ancestors)
		{
			for (i = 0; i < ntruncated; i++)
				if (truncated[i].statement == statement &&
					truncated[i].relid == lfirst_oid(lc))
					covered = true;
		}
	}
	if (ntruncated == truncated_size)
	{
		truncated_size = truncated_size == 0 ? 16 : truncated_size * 2;
		truncated = truncated == NULL ?
			MemoryContextAlloc(TopMemoryContext, truncated_size * sizeof(TruncateLogged)) :
			repalloc(truncated, truncated_size * sizeof(TruncateLogged));
	}
	truncated[ntruncated].statement = statement;
	truncated[ntruncated].relid = RelationGetRelid(rel);
	ntruncated++;
	return covered;
}

Datum
asd_audit_truncate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	rel;
	AsdRelInfo *info;
	AsdAuditRow row = {0};

	trigdata = asd_trigger_call(fcinfo, "audit_truncate_trigger");
	if (!TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired AFTER TRUNCATE",
						"audit_truncate_trigger"),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	rel = trigdata->tg_relation;
	info = asd_get_relinfo(rel);
	asd_require_feature(trigdata, "audit_truncate_trigger",
						info->tracked && info->audit, "auditing");

	if (truncate_already_logged(rel))
		return PointerGetDatum(NULL);	/* part of its table's TRUNCATE */
	/* a partition truncated on its own: the row names the partition */
	if (rel->rd_rel->relispartition)
		row.named_table = rel;

	row.info = info;
	row.action = ASD_ACTION_TRUNCATE;
	row.row_pk = NULL;
	row.old_values = NULL;
	row.new_values = NULL;
	row.changed_columns = NULL;
	asd_write_audit_row(&row);

	return PointerGetDatum(NULL);
}
