/*-------------------------------------------------------------------------
 *
 * cascade.c
 *	  Foreign keys under soft delete: cascades, refusals, and the child of
 *	  a physically deleted parent.
 *
 * A soft delete behaves like the delete it replaces, except that nothing
 * physically goes away.  For each foreign key that references the table:
 *	- ON DELETE CASCADE into a soft-delete table: its live referencing rows
 *	  are deleted, which its own trigger turns into soft deletes (and so on
 *	  down); each is recorded in soft_delete_cascades so that restore() can
 *	  bring back exactly what went with the parent;
 *	- ON DELETE RESTRICT / NO ACTION: refused with 23503 while live
 *	  referencing rows exist (checked at once, even for NO ACTION; but a
 *	  NO ACTION key that is DEFERRABLE INITIALLY DEFERRED is checked when
 *	  the transaction commits, if the row is still deleted then, as Django
 *	  deletes a parent before the children of a nullable key);
 *	- SET NULL, SET DEFAULT, and any action into a table without soft
 *	  delete: the referencing rows are left as they are.  The parent still
 *	  exists, so they stay valid, and a restore has nothing to undo.
 * A row whose parent was physically deleted (a purge, hard_delete, or a
 * parent table without soft delete) through an ON DELETE CASCADE key is
 * deleted physically too: no orphans.
 *
 * purge() lives here as well: the other way rows physically go.
 *
 * IDENTIFICATION
 *	  src/cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "call_check.h"
#include "cascade.h"
#include "foreign_keys.h"
#include "owner.h"
#include "relinfo.h"
#include "rowjson.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_purge);

/* The soft deletes in progress, innermost last: a cascade's parents. */
typedef struct CascadeFrame
{
	int32		table_id;
	Jsonb	   *pk;
	Datum		deleted_at;		/* timestamptz */
	Oid			userid;			/* the role whose delete began the cascade */
} CascadeFrame;

static List *cascade_stack = NIL;

/*
 * The table purge() is removing rows from, if any, and the trigger depth
 * at which the row triggers of its own DELETE fire.  A DELETE of that
 * table that a trigger runs meanwhile (deeper down) is no part of the
 * purge: it soft-deletes as any other, or it would remove live rows.
 */
static Oid	purging_relid = InvalidOid;
static int	purging_depth = 0;

/*
 * purge() reports its progress in a NOTICE every this many rows, first as
 * they are removed (the BEFORE DELETE trigger sees each), then as their
 * audit rows are written (the AFTER triggers, queued until the DELETE has
 * removed them all): about a second apart at 1M rows in 13 s.  A purge of
 * fewer rows says nothing.
 */
#define PURGE_PROGRESS_ROWS 100000

static char *purging_relname = NULL;
static int64 purge_removed = 0;
static int64 purge_recorded = 0;

static SPIPlanPtr record_plan = NULL;

/*
 * The soft deletes whose check of an INITIALLY DEFERRED NO ACTION key waits
 * for the commit, in TopTransactionContext: the soft-deleted row's table,
 * the key, its values in the row, the role that deleted it, and the
 * subtransaction that did (a rollback to its savepoint takes the check
 * with it).
 */
typedef struct DeferredCheck
{
	Oid			relid;
	Oid			conoid;
	Datum		values[INDEX_MAX_KEYS];
	Oid			userid;
	SubTransactionId subid;
} DeferredCheck;

static List *deferred_checks = NIL;
static bool deferred_callbacks_registered = false;

/* pg_trigger_depth(): how many triggers are running, nested, now */
static int
trigger_depth(void)
{
	return DatumGetInt32(OidFunctionCall0(F_PG_TRIGGER_DEPTH));
}

/*
 * asd_purging
 *		Is the row trigger of info's table running now for a row of purge()'s
 *		own DELETE?
 */
bool
asd_purging(AsdRelInfo *info)
{
	return OidIsValid(purging_relid) && purging_relid == info->tracked_relid &&
		trigger_depth() == purging_depth;
}

/*
 * asd_purge_row_removed
 *		Count a row purge() removes now; report every PURGE_PROGRESS_ROWS.
 */
