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
 * executor run (statement.c), and a BEFORE INSERT into the same partitioned
 * table in that same run, carrying exactly those values, is that row
 * arriving in its new partition.  One slot per executor nesting depth: a
 * user's trigger may run another UPDATE in between.
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

/* executor runs nested deeper than this are not followed: a moved row is
 * then stamped as new, or soft deleted, rather than mistaken */
#define TRACKED_DEPTH 16

typedef struct PendingMove
{
	uint64		run;			/* executor run; 0: empty */
	Oid			tracked_relid;	/* the enabled partitioned table */
	bool		isnull[2];		/* created_at, created_by */
	Datum		values[2];		/* copies in TopMemoryContext */
	bool		byref[2];
} PendingMove;

static PendingMove pending[TRACKED_DEPTH];

static const AsdColumnRole kept_roles[2] = {ASD_CREATED_AT, ASD_CREATED_BY};

/* this run's slot in a per-depth array, or -1 when too deep or outside any */
static int
depth_slot(void)
{
	int			depth = asd_executor_depth();

	return (depth >= 1 && depth <= TRACKED_DEPTH) ? depth - 1 : -1;
}

/*
 * asd_remember_partition_update
 *		Called by the BEFORE UPDATE stamp trigger of a partition with the
 *		row it returns.
 */
void
asd_remember_partition_update(AsdRelInfo *info, Relation rel, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			slot = depth_slot();
	PendingMove *p;
	MemoryContext oldcxt;
	int			i;

	if (slot < 0)
		return;
	p = &pending[slot];
	for (i = 0; i < 2; i++)
		if (p->run != 0 && p->byref[i] && !p->isnull[i])
			pfree(DatumGetPointer(p->values[i]));
	p->run = 0;

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc,
										 &p->isnull[i]);

		p->byref[i] = !att->attbyval;
		p->values[i] = p->isnull[i] ? (Datum) 0 :
			datumCopy(value, att->attbyval, att->attlen);
	}
	MemoryContextSwitchTo(oldcxt);
	p->tracked_relid = info->tracked_relid;
	p->run = asd_current_executor_run();
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
	int			slot = depth_slot();
	PendingMove *p;
	int			i;

	if (slot < 0)
		return false;
	p = &pending[slot];
	if (p->run == 0 ||
		p->run != asd_current_executor_run() ||
		p->tracked_relid != info->tracked_relid)
		return false;

	for (i = 0; i < 2; i++)
	{
		AsdRoleColumn *col = &info->roles[kept_roles[i]];
		Form_pg_attribute att = TupleDescAttr(tupdesc, col->attnum - 1);
		bool		isnull;
		Datum		value = heap_getattr(newtuple, col->attnum, tupdesc, &isnull);

		if (isnull != p->isnull[i])
			return false;
		if (!isnull && !datum_image_eq(value, p->values[i],
									   att->attbyval, att->attlen))
			return false;
	}

	/* consumed */
	p->run = 0;
	for (i = 0; i < 2; i++)
		if (p->byref[i] && !p->isnull[i])
			pfree(DatumGetPointer(p->values[i]));
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
 * row version (same partition, same TID) in the same executor run is its
 * move.  Not the command id: a BEFORE UPDATE trigger of the user's that
 * writes through SPI advances it in between.
 */
typedef struct UpdatedRow
{
	uint64		run;			/* executor run; 0: empty */
	Oid			relid;
	ItemPointerData tid;
} UpdatedRow;

static UpdatedRow updated_rows[TRACKED_DEPTH];

void
asd_remember_updated_row(Relation rel, HeapTuple oldtuple)
{
	int			slot = depth_slot();

	if (slot < 0)
		return;
	updated_rows[slot].run = asd_current_executor_run();
	updated_rows[slot].relid = RelationGetRelid(rel);
	updated_rows[slot].tid = oldtuple->t_self;
}

bool
asd_is_moving_row(Relation rel, HeapTuple oldtuple)
{
	int			slot = depth_slot();
	UpdatedRow *row;

	if (slot < 0)
		return false;
	row = &updated_rows[slot];
	if (row->run == 0 ||
		row->run != asd_current_executor_run() ||
		row->relid != RelationGetRelid(rel) ||
		!ItemPointerEquals(&row->tid, &oldtuple->t_self))
		return false;
	row->run = 0;
	return true;
}
