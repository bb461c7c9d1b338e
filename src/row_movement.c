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
 * and tells the triggers nothing about it.  Taken at face value the INSERT
 * would stamp created_at and created_by anew.  So the BEFORE UPDATE trigger
 * of a partition remembers the created_* values it kept, for the current
 * top-level statement of the current transaction, and a BEFORE INSERT into
 * the same partitioned table in that same statement, carrying exactly those
 * values, is that row arriving in its new partition.  (Not the command id:
 * a user's trigger writing through SPI advances it in between.)
 *
 * IDENTIFICATION
 *	  src/row_movement.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/datum.h"
#include "utils/memutils.h"

typedef struct PendingMove
{
	bool		valid;
	LocalTransactionId lxid;
	TimestampTz statement;		/* the top-level statement's start */
	Oid			tracked_relid;	/* the enabled partitioned table */
	bool		isnull[2];		/* created_at, created_by */
	Datum		values[2];		/* copies in pending_cxt */
} PendingMove;

static PendingMove pending = {false};

/* Holds pending's values; reset at each remember, so it never grows. */
static MemoryContext pending_cxt = NULL;

static const AsdColumnRole kept_roles[2] = {ASD_CREATED_AT, ASD_CREATED_BY};

/*
 * asd_remember_partition_update
 *		Called by the BEFORE UPDATE stamp trigger of a partition with the
 *		row it returns.
 */
void
asd_remember_partition_update(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContext oldcxt;
	int			i;

	pending.valid = false;
	pending.lxid = MyProc->lxid;
	pending.statement = GetCurrentStatementStartTimestamp();
	pending.tracked_relid = info->tracked_relid;

	if (pending_cxt == NULL)
		pending_cxt = AllocSetContextCreate(TopMemoryContext,
											"audit_softdelete row movement",
											ALLOCSET_SMALL_SIZES);
	MemoryContextReset(pending_cxt);
	oldcxt = MemoryContextSwitchTo(pending_cxt);
	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc,
										 &pending.isnull[i]);

		pending.values[i] = pending.isnull[i] ? (Datum) 0 :
			datumCopy(value, att->attbyval, att->attlen);
	}
	MemoryContextSwitchTo(oldcxt);
	pending.valid = true;
}

/*
 * asd_is_moved_row
 *		Is this BEFORE INSERT into a partition the arrival of a row that the
 *		current UPDATE moved?  Consumes the remembered update when it is.
 */
bool
asd_is_moved_row(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	if (!pending.valid ||
		pending.lxid != MyProc->lxid ||
		pending.statement != GetCurrentStatementStartTimestamp() ||
		pending.tracked_relid != info->tracked_relid)
		return false;

	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		bool		isnull;
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc, &isnull);

		if (isnull != pending.isnull[i])
			return false;
		if (!isnull && !datum_image_eq(value, pending.values[i],
									   att->attbyval, att->attlen))
			return false;
	}

	pending.valid = false;
	return true;
}

/*
 * The AFTER side.  The audit trigger sees the moved row's DELETE on the
 * source partition (its old version is marked as moved to another
 * partition), then that row's INSERT on the destination.  It holds the old
 * row back and logs the pair as one UPDATE.  The pair is recognised by the
 * command that wrote it: the old version's cmax is the new version's cmin.
 * A held row whose INSERT never comes (a BEFORE INSERT trigger on the
 * destination dropped it) is logged as the DELETE it then was, at the end
 * of the statement at the latest.
 */
typedef struct HeldRow
{
	bool		valid;
	LocalTransactionId lxid;
	Oid			tracked_relid;
	Oid			source_relid;
	CommandId	cmax;
	HeapTuple	tuple;			/* in TopMemoryContext, freed when replaced */
} HeldRow;

static HeldRow held = {false};
static bool callbacks_registered = false;

static void
forget_on_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		held.valid = false;
}

static void
forget_on_subabort(SubXactEvent event, SubTransactionId mySubid,
				   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		held.valid = false;
}

/*
 * Log the row held for this enabled table (any, with InvalidOid) as a
 * DELETE, and hold nothing.
 */