void
asd_purge_row_removed(void)
{
	if (++purge_removed % PURGE_PROGRESS_ROWS == 0)
		ereport(NOTICE,
				(errmsg("purge of table \"%s\": " INT64_FORMAT " rows removed so far",
						purging_relname, purge_removed)));
}

/*
 * asd_purge_row_recorded
 *		Count the audit row written for a row purge() removed; report every
 *		PURGE_PROGRESS_ROWS.
 */
void
asd_purge_row_recorded(void)
{
	if (++purge_recorded % PURGE_PROGRESS_ROWS == 0)
		ereport(NOTICE,
				(errmsg("purge of table \"%s\": " INT64_FORMAT " of " INT64_FORMAT " removed rows recorded in audit_logs",
						purging_relname, purge_recorded, purge_removed)));
}

/*
 * "$1 = x.a AND ..." over the other table's key columns, with the key's own
 * equality operators, the referenced side on the left: each operator named
 * with its schema, and each side cast to its input type where it differs,
 * so that the query means the operator the key has whatever the search
 * path and the operators of the same name; under the referenced column's
 * collation where PostgreSQL's own queries take it (see key_collate()).
 */
char *
asd_fk_condition(AsdForeignKey *fk)
{
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	for (k = 0; k < fk->nkeys; k++)
	{
		char		param[16];
		char	   *column = psprintf("x.%s", quote_identifier(fk->other_columns[k]));

		snprintf(param, sizeof(param), "$%d", k + 1);
		if (k > 0)
			appendStringInfoString(&buf, " AND ");
		if (fk->we_reference)
			generate_operator_clause(&buf, column, fk->other_types[k],
									 fk->pf_eq_oprs[k], param, fk->types[k]);
		else
			generate_operator_clause(&buf, param, fk->types[k],
									 fk->pf_eq_oprs[k], column, fk->other_types[k]);
		if (fk->collate[k] != NULL)
			appendStringInfoString(&buf, fk->collate[k]);
	}
	return buf.data;
}

/* asd_run_key_query() with the key's values (none NULL) given */
static int64
run_key_values(AsdForeignKey *fk, Datum *values,
			   const char *(*build) (AsdForeignKey *), int options)
{
	AsdSpi		spi;
	int64		processed;

	/* as PostgreSQL's own foreign-key code: FORCE ROW LEVEL SECURITY does not hide rows from it */
	asd_spi_connect_as_table_owner(&spi, fk->other_owner);
	if (fk->plan == NULL)
		fk->plan = asd_spi_prepare(build(fk), fk->nkeys, fk->types, true);
	asd_spi_run_plan(fk->plan, values, NULL, 0, options);
	processed = SPI_processed;
	asd_spi_finish(&spi);
	return processed;
}

/*
 * Run a key's query with the key values of tuple, as the other table's
 * owner (as PostgreSQL's own foreign-key actions do).  Returns the rows
 * processed, or -1 when a key value is NULL: such a row references
 * nothing.  options are asd_spi_run_plan()'s.
 */
/*
 * asd_fk_key_values
 *		The key's values in tuple, a row of rel; false when one is NULL:
 *		such a row references nothing.
 */
bool
asd_fk_key_values(AsdForeignKey *fk, Relation rel, HeapTuple tuple, Datum *values)
{
	int			k;

	for (k = 0; k < fk->nkeys; k++)
	{
		bool		isnull;

		values[k] = heap_getattr(tuple, fk->attnums[k], RelationGetDescr(rel), &isnull);
		if (isnull)
			return false;
	}
	return true;
}

int64
asd_run_key_query(AsdForeignKey *fk, Relation rel, HeapTuple tuple,
				  const char *(*build) (AsdForeignKey *), int options)
{
	Datum	   *values = palloc(sizeof(Datum) * fk->nkeys);

	if (!asd_fk_key_values(fk, rel, tuple, values))
		return -1;
	return run_key_values(fk, values, build, options);
}

