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
	TupleDesc	tupdesc;
	AsdRelInfo *info;
	HeapTuple	oldtuple = NULL;
	HeapTuple	newtuple;
	bool		stamp_now;
	int			cols[ASD_NUM_STAMP_ROLES];
	Datum		values[ASD_NUM_STAMP_ROLES];
	bool		nulls[ASD_NUM_STAMP_ROLES];
	int			ncols = 0;
	const char *actor = NULL;
	int			role;

	trigdata = asd_check_row_trigger(fcinfo, "stamp_trigger", true,
									 true, true, false);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);

	info = asd_get_relinfo(rel);
	asd_require_feature(trigdata, "stamp_trigger", info->tracked && info->stamps,
						"stamps");

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		newtuple = trigdata->tg_trigtuple;
		/* a row moved by an UPDATE was stamped by that UPDATE already */
		if (rel->rd_rel->relispartition &&
			asd_is_moved_row(info, rel, newtuple))
			return PointerGetDatum(newtuple);
		stamp_now = true;
	}
	else
	{
		oldtuple = trigdata->tg_trigtuple;
		newtuple = trigdata->tg_newtuple;
		stamp_now = content_changed(info, tupdesc, oldtuple, newtuple);
	}

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
	return PointerGetDatum(newtuple);
}