void
asd_flush_moved_row(Oid tracked_relid)
{
	Relation	source;
	AsdRelInfo *info;

	if (!held.valid ||
		(OidIsValid(tracked_relid) && held.tracked_relid != tracked_relid))
		return;
	held.valid = false;
	if (held.lxid != MyProc->lxid)
		return;

	source = relation_open(held.source_relid, AccessShareLock);
	info = asd_get_relinfo(source);
	asd_audit_whole_row(info, "DELETE", held.tuple, RelationGetDescr(source));
	relation_close(source, AccessShareLock);
}

/*
 * asd_hold_moved_row
 *		If this AFTER DELETE is the first half of a row moving to another
 *		partition, keep the old row and return true.
 */
bool
asd_hold_moved_row(AsdRelInfo *info, Relation rel, HeapTuple oldtuple)
{
	MemoryContext oldcxt;

	if (!rel->rd_rel->relispartition ||
		!ItemPointerIndicatesMovedPartitions(&oldtuple->t_data->t_ctid))
		return false;

	if (!callbacks_registered)
	{
		RegisterXactCallback(forget_on_abort, NULL);
		RegisterSubXactCallback(forget_on_subabort, NULL);
		callbacks_registered = true;
	}
	asd_flush_moved_row(InvalidOid);

	if (held.tuple != NULL)
		heap_freetuple(held.tuple);
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	held.tuple = heap_copytuple(oldtuple);
	MemoryContextSwitchTo(oldcxt);
	held.lxid = MyProc->lxid;
	held.tracked_relid = info->tracked_relid;
	held.source_relid = RelationGetRelid(rel);
	held.cmax = HeapTupleHeaderGetCmax(oldtuple->t_data);
	held.valid = true;
	return true;
}

/*
 * asd_complete_moved_row
 *		If this AFTER INSERT is the second half of the held row's move, log
 *		the pair as one UPDATE and return true.
 */
bool
asd_complete_moved_row(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	Relation	source;
	AsdRelInfo *oldinfo;

	if (!held.valid ||
		held.lxid != MyProc->lxid ||
		held.tracked_relid != info->tracked_relid ||
		!rel->rd_rel->relispartition ||
		HeapTupleHeaderGetCmin(newtuple->t_data) != held.cmax)
		return false;

	held.valid = false;
	source = relation_open(held.source_relid, AccessShareLock);
	oldinfo = asd_get_relinfo(source);
	asd_audit_update(oldinfo, held.tuple, RelationGetDescr(source),
					 info, newtuple, RelationGetDescr(rel));
	relation_close(source, AccessShareLock);
	return true;
}

/*
 * The soft-delete side.  The BEFORE DELETE trigger must let the DELETE half
 * of a row movement through: it is no delete at all.  The soft-delete
 * trigger of a partitioned table also fires BEFORE UPDATE, where it
 * remembers the row version being updated; a BEFORE DELETE of that very
 * row version (same partition, same TID) in the same top-level statement is
 * its move.  Not the command id: a BEFORE UPDATE trigger of the user's that
 * writes through SPI advances it in between.  A few recent rows are kept,
 * for the updates that triggers run while one is in progress.
 */
#define UPDATED_ROWS 8

typedef struct UpdatedRow
{
	LocalTransactionId lxid;	/* 0: unused */
	TimestampTz statement;
	Oid			relid;
	ItemPointerData tid;
} UpdatedRow;

static UpdatedRow updated_rows[UPDATED_ROWS];
static int	next_updated_row = 0;

void
asd_remember_updated_row(Relation rel, HeapTuple oldtuple)
{
	UpdatedRow *slot = &updated_rows[next_updated_row];

	next_updated_row = (next_updated_row + 1) % UPDATED_ROWS;
	slot->lxid = MyProc->lxid;
	slot->statement = GetCurrentStatementStartTimestamp();
	slot->relid = RelationGetRelid(rel);
	slot->tid = oldtuple->t_self;
}

bool
asd_is_moving_row(Relation rel, HeapTuple oldtuple)
{
	TimestampTz statement = GetCurrentStatementStartTimestamp();
	int			i;

	for (i = 0; i < UPDATED_ROWS; i++)
	{
		UpdatedRow *slot = &updated_rows[i];

		if (slot->lxid == MyProc->lxid && slot->lxid != InvalidLocalTransactionId &&
			slot->statement == statement &&
			slot->relid == RelationGetRelid(rel) &&
			ItemPointerEquals(&slot->tid, &oldtuple->t_self))
		{
			slot->lxid = InvalidLocalTransactionId;
			return true;
		}
	}
	return false;
}