/* Delete the live referencing rows: their own trigger soft-deletes them. */
static const char *
cascade_query(AsdForeignKey *fk)
{
	return psprintf("DELETE FROM %s%s x WHERE %s AND x.%s IS NULL",
					fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ", fk->other_qualified,
					asd_fk_condition(fk), quote_identifier(fk->other_deleted_at));
}

/* Is a live row still referencing?  Locked, as PostgreSQL's check does. */
static const char *
restrict_query(AsdForeignKey *fk)
{
	if (fk->other_deleted_at == NULL)
		return psprintf("SELECT 1 FROM %s%s x WHERE %s FOR KEY SHARE OF x",
						fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ", fk->other_qualified,
						asd_fk_condition(fk));
	return psprintf("SELECT 1 FROM %s%s x WHERE %s AND x.%s IS NULL FOR KEY SHARE OF x",
					fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ", fk->other_qualified,
					asd_fk_condition(fk), quote_identifier(fk->other_deleted_at));
}

/* Does the referenced parent row still physically exist? */
static const char *
parent_query(AsdForeignKey *fk)
{
	return psprintf("SELECT 1 FROM %s%s x WHERE %s",
					fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ", fk->other_qualified,
					asd_fk_condition(fk));
}

/*
 * The role that asked for this soft delete: inside a cascade, whose
 * deletes run as the owners of the tables they reach, the role whose
 * delete began it.
 */
static Oid
deleting_user(void)
{
	if (cascade_stack == NIL)
		return GetUserId();
	return ((CascadeFrame *) linitial(cascade_stack))->userid;
}

/*
 * May userid read the key's values in our table?  As PostgreSQL decides for
 * its own foreign-key errors: not under row-level security, and only with
 * SELECT on the table or on every key column.  The table is the one the
 * error names, for a partition its enabled partitioned table.
 */
static bool
key_visible(AsdForeignKey *fk, AsdRelInfo *info, Oid userid)
{
	int			k;

	if (check_enable_rls(info->tracked_relid, userid, true) == RLS_ENABLED)
		return false;
	if (pg_class_aclcheck(info->tracked_relid, userid, ACL_SELECT) == ACLCHECK_OK)
		return true;
	for (k = 0; k < fk->nkeys; k++)
	{
		if (pg_attribute_aclcheck(info->tracked_relid, fk->our_attnums[k], userid,
								  ACL_SELECT) != ACLCHECK_OK)
			return false;
	}
	return true;
}

static void
report_still_referenced(AsdForeignKey *fk, Datum *values, AsdRelInfo *info, Oid userid)
{
	StringInfoData cols;
	StringInfoData vals;
	char	   *relname;
	int			k;

	/* named as PostgreSQL's own message would: the table holding the rows */
	relname = get_rel_name(info->tracked_relid);
	if (!key_visible(fk, info, userid))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("update or delete on table \"%s\" violates foreign key constraint \"%s\" on table \"%s\"",
						relname, fk->conname, fk->other_relname),
				 errdetail("Key is still referenced from table \"%s\".",
						   fk->other_relname)));

	initStringInfo(&cols);
	initStringInfo(&vals);
	for (k = 0; k < fk->nkeys; k++)
	{
		Oid			outfunc;
		bool		varlena;

		getTypeOutputInfo(fk->types[k], &outfunc, &varlena);
		appendStringInfo(&cols, "%s%s", k > 0 ? ", " : "",
						 info->columns[fk->attnums[k] - 1].name);
		appendStringInfo(&vals, "%s%s", k > 0 ? ", " : "",
						 OidOutputFunctionCall(outfunc, values[k]));
	}
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("update or delete on table \"%s\" violates foreign key constraint \"%s\" on table \"%s\"",
					relname, fk->conname, fk->other_relname),
			 errdetail("Key (%s)=(%s) is still referenced from table \"%s\".",
					   cols.data, vals.data, fk->other_relname)));
}

/*
 * asd_bookkeeping_key
 *		A row's key as the cascade bookkeeping records it, and restore()
 *		looks for it: its primary key columns as JSON, timestamps written
 *		in UTC, intervals in the postgres style, bytea in hex, regclass
 *		(regtype, ...) values with their schema (the session that restores
 *		may not share the deleting session's TimeZone, IntervalStyle,
 *		bytea_output or search_path, and keys are matched as JSON).
 *		values and nulls are numbered as info's columns; only the key's
 *		are read.
 */
