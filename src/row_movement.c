/*-------------------------------------------------------------------------
 *
 * row_movement.c
 *	  Recognise the INSERT half of an UPDATE that moves a row to another
 *	  partition.
 *
 * PostgreSQL runs such an UPDATE as BEFORE UPDATE triggers on the source
 * partition, a DELETE there, and BEFORE INSERT triggers on the destination,
 * and tells the triggers nothing about it.  Taken at face value the INSERT
 * would stamp created_at and created_by anew.  So the BEFORE UPDATE trigger
 * of a partition remembers the created_* values it kept, for the current
 * command of the current transaction, and a BEFORE INSERT into the same
 * partitioned table in that same command, carrying exactly those values, is
 * that row arriving in its new partition.
 *
 * IDENTIFICATION
 *	  src/row_movement.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/datum.h"
#include "utils/memutils.h"

typedef struct PendingMove
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	Oid			tracked_relid;	/* the enabled partitioned table */
	bool		isnull[2];		/* created_at, created_by */
	Datum		values[2];		/* copies in TopTransactionContext */
} PendingMove;

static PendingMove pending = {false};

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
	pending.cid = GetCurrentCommandId(false);
	pending.tracked_relid = info->tracked_relid;

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
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
		pending.cid != GetCurrentCommandId(false) ||
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
