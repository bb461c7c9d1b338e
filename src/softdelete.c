/*-------------------------------------------------------------------------
 *
 * softdelete.c
 *	  BEFORE DELETE row trigger: DELETE becomes a soft delete.
 *
 * The trigger marks the row (deleted_at = the transaction's start time,
 * deleted_by = the actor) with an UPDATE of that very row version
 * (mark_deleted.c), then skips the physical delete.  Because the marking is a real UPDATE, the
 * stamping trigger stamps it and the audit trigger logs it, as SOFT_DELETE
 * (audit.c tells it from other UPDATEs).  A row that is already deleted is
 * left alone.
 *
 * A DELETE that viewmode.c runs for a row of a live view learns from
 * asd_delete_row() whether its row was deleted (see there), and deletes it
 * only if it is still the row the DELETE through the view read.
 *
 * A delete goes through physically, and is recorded in audit_logs, when:
 *	- it is the DELETE half of an UPDATE moving the row to another
 *	  partition (no delete at all);
 *	- audit_softdelete.hard_delete is on (superuser only), or purge() is
 *	  removing old deleted rows;
 *	- the row's parent was physically deleted and the foreign key cascades
 *	  (cascade.c): the child must not outlive its parent.
 *
 * IDENTIFICATION
 *	  src/softdelete.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "utils/fmgroids.h"

#include "audit.h"
#include "cascade.h"
#include "mark_deleted.h"
#include "owner.h"
#include "relinfo.h"
#include "row_movement.h"
#include "rowjson.h"
#include "softdelete.h"
#include "call_check.h"

PG_FUNCTION_INFO_V1(asd_soft_delete_trigger);
PG_FUNCTION_INFO_V1(asd_truncate_guard_trigger);

/*
 * The DELETE that asd_delete_row() is running, and what became of its row.
 * A physical delete shows in SPI_processed, but a soft delete is a BEFORE
 * trigger skipping the delete, which the executor reports to nobody: the
 * trigger answers here instead.  The DELETE's own row fires its triggers
 * one level below asd_delete_row()'s caller; soft deletes further down (a
 * cascade, a DELETE in a trigger of yours) are not its row's.  A nested
 * asd_delete_row() has a request of its own.
 *
 * The row as the statement through the live view read it comes along: the
 * DELETE finds the row by its key only, and a row another transaction
 * changed meanwhile (the DELETE waited for it) may no longer meet the
 * conditions of that statement, which only PostgreSQL could check again.
 */
typedef struct DeleteRequest
{
	Oid			table;			/* the enabled table the DELETE is on */
	int			depth;			/* trigger depth of its row triggers */
	HeapTuple	seen;			/* the row as the view's statement read it */
	TupleDesc	seen_desc;		/* the view's row type */
	const char *view_name;		/* the live view, for the error */
	bool		marked;			/* the answer: its row was soft-deleted */
} DeleteRequest;

static DeleteRequest *delete_request = NULL;

/* pg_trigger_depth(): how many triggers are running, nested, now */
static int
trigger_depth(void)
{
	return DatumGetInt32(OidFunctionCall0(F_PG_TRIGGER_DEPTH));
}

/*
 * asd_delete_row
 *		Run a prepared DELETE of one row of an enabled table (viewmode.c's,
 *		in its SPI connection) and say whether the row was deleted, softly
 *		or physically.  seen is the row as the statement on the view
 *		read it (of type seen_desc, the view's), which the row deleted must
 *		still be.
 */
bool
asd_delete_row(Oid table, SPIPlanPtr plan, Datum *values,
			   HeapTuple seen, TupleDesc seen_desc, const char *view_name)
{
	DeleteRequest request;
	DeleteRequest *outer = delete_request;

	request.table = table;
	request.depth = trigger_depth() + 1;
	request.seen = seen;
	request.seen_desc = seen_desc;
	request.view_name = view_name;
	request.marked = false;
	delete_request = &request;
	PG_TRY();
	{
		asd_spi_run_plan(plan, values, NULL, 0, 0);
	}
	PG_FINALLY();
	{
		delete_request = outer;
	}
	PG_END_TRY();

	return request.marked || SPI_processed > 0;
}

/*
 * Is this row, which the DELETE of a request is about to delete, not the
 * row the statement on the live view read?  When another transaction
 * changed it after the statement began, the DELETE waited for that
 * transaction and found the row's new version by its key.  A DELETE on a
 * table checks its WHERE again on such a version (an optimistic lock's
 * "AND lock_version = 3" then deletes nothing); the DELETE through the
 * view cannot, as PostgreSQL does not check a view's INSTEAD OF DELETE
 * rows again.  A version this transaction wrote (a trigger of the same
 * statement) is not such a change, nor one whose values are all the same.
 */
