/*-------------------------------------------------------------------------
 *
 * row_movement.c
 *	  Recognise an UPDATE that moves a row to another partition, which
 *	  PostgreSQL runs as a DELETE and an INSERT.
 *
 * The BEFORE side (for the stamps) comes first, the AFTER side (for the
 * audit trail) below.
 *
 * PostgreSQL runs such an UPDATE as BEFORE UPDATE triggers on the source
 * partition, a DELETE there, and BEFORE INSERT triggers on the destination,
 * and tells the triggers nothing about it.  Taken at face value the DELETE
 * would be soft-deleted and the INSERT stamped as new.  All three fire while
 * the executor works on that one row, and all three run in its per-tuple
 * memory context, which it resets before the next row (also before another
 * ModifyTable of the same statement, a writable CTE, takes its turn).  So
 * the BEFORE UPDATE triggers of a partition note the row, keyed by that
 * context, and a reset callback forgets the note: a note found later is
 * always the same row's move.  A user's trigger that runs another UPDATE in
 * between does so in an executor of its own, with its own context; there
 * is one note per row in progress, however deeply such UPDATEs nest.
 *
 * This file only recognises the halves of a move (and holds the first
 * half of one until the second comes): what the triggers do about it (keep
 * the stamps, skip the soft delete, log one UPDATE) is theirs to do.
 *
 * IDENTIFICATION
 *	  src/row_movement.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "lib/ilist.h"
#include "utils/datum.h"
#include "catalog/pg_am.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "row_movement.h"

/*
 * One row being updated: what its BEFORE UPDATE triggers noted.  Lives in
 * the executor's per-tuple context, and is in the list below until that
 * context is reset.
 */
typedef struct RowInProgress
{
	dlist_node	node;			/* in in_progress */
	MemoryContext cxt;			/* the per-tuple context */
	MemoryContextCallback forget;

	/* by the soft-delete trigger: the row version updated */
	bool		updated;
	Oid			relid;
	ItemPointerData tid;

	/* by the stamp trigger: the created_* values it kept, and the old row */
	bool		stamped;
	Oid			tracked_relid;
	Oid			source_relid;
	ItemPointerData source_tid;
	bool		isnull[2];
	Datum		values[2];
} RowInProgress;

/*
 * The rows in progress, innermost first: one per executor nesting level
 * that is updating a row of a partition.
 */
static dlist_head in_progress = DLIST_STATIC_INIT(in_progress);

static const AsdColumnRole kept_roles[2] = {ASD_CREATED_AT, ASD_CREATED_BY};

static void
forget_row(void *arg)
{
	RowInProgress *row = (RowInProgress *) arg;

	dlist_delete(&row->node);
}

/* The note for the row the calling trigger fires for, if any. */
static RowInProgress *
current_row(void)
{
	dlist_iter	iter;

	dlist_foreach(iter, &in_progress)
	{
		RowInProgress *row = dlist_container(RowInProgress, node, iter.cur);

		if (row->cxt == CurrentMemoryContext)
			return row;
	}
	return NULL;
}

/* The note for this row, made if needed. */
static RowInProgress *
note_current_row(void)
{
	RowInProgress *row = current_row();

	if (row != NULL)
		return row;
	row = MemoryContextAllocZero(CurrentMemoryContext, sizeof(RowInProgress));
	row->cxt = CurrentMemoryContext;
	row->forget.func = forget_row;
	row->forget.arg = row;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &row->forget);
	dlist_push_head(&in_progress, &row->node);
	return row;
}

/*
 * asd_remember_partition_update
 *		Called by the BEFORE UPDATE stamp trigger of a partition with the
 *		row it returns.
 */
void
asd_remember_partition_update(AsdRelInfo *info, Relation rel,
							  HeapTuple oldtuple, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	RowInProgress *row = note_current_row();
	int			i;

	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc,
										 &row->isnull[i]);

		/* copied into the per-tuple context, which row lives in too */
		row->values[i] = row->isnull[i] ? (Datum) 0 :
			datumCopy(value, att->attbyval, att->attlen);
	}
	row->tracked_relid = info->tracked_relid;
	row->source_relid = RelationGetRelid(rel);
	row->source_tid = oldtuple->t_self;
	row->stamped = true;
}

