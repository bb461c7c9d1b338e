/*-------------------------------------------------------------------------
 *
 * row_movement.h
 *	  Recognising a cross-partition UPDATE: see row_movement.c.
 *
 * IDENTIFICATION
 *	  src/row_movement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_ROW_MOVEMENT_H
#define ASD_ROW_MOVEMENT_H

#include "audit_softdelete.h"
#include "commands/trigger.h"
#include "lib/ilist.h"
#include "utils/rel.h"

extern void asd_remember_updated_row(Relation rel, HeapTuple oldtuple);
extern bool asd_is_moving_row(Relation rel, HeapTuple oldtuple);
extern void asd_remember_partition_update(AsdRelInfo *info, Relation rel,
										  HeapTuple oldtuple, HeapTuple newtuple);
extern bool asd_is_moved_row(AsdRelInfo *info, Relation rel,
							 HeapTuple newtuple);

/*
 * A moved row's old version, held by row_movement.c from its DELETE until
 * the INSERT that completes its move, and then handed to the audit trigger
 * (which frees it with asd_free_moved_row).
 */
typedef struct AsdMovedRow
{
	Oid			source_relid;	/* the partition it was deleted from */
	HeapTuple	oldtuple;
	/* row_movement.c's own */
	dlist_node	node;
	Oid			tracked_relid;
	CommandId	cid;			/* of the command that moved it */
	SubTransactionId subid;		/* of the subtransaction holding it */
} AsdMovedRow;

extern bool asd_moved_rows_held(void);
extern bool asd_hold_moved_row(AsdRelInfo *info, Relation rel,
							   HeapTuple oldtuple);
extern AsdMovedRow *asd_take_moved_row(AsdRelInfo *info, Relation rel,
									   HeapTuple newtuple);
extern AsdMovedRow *asd_take_unpaired_row(TriggerData *trigdata);
extern AsdMovedRow *asd_take_command_row(CommandId cid);
extern AsdMovedRow *asd_take_any_moved_row(void);
extern void asd_free_moved_row(AsdMovedRow *row);

#endif							/* ASD_ROW_MOVEMENT_H */