Jsonb *
asd_bookkeeping_key(AsdRelInfo *info, Datum *values, bool *nulls)
{
	int			nestlevel = NewGUCNestLevel();
	Jsonb	   *pk;

	(void) set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("IntervalStyle", "postgres", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("bytea_output", "hex", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	pk = asd_columns_to_jsonb(info, values, nulls, NULL, true);
	AtEOXact_GUC(true, nestlevel);
	return pk;
}


/*
 * Is the row with these key values still soft-deleted?  (It may have been
 * restored, or physically deleted, since; its key is unique.)  Read as the
 * table's owner, with the latest snapshot.
 */
static bool
still_deleted(AsdForeignKey *fk, Relation rel, AsdRelInfo *info, Datum *values)
{
	StringInfoData query;
	AsdSpi		spi;
	bool		deleted;
	int			k;

	initStringInfo(&query);
	appendStringInfo(&query, "SELECT 1 FROM ONLY %s x WHERE x.%s IS NOT NULL",
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)),
					 quote_identifier(info->roles[ASD_DELETED_AT].attname));
	for (k = 0; k < fk->nkeys; k++)
	{
		char		param[16];
		TypeCacheEntry *tce = lookup_type_cache(fk->types[k], TYPECACHE_EQ_OPR);

		if (!OidIsValid(tce->eq_opr))
			return true;		/* cannot tell: as before, refuse */
		snprintf(param, sizeof(param), "$%d", k + 1);
		appendStringInfoString(&query, " AND ");
		generate_operator_clause(&query,
								 psprintf("x.%s", quote_identifier(get_attname(RelationGetRelid(rel),
																				  fk->attnums[k], false))),
								 fk->types[k], tce->eq_opr, param, fk->types[k]);
	}
	asd_spi_connect_as_table_owner(&spi, rel->rd_rel->relowner);
	asd_spi_run(query.data, fk->nkeys, fk->types, values, NULL, SPI_OK_SELECT,
				ASD_SPI_LATEST | ASD_SPI_ONE_ROW);
	deleted = (SPI_processed > 0);
	asd_spi_finish(&spi);
	return deleted;
}

static void
forget_deferred_checks(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
	{
		if (deferred_checks == NIL)
			return;
		PushActiveSnapshot(GetTransactionSnapshot());
		foreach(lc, deferred_checks)
		{
			DeferredCheck *check = lfirst(lc);
			Relation	rel = try_table_open(check->relid, AccessShareLock);
			AsdRelInfo *info;
			AsdForeignKeys *fks;
			ListCell   *fc;

			if (rel == NULL)
				continue;		/* dropped since, and its keys with it */
			info = asd_get_relinfo(rel);
			fks = asd_get_foreign_keys(info, rel);
			foreach(fc, fks->referencing)
			{
				AsdForeignKey *fk = lfirst(fc);

				if (fk->conoid != check->conoid)
					continue;
				if (run_key_values(fk, check->values, restrict_query, 0) > 0 &&
					still_deleted(fk, rel, info, check->values))
					report_still_referenced(fk, check->values, info, check->userid);
			}
			table_close(rel, AccessShareLock);
		}
		PopActiveSnapshot();
		return;
	}
	/* the checks were in TopTransactionContext, gone with it */
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		deferred_checks = NIL;
}