/*
 * Has the old version of the noted row been deleted as moved to another
 * partition?  A row's move deletes it before inserting it elsewhere; an
 * INSERT fed by a writable CTE's UPDATE, in the same per-tuple context,
 * finds it updated in place or not at all.
 */
static bool
source_row_moved(RowInProgress *row)
{
	Relation	source = relation_open(row->source_relid, NoLock);
	HeapTupleData tuple;
	Buffer		buffer;
	bool		moved = false;

	/* the moved-partitions mark is the heap's: trust the note elsewhere */
	if (source->rd_rel->relam != HEAP_TABLE_AM_OID)
	{
		relation_close(source, NoLock);
		return true;
	}
	tuple.t_self = row->source_tid;
	if (heap_fetch(source, SnapshotAny, &tuple, &buffer, false))
	{
		LockBuffer(buffer, BUFFER_LOCK_SHARE);
		moved = HeapTupleHeaderIndicatesMovedPartitions(tuple.t_data);
		LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
		ReleaseBuffer(buffer);
	}
	relation_close(source, NoLock);
	return moved;
}

/*
 * asd_is_moved_row
 *		Is this BEFORE INSERT into a partition the arrival of a row that the
 *		current UPDATE moved?
 */
bool
asd_is_moved_row(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	RowInProgress *row = current_row();
	int			i;

	if (row == NULL || !row->stamped || row->tracked_relid != info->tracked_relid)
		return false;

	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		bool		isnull;
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc, &isnull);

		if (isnull != row->isnull[i])
			return false;
		if (!isnull && !datum_image_eq(value, row->values[i],
									   att->attbyval, att->attlen))
			return false;
	}
	if (!source_row_moved(row))
		return false;
	row->stamped = false;
	return true;
}

/*
 * The AFTER side.  The audit trigger sees the moved row's DELETE on the
 * source partition (its old version is marked as moved to another
 * partition), then that row's INSERT on the destination.  The old row is
 * held back here until then, and handed back as the pair's first half.
 *
 * A pair is recognised by the command that wrote it: the old version's
 * cmax is the new version's cmin.  Between the two, triggers (the user's
 * AFTER DELETE triggers on the row, the destination's BEFORE INSERT
 * triggers) may run statements of their own, with commands of their own,
 * which may move rows too: so a row is held per command, and only that
 * command's events and end release it.  A command's events come in the
 * order it wrote the rows, and it writes a moved row's INSERT right after
 * its DELETE: so once another event of the same command arrives, or the
 * command ends, a row still held will not see its INSERT (a BEFORE INSERT
 * trigger on the destination dropped it), and is handed back as the DELETE
 * it then was.  A rolled-back subtransaction takes the rows it held with
 * it, as it takes their audit rows; any row still held when the
 * transaction is about to commit is handed back then (audit.c), so none
 * is left when it ends.
 */
static dlist_head held = DLIST_STATIC_INIT(held);
static bool callbacks_registered = false;

static void
forget_held(XactEvent event, void *arg)
{
	/* the rows were in TopTransactionContext, gone with it */
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		dlist_init(&held);
}

