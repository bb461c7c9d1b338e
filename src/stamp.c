/*-------------------------------------------------------------------------
 *
 * stamp.c
 *	  BEFORE INSERT OR UPDATE row trigger: created_* and updated_*.
 *
 * The time stamped is the transaction's start time, the same value now()
 * returns, so every row a transaction writes carries one time and stamps
 * agree with column defaults such as DEFAULT now().
 *
 * An UPDATE that changes no column besides the stamp columns leaves the
 * stamps as they were (as Rails does): updated_at and updated_by say when
 * and by whom the row's content last changed, and a no-op UPDATE is not a
 * change.  created_at and created_by can never be changed by an UPDATE.
 *
 * IDENTIFICATION
 *	  src/stamp.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "relinfo.h"
#include "row_movement.h"
#include "rowjson.h"
#include "stamp.h"
#include "undo.h"
#include "call_check.h"

PG_FUNCTION_INFO_V1(asd_stamp_trigger);

/*
 * content_changed
 *		Does the UPDATE change any column other than the stamp columns?
 *
 * Uses the audit trail's test of change, so that the stamps move exactly
 * when an UPDATE is worth an audit row.  Generated columns are skipped: they
 * follow from the others, and before the row is written the new tuple does
 * not hold their new value yet.
 */
static bool
content_changed(AsdRelInfo *info, TupleDesc tupdesc,
				HeapTuple oldtuple, HeapTuple newtuple)
{
	int			natts = tupdesc->natts;
	Datum	   *oldvalues = palloc(natts * sizeof(Datum));
	Datum	   *newvalues = palloc(natts * sizeof(Datum));
	bool	   *oldnulls = palloc(natts * sizeof(bool));
	bool	   *newnulls = palloc(natts * sizeof(bool));
	int			i;

	heap_deform_tuple(oldtuple, tupdesc, oldvalues, oldnulls);
	heap_deform_tuple(newtuple, tupdesc, newvalues, newnulls);

	for (i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		AsdAuditColumn *col = &info->columns[i];

		if (att->attisdropped || att->attgenerated || col->is_stamp)
			continue;
		if (asd_column_changed(col, oldvalues[i], oldnulls[i],
							   newvalues[i], newnulls[i], info->cxt))
			return true;
	}
	return false;
}

/* The transaction's start time, as the column's type wants it. */
Datum
asd_time_datum(AsdRoleColumn *col)
{
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

	if (col->basetypid == TIMESTAMPOID)
		now = DirectFunctionCall1(timestamptz_timestamp, now);
	if (col->typid != col->basetypid)
		domain_check(now, false, col->typid, NULL, NULL);
	return now;
}

/*
 * The row to write, stamped: an INSERT's (oldtuple NULL) gets every stamp
 * column; an UPDATE's keeps created_* and, unless stamp_now, updated_*.
 */
static HeapTuple
stamp_row(AsdRelInfo *info, Relation rel, HeapTuple oldtuple,
		  HeapTuple newtuple, bool stamp_now)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			cols[ASD_NUM_STAMP_ROLES];
	Datum		values[ASD_NUM_STAMP_ROLES];
	bool		nulls[ASD_NUM_STAMP_ROLES];
	int			ncols = 0;
	const char *actor = NULL;
	int			role;

	for (role = 0; role < ASD_NUM_STAMP_ROLES; role++)
	{
		AsdRoleColumn *col = &info->roles[role];
		bool		keep_old;

		if (col->attnum == InvalidAttrNumber)
			continue;

		/* created_* never change after INSERT; updated_* only with content */
		keep_old = (oldtuple != NULL) &&
			(role == ASD_CREATED_AT || role == ASD_CREATED_BY || !stamp_now);
		/* a row an undone DELETE brings back keeps when and by whom it was created */
		if (oldtuple == NULL && (role == ASD_CREATED_AT || role == ASD_CREATED_BY) &&
			OidIsValid(asd_undo_reinserting) && asd_undo_reinserting == info->tracked_relid)
			continue;

		cols[ncols] = col->attnum;
		if (keep_old)
			values[ncols] = heap_getattr(oldtuple, col->attnum, tupdesc,
										 &nulls[ncols]);
		else if (asd_role_is_actor(role))
		{
			if (actor == NULL)
				actor = asd_current_actor();
			values[ncols] = asd_actor_datum(actor, col, rel);
			nulls[ncols] = false;
		}
		else
		{
			values[ncols] = asd_time_datum(col);
			nulls[ncols] = false;
		}
		ncols++;
	}

	if (ncols > 0)
		newtuple = heap_modify_tuple_by_cols(newtuple, tupdesc, ncols,
											 cols, values, nulls);
	if (oldtuple != NULL && rel->rd_rel->relispartition)
		asd_remember_partition_update(info, rel, oldtuple, newtuple);
	return newtuple;
}

/* What the stamp trigger makes of an UPDATE of oldtuple to newtuple. */
static HeapTuple
stamp_update(AsdRelInfo *info, Relation rel, HeapTuple oldtuple,
				 HeapTuple newtuple)
{
	return stamp_row(info, rel, oldtuple, newtuple,
					 content_changed(info, RelationGetDescr(rel), oldtuple, newtuple));
}

/*
 * asd_stamp_marking
 *		Append the updated_* stamps to the columns a soft delete's marking
 *		UPDATE sets, for a caller that runs the stamp trigger's work itself
 *		(mark_deleted.c) and so writes the row once.  The marking changes
 *		deleted_at, so the trigger would stamp; created_* it would set to
 *		what the row has.  Returns the new number of columns.
 */
int
asd_stamp_marking(AsdRelInfo *info, Relation rel, int ncols, int *cols,
				  Datum *values, bool *nulls)
{
	AsdRoleColumn *at = &info->roles[ASD_UPDATED_AT];
	AsdRoleColumn *by = &info->roles[ASD_UPDATED_BY];

	if (at->attnum != InvalidAttrNumber)
	{
		cols[ncols] = at->attnum;
		values[ncols] = asd_time_datum(at);
		nulls[ncols++] = false;
	}
	if (by->attnum != InvalidAttrNumber)
	{
		cols[ncols] = by->attnum;
		values[ncols] = asd_actor_datum(asd_current_actor(), by, rel);
		nulls[ncols++] = false;
	}
	return ncols;
}

/*
 * stamp_trigger
 *		Fill the stamp columns of the row being written.
 *
 *	CREATE TRIGGER audit_softdelete_stamp
 *		BEFORE INSERT OR UPDATE ON tbl
 *		FOR EACH ROW EXECUTE FUNCTION audit_softdelete.stamp_trigger();
 */
Datum
asd_stamp_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	rel;
	AsdRelInfo *info;
	HeapTuple	newtuple;

	trigdata = asd_check_row_trigger(fcinfo, "stamp_trigger", true,
									 true, true, false);
	rel = trigdata->tg_relation;

	info = asd_get_relinfo(rel);
	asd_require_feature(trigdata, "stamp_trigger", info->tracked && info->stamps,
						"stamps");

	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		return PointerGetDatum(stamp_update(info, rel, trigdata->tg_trigtuple,
											trigdata->tg_newtuple));

	newtuple = trigdata->tg_trigtuple;
	/* a row moved by an UPDATE was stamped by that UPDATE already */
	if (rel->rd_rel->relispartition &&
		asd_is_moved_row(info, rel, newtuple))
		return PointerGetDatum(newtuple);
	return PointerGetDatum(stamp_row(info, rel, NULL, newtuple, true));
}