static void
forget_deferred_checks_sub(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	/* those of mySubid or of a subtransaction started inside it */
	foreach(lc, deferred_checks)
	{
		DeferredCheck *check = lfirst(lc);

		if (check->subid < mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
			check->subid = parentSubid;
		else
			deferred_checks = foreach_delete_current(deferred_checks, lc);
	}
}

/*
 * Remember the check of an INITIALLY DEFERRED NO ACTION key for the commit:
 * PostgreSQL checks such a key then, and an application may delete the
 * referencing rows after the parent in the same transaction (Django does
 * for a nullable key).  Not followed: SET CONSTRAINTS, which PostgreSQL
 * does not let an extension read (the check still comes at the commit).
 */
static void
defer_check(AsdForeignKey *fk, Relation rel, HeapTuple tuple)
{
	Datum		values[INDEX_MAX_KEYS];
	MemoryContext oldcxt;
	DeferredCheck *check;
	int			k;

	if (!asd_fk_key_values(fk, rel, tuple, values))
		return;
	if (!deferred_callbacks_registered)
	{
		RegisterXactCallback(forget_deferred_checks, NULL);
		RegisterSubXactCallback(forget_deferred_checks_sub, NULL);
		deferred_callbacks_registered = true;
	}
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	check = palloc0(sizeof(DeferredCheck));
	check->relid = RelationGetRelid(rel);
	check->conoid = fk->conoid;
	for (k = 0; k < fk->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), fk->attnums[k] - 1);

		check->values[k] = datumCopy(values[k], att->attbyval, att->attlen);
	}
	check->userid = deleting_user();
	check->subid = GetCurrentSubTransactionId();
	deferred_checks = lappend(deferred_checks, check);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * asd_cascade_soft_delete
 *		Apply the foreign keys that reference a row just soft-deleted.
 */
void
asd_cascade_soft_delete(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	AsdForeignKeys *fks = asd_get_foreign_keys(info, rel);
	CascadeFrame *frame = NULL;
	ListCell   *lc;

	foreach(lc, fks->referencing)
	{
		AsdForeignKey *fk = lfirst(lc);

		if (fk->action == 'a' && fk->initially_deferred)
			defer_check(fk, rel, tuple);
		else if (fk->action == 'r' || fk->action == 'a')
		{
			Datum		values[INDEX_MAX_KEYS];

			if (asd_fk_key_values(fk, rel, tuple, values) &&
				run_key_values(fk, values, restrict_query, 0) > 0)
				report_still_referenced(fk, values, info, deleting_user());
		}
		else if (fk->action == 'c' && fk->other_deleted_at != NULL)
		{
			if (frame == NULL)
			{
				Datum	   *values = palloc(sizeof(Datum) * info->natts);
				bool	   *nulls = palloc(sizeof(bool) * info->natts);

				heap_deform_tuple(tuple, RelationGetDescr(rel), values, nulls);
				frame = palloc(sizeof(CascadeFrame));
				frame->table_id = info->table_id;
				frame->pk = asd_bookkeeping_key(info, values, nulls);
				frame->deleted_at = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
				frame->userid = deleting_user();
			}
			cascade_stack = lappend(cascade_stack, frame);
			PG_TRY();
			{
				asd_run_key_query(fk, rel, tuple, cascade_query, 0);
			}
			PG_FINALLY();
			{
				cascade_stack = list_delete_last(cascade_stack);
			}
			PG_END_TRY();
		}
	}
}

/*
 * asd_record_cascade
 *		If a cascade is soft-deleting this row, remember its parent.
 */
void
asd_record_cascade(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	CascadeFrame *parent;
	Datum	   *values;
	bool	   *nulls;
	Jsonb	   *pk;
	Datum		args[5];
	char		argnulls[5] = {' ', ' ', ' ', ' ', ' '};
	AsdSpi		spi;

	if (cascade_stack == NIL)
		return;
	parent = llast(cascade_stack);

	values = palloc(sizeof(Datum) * info->natts);
	nulls = palloc(sizeof(bool) * info->natts);
	heap_deform_tuple(tuple, RelationGetDescr(rel), values, nulls);
	pk = asd_bookkeeping_key(info, values, nulls);
	if (pk == NULL || parent->pk == NULL)
		return;					/* without keys there is nothing to restore by */

	args[0] = Int32GetDatum(parent->table_id);
	args[1] = JsonbPGetDatum(parent->pk);
	args[2] = Int32GetDatum(info->table_id);
	args[3] = JsonbPGetDatum(pk);
	args[4] = parent->deleted_at;

	asd_spi_connect_as_owner(&spi);
	if (record_plan == NULL)
	{
		Oid			argtypes[5] = {INT4OID, JSONBOID, INT4OID, JSONBOID, TIMESTAMPTZOID};

		record_plan = asd_spi_prepare("INSERT INTO audit_softdelete.soft_delete_cascades"
									  " (parent_table_id, parent_pk, child_table_id, child_pk, deleted_at)"
									  " VALUES ($1, $2, $3, $4, $5)",
									  5, argtypes, true);
	}
	asd_spi_run_plan(record_plan, args, argnulls, SPI_OK_INSERT, 0);
	asd_spi_finish(&spi);
}