static void
forget_held_sub(SubXactEvent event, SubTransactionId mySubid,
				SubTransactionId parentSubid, void *arg)
{
	dlist_mutable_iter iter;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	/* any held by mySubid or a subtransaction started inside it */
	dlist_foreach_modify(iter, &held)
	{
		AsdMovedRow *row = dlist_container(AsdMovedRow, node, iter.cur);

		if (row->subid < mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
			row->subid = parentSubid;
		else
		{
			dlist_delete(&row->node);
			asd_free_moved_row(row);
		}
	}
}

/* Is any moved row held? */
bool
asd_moved_rows_held(void)
{
	return !dlist_is_empty(&held);
}

/* Remove and return the row held for this command, if any. */
static AsdMovedRow *
take_held(CommandId cid)
{
	dlist_iter	iter;

	dlist_foreach(iter, &held)
	{
		AsdMovedRow *row = dlist_container(AsdMovedRow, node, iter.cur);

		if (row->cid == cid)
		{
			dlist_delete(&row->node);
			return row;
		}
	}
	return NULL;
}

/*
 * asd_hold_moved_row
 *		If this AFTER DELETE is the first half of a row moving to another
 *		partition, hold the old row and return true.  The caller has taken
 *		the command's earlier row first (asd_take_unpaired_row).
 */
bool
asd_hold_moved_row(AsdRelInfo *info, Relation rel, HeapTuple oldtuple)
{
	MemoryContext oldcxt;
	AsdMovedRow *row;

	if (!rel->rd_rel->relispartition ||
		!ItemPointerIndicatesMovedPartitions(&oldtuple->t_data->t_ctid))
		return false;

	if (!callbacks_registered)
	{
		RegisterXactCallback(forget_held, NULL);
		RegisterSubXactCallback(forget_held_sub, NULL);
		callbacks_registered = true;
	}

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	row = palloc(sizeof(AsdMovedRow));
	row->oldtuple = heap_copytuple(oldtuple);
	MemoryContextSwitchTo(oldcxt);
	row->source_relid = RelationGetRelid(rel);
	row->tracked_relid = info->tracked_relid;
	row->cid = HeapTupleHeaderGetCmax(oldtuple->t_data);
	row->subid = GetCurrentSubTransactionId();
	dlist_push_head(&held, &row->node);
	return true;
}

/*
 * asd_take_moved_row
 *		If this AFTER INSERT is the second half of a held row's move, return
 *		that row, no longer held.
 */
AsdMovedRow *
asd_take_moved_row(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	dlist_iter	iter;
	CommandId	cid;

	if (!rel->rd_rel->relispartition || rel->rd_rel->relam != HEAP_TABLE_AM_OID)
		return NULL;
	cid = HeapTupleHeaderGetCmin(newtuple->t_data);
	dlist_foreach(iter, &held)
	{
		AsdMovedRow *row = dlist_container(AsdMovedRow, node, iter.cur);

		if (row->cid == cid)
		{
			if (row->tracked_relid != info->tracked_relid)
				return NULL;
			dlist_delete(&row->node);
			return row;
		}
	}
	return NULL;
}

/*
 * asd_take_unpaired_row
 *		The row held for the command that wrote this event's row, if any,
 *		no longer held: an event of the command other than its INSERT
 *		means that the INSERT never came.  Rows of a table other than a
 *		heap carry no command id: the end of the command releases those.
 */
AsdMovedRow *
asd_take_unpaired_row(TriggerData *trigdata)
{
	Relation	rel = trigdata->tg_relation;
	TriggerEvent event = trigdata->tg_event;
	CommandId	cid;

	if (rel->rd_rel->relam != HEAP_TABLE_AM_OID)
		return NULL;
	if (TRIGGER_FIRED_BY_DELETE(event))
		cid = HeapTupleHeaderGetCmax(trigdata->tg_trigtuple->t_data);
	else if (TRIGGER_FIRED_BY_UPDATE(event))
		cid = HeapTupleHeaderGetCmin(trigdata->tg_newtuple->t_data);
	else
		cid = HeapTupleHeaderGetCmin(trigdata->tg_trigtuple->t_data);
	return take_held(cid);
}

/*
 * asd_take_command_row
 *		A row held for a command that has ended, if any, no longer held
 *		(call until NULL).
 */
AsdMovedRow *
asd_take_command_row(CommandId cid)
{
	return take_held(cid);
}

/* Any held row, no longer held; NULL when none is. */
AsdMovedRow *
asd_take_any_moved_row(void)
{
	if (dlist_is_empty(&held))
		return NULL;
	return dlist_container(AsdMovedRow, node, dlist_pop_head_node(&held));
}

void
asd_free_moved_row(AsdMovedRow *row)
{
	heap_freetuple(row->oldtuple);
	pfree(row);
}

/*
 * The soft-delete side.  The BEFORE DELETE trigger must let the DELETE half
 * of a row movement through: it is no delete at all.  The soft-delete
 * trigger of a partitioned table also fires BEFORE UPDATE, where it notes
 * the row version being updated; a BEFORE DELETE of that very row version
 * (same partition, same TID) while the row is in progress is its move.
 */
void
asd_remember_updated_row(Relation rel, HeapTuple oldtuple)
{
	RowInProgress *row = note_current_row();

	row->relid = RelationGetRelid(rel);
	row->tid = oldtuple->t_self;
	row->updated = true;
}

bool
asd_is_moving_row(Relation rel, HeapTuple oldtuple)
{
	RowInProgress *row = current_row();

	if (row == NULL || !row->updated ||
		row->relid != RelationGetRelid(rel) ||
		!ItemPointerEquals(&row->tid, &oldtuple->t_self))
		return false;
	row->updated = false;
	return true;
}