static bool
changed_since_read(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	DeleteRequest *request = delete_request;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	if (request->seen == NULL ||
		TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data)))
		return false;
	for (i = 0; i < request->seen_desc->natts; i++)
	{
		Form_pg_attribute seen_att = TupleDescAttr(request->seen_desc, i);
		Datum		seen_value;
		Datum		value;
		bool		seen_null;
		bool		isnull;
		int			j;

		if (seen_att->attisdropped)
			continue;
		for (j = 0; j < info->natts; j++)
		{
			if (info->columns[j].name != NULL &&
				strcmp(info->columns[j].name, NameStr(seen_att->attname)) == 0)
				break;
		}
		if (j == info->natts)
			continue;
		seen_value = heap_getattr(request->seen, i + 1, request->seen_desc, &seen_null);
		value = heap_getattr(tuple, j + 1, tupdesc, &isnull);
		if (asd_column_changed(&info->columns[j], seen_value, seen_null,
							   value, isnull, info->cxt))
			return true;
	}
	return false;
}

/*
 * Mark a row deleted, unless it is already, and apply the foreign keys to
 * it.  Returns whether it marked the row.
 */
static bool
soft_delete_row(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	if (!heap_attisnull(tuple, info->roles[ASD_DELETED_AT].attnum,
						RelationGetDescr(rel)))
		return false;			/* deleted already: nothing to do */

	asd_mark_deleted(info, rel, tuple);
	asd_record_cascade(info, rel, tuple);
	asd_cascade_soft_delete(info, rel, tuple);
	return true;
}

/*
 * soft_delete_trigger
 *		Turn the DELETE of a row into a soft delete.
 *
 *	CREATE TRIGGER audit_softdelete_soft_delete
 *		BEFORE DELETE ON tbl
 *		FOR EACH ROW EXECUTE FUNCTION audit_softdelete.soft_delete_trigger();
 *
 * On a partitioned table the trigger is BEFORE UPDATE OR DELETE: the
 * UPDATE side only notes the row, to recognise its move between
 * partitions.
 */
Datum
asd_soft_delete_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	rel;
	TupleDesc	tupdesc;
	AsdRelInfo *info;
	HeapTuple	oldtuple;
	bool		requested;

	trigdata = asd_check_row_trigger(fcinfo, "soft_delete_trigger", true,
									 false, true, true);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	oldtuple = trigdata->tg_trigtuple;

	info = asd_get_relinfo(rel);
	asd_require_feature(trigdata, "soft_delete_trigger",
						info->tracked && info->soft_delete != ASD_SOFT_DELETE_OFF,
						"soft delete");

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		if (rel->rd_rel->relispartition)
			asd_remember_updated_row(rel, oldtuple);
		return PointerGetDatum(trigdata->tg_newtuple);
	}

	/* the first half of a move to another partition: no delete at all */
	if (rel->rd_rel->relispartition && asd_is_moving_row(rel, oldtuple))
		return PointerGetDatum(oldtuple);

	/* the row of a DELETE through a live view (asd_delete_row) */
	requested = delete_request != NULL &&
		delete_request->table == info->tracked_relid &&
		delete_request->depth == trigger_depth();
	if (requested)
	{
		/* deleted meanwhile: no longer in the view, nothing to delete */
		if (!heap_attisnull(oldtuple, info->roles[ASD_DELETED_AT].attnum, tupdesc))
			return PointerGetDatum(NULL);
		if (changed_since_read(info, rel, oldtuple))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update"),
					 errdetail("Another transaction changed a row of view \"%s\" after this DELETE read it, "
							   "and a DELETE through the view cannot check its conditions again on the new version.",
							   delete_request->view_name),
					 errhint("Retry the transaction.")));
	}

	if (asd_hard_delete || asd_purging(info) ||
		asd_parent_physically_deleted(info, rel, oldtuple))
	{
		if (asd_purging(info))
			asd_purge_row_removed();
		/* without the audit trigger, record it here: nothing is lost */
		if (!info->audit)
			asd_audit_delete(info, oldtuple, tupdesc);
		return PointerGetDatum(oldtuple);
	}

	if (soft_delete_row(info, rel, oldtuple) && requested)
		delete_request->marked = true;

	return PointerGetDatum(NULL);
}

/*
 * truncate_guard_trigger
 *		Refuse TRUNCATE of a soft-delete table unless hard_delete is on.
 *
 *	CREATE TRIGGER audit_softdelete_soft_delete_truncate
 *		BEFORE TRUNCATE ON tbl
 *		FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.truncate_guard_trigger();
 */
Datum
asd_truncate_guard_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	const char *relname;

	trigdata = asd_trigger_call(fcinfo, "truncate_guard_trigger");
	if (!TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired for TRUNCATE",
						"truncate_guard_trigger"),
				 errhint("Drop the trigger and call audit_softdelete.enable() to create the right ones.")));

	if (asd_hard_delete)
		return PointerGetDatum(NULL);

	relname = RelationGetRelationName(trigdata->tg_relation);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot truncate soft-delete table \"%s\"", relname),
			 errdetail("TRUNCATE would physically remove its deleted rows along with the live ones."),
			 errhint("Remove old deleted rows with audit_softdelete.purge(). "
					 "A superuser can allow it with SET audit_softdelete.hard_delete = on.")));
	return PointerGetDatum(NULL);
}
