/*-------------------------------------------------------------------------
 *
 * softdelete.c
 *	  BEFORE DELETE row trigger: DELETE becomes a soft delete.
 *
 * The trigger marks the row (deleted_at = the transaction's start time,
 * deleted_by = the actor) with an UPDATE of that very row version, then
 * skips the physical delete.  Because the marking is a real UPDATE, the
 * stamping trigger stamps it and the audit trigger logs it, as SOFT_DELETE
 * (see asd_is_soft_delete).  A row that is already deleted is left alone.
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
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(asd_soft_delete_trigger);
PG_FUNCTION_INFO_V1(asd_truncate_guard_trigger);

/*
 * asd_is_soft_delete
 *		Is this change of a row (old and new values, numbered alike) a soft
 *		delete, or with *restore set, a restore?
 */
bool
asd_is_soft_delete(AsdRelInfo *info, Datum *oldvalues, bool *oldnulls,
				   Datum *newvalues, bool *newnulls, bool *restore)
{
	AttrNumber	attnum = info->roles[ASD_DELETED_AT].attnum;

	*restore = false;
	if (info->soft_delete == ASD_SOFT_DELETE_OFF || attnum == InvalidAttrNumber)
		return false;
	if (oldnulls[attnum - 1] && !newnulls[attnum - 1])
		return true;
	*restore = (!oldnulls[attnum - 1] && newnulls[attnum - 1]);
	return false;
}

/*
 * Mark one row version as deleted: UPDATE ONLY rel SET deleted_at = now,
 * deleted_by = actor WHERE ctid = the row's.  The plan is kept per
 * relation.  It runs as the table's owner, as PostgreSQL runs its own
 * foreign-key actions: deleting a row needs the DELETE privilege, not
 * UPDATE.
 */
static void
mark_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	AsdRoleColumn *at = &info->roles[ASD_DELETED_AT];
	AsdRoleColumn *by = &info->roles[ASD_DELETED_BY];
	Datum		args[3];
	Oid			save_userid;
	int			save_sec;
	int			rc;

	args[0] = asd_time_datum(at);
	args[1] = asd_actor_datum(asd_current_actor(), by, rel);
	args[2] = PointerGetDatum(&tuple->t_self);

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (info->mark_plan == NULL)
	{
		Oid			argtypes[3] = {at->typid, by->typid, TIDOID};
		char	   *query;
		SPIPlanPtr	plan;

		query = psprintf("UPDATE ONLY %s SET %s = $1, %s = $2 WHERE ctid OPERATOR(pg_catalog.=) $3",
						 info->qualified_name,
						 quote_identifier(at->attname),
						 quote_identifier(by->attname));
		plan = SPI_prepare(query, 3, argtypes);
		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", query,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		info->mark_plan = plan;
	}

	rc = SPI_execute_plan(info->mark_plan, args, NULL, false, 0);
	/* a rule on the table can turn the UPDATE into something else */
	if (rc != SPI_OK_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not soft-delete a row of table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("A rule on the table replaced the UPDATE that marks the row deleted."),
				 errhint("A soft delete is an UPDATE of deleted_at and deleted_by; drop or change that rule.")));
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not soft-delete a row of table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("The UPDATE that marks it deleted changed no row: a BEFORE UPDATE trigger or a row-level security policy for UPDATE refused it."),
				 errhint("A soft delete is an UPDATE of deleted_at and deleted_by; let those through.")));

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);
	asd_soft_delete_count++;
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
	AttrNumber	deleted_at;

	trigdata = asd_check_row_trigger(fcinfo, "soft_delete_trigger", true,
									 false, true, true);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	oldtuple = trigdata->tg_trigtuple;

	info = asd_get_relinfo(rel);
	if (!info->tracked || info->soft_delete == ASD_SOFT_DELETE_OFF)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not enabled for soft delete",
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" calls audit_softdelete.soft_delete_trigger(), but audit_softdelete.tracked_tables does not enable soft delete for the table.",
						   trigdata->tg_trigger->tgname),
				 errhint("Drop the trigger and call audit_softdelete.enable() instead.")));

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		if (rel->rd_rel->relispartition)
			asd_remember_updated_row(rel, oldtuple);
		return PointerGetDatum(trigdata->tg_newtuple);
	}

	/* the first half of a move to another partition: no delete at all */
	if (rel->rd_rel->relispartition && asd_is_moving_row(rel, oldtuple))
		return PointerGetDatum(oldtuple);

	if (asd_hard_delete || asd_purging(info) ||
		asd_parent_physically_deleted(info, rel, oldtuple))
	{
		/* without the audit trigger, record it here: nothing is lost */
		if (!info->audit)
			asd_audit_whole_row(info, "DELETE", oldtuple, tupdesc);
		return PointerGetDatum(oldtuple);
	}

	deleted_at = info->roles[ASD_DELETED_AT].attnum;
	if (!heap_attisnull(oldtuple, deleted_at, tupdesc))
		return PointerGetDatum(NULL);	/* deleted already: nothing to do */

	mark_deleted(info, rel, oldtuple);
	asd_record_cascade(info, rel, oldtuple);
	asd_cascade_soft_delete(info, rel, oldtuple);

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

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"truncate_guard_trigger")));
	trigdata = (TriggerData *) fcinfo->context;
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