/*
 * asd_parent_physically_deleted
 *		Is this DELETE the cascade of a parent row that is physically gone?
 *
 * Only a foreign key's action deletes a row because its parent went: the
 * query of PostgreSQL's ON DELETE CASCADE runs as the row's owner with
 * SECURITY_NOFORCE_RLS.  A row can lack its parent otherwise too: a
 * DEFERRABLE key lets a transaction point a row at no parent until it
 * commits, and that row's DELETE must not slip past the soft delete.
 */
bool
asd_parent_physically_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	AsdForeignKeys *fks = asd_get_foreign_keys(info, rel);
	ListCell   *lc;

	if (!InNoForceRLSOperation())
		return false;
	foreach(lc, fks->cascading_parents)
	{
		AsdForeignKey *fk = lfirst(lc);

		/*
		 * With the latest snapshot: a parent inserted by a transaction that
		 * committed while this one waited for the row is there.
		 */
		if (asd_run_key_query(fk, rel, tuple, parent_query,
							  ASD_SPI_LATEST | ASD_SPI_ONE_ROW) == 0)
			return true;
	}
	return false;
}

/*
 * purge(tbl regclass, older_than interval) RETURNS bigint
 *		Physically remove the rows of tbl soft-deleted longer ago than
 *		older_than; each is recorded in audit_logs first.  Runs with the
 *		caller's rights: it needs DELETE on the table.
 */
Datum
asd_purge(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Interval   *older_than;
	Relation	rel;
	AsdRelInfo *info;
	char	   *query;
	Oid			argtypes[1] = {INTERVALOID};
	Datum		args[1];
	AsdSpi		spi;
	int64		purged = 0;
	Oid			outer_relid;
	int			outer_depth;
	char	   *outer_relname;
	int64		outer_removed;
	int64		outer_recorded;

	asd_args_not_null(fcinfo, "table", "older_than", NULL);
	relid = asd_resolve_soft_delete_table(PG_GETARG_OID(0), false);
	older_than = PG_GETARG_INTERVAL_P(1);
	if (older_than->month < 0 || older_than->day < 0 || older_than->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must not be negative"),
				 errhint("Pass how long rows must have been deleted, e.g. interval '30 days'.")));

	rel = table_open(relid, AccessShareLock);
	info = asd_get_relinfo(rel);
	/* ONLY: inheritance children are tables of their own */
	query = psprintf("DELETE FROM %s%s x WHERE x.%s OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) $1)",
					 rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 info->qualified_name,
					 quote_identifier(info->roles[ASD_DELETED_AT].attname));
	table_close(rel, NoLock);

	args[0] = PG_GETARG_DATUM(1);
	/* a purge() a trigger runs during this one: the outer one goes on after */
	outer_relid = purging_relid;
	outer_depth = purging_depth;
	outer_relname = purging_relname;
	outer_removed = purge_removed;
	outer_recorded = purge_recorded;
	asd_spi_connect(&spi, InvalidOid, 0);
	purging_relid = relid;
	purging_depth = trigger_depth() + 1;
	purging_relname = get_rel_name(relid);
	purge_removed = purge_recorded = 0;
	PG_TRY();
	{
		asd_spi_run(query, 1, argtypes, args, NULL, SPI_OK_DELETE, 0);
		purged = SPI_processed;
	}
	PG_FINALLY();
	{
		purging_relid = outer_relid;
		purging_depth = outer_depth;
		purging_relname = outer_relname;
		purge_removed = outer_removed;
		purge_recorded = outer_recorded;
	}
	PG_END_TRY();
	asd_spi_finish(&spi);

	PG_RETURN_INT64(purged);
}
