/*-------------------------------------------------------------------------
 *
 * live_parent.c
 *	  A live row may not come to reference a soft-deleted row.
 *
 * A soft-deleted row still exists, so the foreign keys that reference its
 * table still find it: without this check a new row could be inserted, or
 * a row's key updated, to reference a row the application deleted, which
 * the DELETE it replaced would have refused (23503).  So every table with
 * a foreign key onto a soft-delete table gets this AFTER INSERT OR UPDATE
 * row trigger (_sync_live_parent_triggers in the upgrade script to 1.1
 * creates and drops it), and it refuses, as PostgreSQL's own check would,
 * a live row whose key names a soft-deleted row:
 *	- on INSERT, and on UPDATE when the key changed or the row, soft-deleted
 *	  itself, came back (a restore() of a child whose parent is deleted);
 *	- a key with a NULL references nothing (as MATCH SIMPLE; MATCH FULL's
 *	  half-NULL keys are PostgreSQL's own check's to refuse);
 *	- the referenced row is read as its table's owner and locked FOR KEY
 *	  SHARE, as PostgreSQL's check reads it: a soft delete holds the row
 *	  locked FOR UPDATE until it commits, so a child inserted meanwhile
 *	  waits for it and then sees the row deleted.
 * Rows left referencing a parent by its soft delete (SET NULL, SET
 * DEFAULT, a table without soft delete) stay as they are: the check is of
 * the row being written, when its key is; and when the parent's key
 * changes, ON UPDATE CASCADE changes theirs, which still names the same
 * row (followed_parent_key).  It fires after PostgreSQL's own
 * check of the same row (trigger names sort "RI_..." first), so a key
 * that names no row at all meets PostgreSQL's error, not this one.
 *
 * A statement remembers the parents it found live (and locked): its
 * further rows naming the same one skip the query while the version of
 * the row found is the row's latest, so that a bulk INSERT of the
 * children of a few parents asks once per parent.  A soft delete by
 * DELETE in another transaction waits for the lock; an UPDATE of
 * deleted_at (an application's own soft delete, revert_table_to()) does
 * not, here or in another transaction, nor does a change of the row's key:
 * each leaves that version an old one, and the next row asks again.  A
 * soft delete run here forgets them all, as does a rollback to a
 * savepoint, which releases the locks taken since.
 *
 * IDENTIFICATION
 *	  src/live_parent.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "common/hashfn.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "call_check.h"
#include "cascade.h"
#include "foreign_keys.h"
#include "live_parent.h"
#include "owner.h"
#include "relinfo.h"
#include "statement.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_live_parent_trigger);

/*
 * Is this key of the referencing table one PostgreSQL made for a partition
 * of the referenced table?  A key onto a partitioned table gets one such
 * copy per partition, on the same referencing table; the key onto the
 * partitioned table itself is the one to check.
 */
static bool
referenced_partition_copy(Form_pg_constraint con)
{
	HeapTuple	tup;
	bool		copy;

	if (!OidIsValid(con->conparentid))
		return false;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(con->conparentid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for constraint %u", con->conparentid);
	copy = ((Form_pg_constraint) GETSTRUCT(tup))->conrelid == con->conrelid;
	ReleaseSysCache(tup);
	return copy;
}

/*
 * A key of rel onto a soft-delete table, described as cascade.c's queries
 * want it, or NULL when the referenced table has no soft delete.  Its
 * columns are rel's own (a partition's copy of its partitioned table's key
 * numbers them as the partition does).
 */
static AsdForeignKey *
describe_parent_key(HeapTuple contup, AsdRelInfo *info, Relation rel)
{
	Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);
	MemoryContext cxt = info->cxt;
	TupleDesc	desc = RelationGetDescr(rel);
	AsdTableOptions opts;
	AsdForeignKey *fk;
	AttrNumber	conkey[INDEX_MAX_KEYS];
	AttrNumber	confkey[INDEX_MAX_KEYS];
	int			k;

	/* first: a change to that table from here on reaches the entry */
	asd_relinfo_depends_on(info, con->confrelid);
	if (!asd_read_table_options(con->confrelid, &opts) || !opts.enabled ||
		opts.soft_delete == ASD_SOFT_DELETE_OFF ||
		opts.column_names[ASD_DELETED_AT] == NULL)
		return NULL;

	fk = MemoryContextAllocZero(cxt, sizeof(AsdForeignKey));
	fk->conoid = con->oid;
	fk->conname = MemoryContextStrdup(cxt, NameStr(con->conname));
	fk->we_reference = true;
	fk->action = con->confdeltype;
	fk->update_action = con->confupdtype;
	fk->other_relid = con->confrelid;
	fk->other_deleted_at = MemoryContextStrdup(cxt, opts.column_names[ASD_DELETED_AT]);
	DeconstructFkConstraintRow(contup, &fk->nkeys, conkey, confkey,
							   fk->pf_eq_oprs, NULL, NULL, NULL, NULL);

	asd_describe_other_table(fk, cxt);

	for (k = 0; k < fk->nkeys; k++)
	{
		fk->our_attnums[k] = fk->attnums[k] = conkey[k];
		fk->types[k] = TupleDescAttr(desc, conkey[k] - 1)->atttypid;
		fk->other_attnums[k] = confkey[k];
		fk->other_columns[k] =
			MemoryContextStrdup(cxt, get_attname(fk->other_relid, confkey[k], false));
		fk->other_types[k] = get_atttype(fk->other_relid, confkey[k]);
	}
	return fk;
}

/*
 * The keys of rel onto soft-delete tables, loaded on first need into its
 * relinfo entry (rebuilt when either table or tracked_tables changes).
 */
static List *
parent_keys(AsdRelInfo *info, Relation rel)
{
	Relation	conrel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *keys = NIL;
	MemoryContext oldcxt;

	if (info->parent_keys_loaded)
		return info->parent_keys;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&skey, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &skey);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		AsdForeignKey *fk;

		if (con->contype != CONSTRAINT_FOREIGN || referenced_partition_copy(con))
			continue;
		fk = describe_parent_key(tup, info, rel);
		if (fk == NULL)
			continue;
		oldcxt = MemoryContextSwitchTo(info->cxt);
		keys = lappend(keys, fk);
		MemoryContextSwitchTo(oldcxt);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	info->parent_keys = keys;
	info->parent_keys_loaded = true;
	return keys;
}

/*
 * Is the referenced row there, and is it soft-deleted?  It is locked as
 * PostgreSQL's check locks it, live or not, and only then asked whether it
 * is deleted: a soft delete in progress holds it locked FOR UPDATE, so
 * this waits for it and then reads the row as it left it.  (With the test
 * in the locking scan's own WHERE, the row as the snapshot sees it, not
 * deleted yet, would be passed over unlocked: a deferred key, which
 * PostgreSQL checks only at commit, would then let the child in.)
 */
static const char *
parent_state_query(AsdForeignKey *fk)
{
	/*
	 * OFFSET 0: the planner would push the test down below the lock.  The
	 * version locked is named too: see known_live().
	 */
	return psprintf("SELECT p.deleted_at IS NOT NULL, p.tableoid, p.ctid, p.xmin"
					" FROM (SELECT x.%s AS deleted_at, x.tableoid, x.ctid, x.xmin FROM %s%s x WHERE %s"
					" FOR KEY SHARE OF x OFFSET 0) p",
					quote_identifier(fk->other_deleted_at),
					fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					fk->other_qualified, asd_fk_condition(fk));
}

typedef enum ParentState
{
	PARENT_MISSING,				/* no such row (a deferred key's, say) */
	PARENT_LIVE,
	PARENT_DELETED
} ParentState;

/* A version of a referenced row: where it is, and who wrote it. */
typedef struct ParentVersion
{
	Oid			relid;
	ItemPointerData tid;
	TransactionId xmin;
	Oid			relfilenode;	/* the table's file then (see remember_live) */
} ParentVersion;

/*
 * The referenced row of the key's values, read as its table's owner; the
 * version found (and locked) goes to *version.
 */
static ParentState
parent_state(AsdForeignKey *fk, Datum *values, ParentVersion *version)
{
	AsdSpi		spi;
	ParentState state = PARENT_MISSING;

	/* as PostgreSQL's own check: FORCE ROW LEVEL SECURITY does not hide rows from it */
	asd_spi_connect_as_table_owner(&spi, fk->other_owner);
	if (fk->plan == NULL)
		fk->plan = asd_spi_prepare(parent_state_query(fk), fk->nkeys, fk->types, true);
	asd_spi_run_plan(fk->plan, values, NULL, 0, 0);
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		deleted = SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull);

		state = DatumGetBool(deleted) ? PARENT_DELETED : PARENT_LIVE;
		version->relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 2, &isnull));
		ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 3, &isnull)),
						&version->tid);
		version->xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 4, &isnull));
	}
	asd_spi_finish(&spi);
	return state;
}

/*
 * The parents this statement found live: a hash table by constraint and
 * the hash of the key's bytes, each entry with those bytes.  Equal bytes
 * are an equal key for every type; an equal key in other bytes (numeric
 * 1.0 and 1.00) only misses it.  Made at a statement's second check, so
 * that single-row statements make none; emptied when full, by its number
 * of entries or by its size (a key may be long: a text key compressed in
 * its index may be a megabyte), since it stays until the next statement
 * checking a row.
 */
#define LIVE_PARENTS_MAX 8192
#define LIVE_PARENTS_MAX_BYTES (4 * 1024 * 1024)

typedef struct LiveParentKey
{
	Oid			conoid;
	uint32		hash;
} LiveParentKey;

typedef struct LiveParent
{
	LiveParentKey key;
	int			len;
	char	   *bytes;
	ParentVersion version;		/* the version found live, and locked */
} LiveParent;

static MemoryContext live_parents_cxt = NULL;
static HTAB *live_parents = NULL;	/* in live_parents_cxt */
static bool found_one_live = false;	/* the statement found a parent live */

/* the statement they belong to (statement.c numbers them) */
static LocalTransactionId live_parents_lxid = InvalidLocalTransactionId;
static uint64 live_parents_finish = 0;
static uint64 live_parents_utility = 0;

/*
 * asd_live_parent_forget
 *		Forget the parents found live: one of them may be deleted now.
 */
void
asd_live_parent_forget(void)
{
	if (live_parents != NULL)
	{
		MemoryContextReset(live_parents_cxt);
		live_parents = NULL;
	}
	found_one_live = false;
}

/* What is remembered is the statement's now firing its triggers. */
static void
live_parents_for_this_statement(void)
{
	if (live_parents_lxid == MyProc->lxid &&
		live_parents_finish == asd_current_finish() &&
		live_parents_utility == asd_current_utility())
		return;
	asd_live_parent_forget();
	live_parents_lxid = MyProc->lxid;
	live_parents_finish = asd_current_finish();
	live_parents_utility = asd_current_utility();
}

/* The key's values as bytes, each after its length. */
static void
key_bytes(AsdForeignKey *fk, Relation rel, Datum *values, StringInfo buf)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			k;

	for (k = 0; k < fk->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, fk->attnums[k] - 1);
		const char *data;
		int			len;

		if (att->attbyval)
		{
			data = (const char *) &values[k];
			len = sizeof(Datum);
		}
		else if (att->attlen > 0)
		{
			data = DatumGetPointer(values[k]);
			len = att->attlen;
		}
		else if (att->attlen == -1)
		{
			struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(values[k]));

			data = VARDATA_ANY(v);
			len = VARSIZE_ANY_EXHDR(v);
		}
		else
		{
			data = DatumGetCString(values[k]);
			len = strlen(data);
		}
		appendBinaryStringInfo(buf, (const char *) &len, sizeof(len));
		appendBinaryStringInfo(buf, data, len);
	}
}

/*
 * Is this version of a row still its row's latest, neither updated nor
 * deleted (by this transaction or another, committed or not)?  Only locks
 * may have been taken on it since.  Read from the page itself: a heap
 * tuple's header says it, at the cost of a buffer look-up (the table is
 * one of the heap access method: remember_live() keeps no other).
 */
static bool
version_unchanged(ParentVersion *version)
{
	Relation	rel;
	Buffer		buf;
	Page		page;
	OffsetNumber off = ItemPointerGetOffsetNumber(&version->tid);
	bool		unchanged = false;

	/*
	 * Locked by the query that found the row, until the transaction ends (a
	 * rollback to a savepoint, which may release it, forgets the entry).
	 */
	rel = RelationIdGetRelation(version->relid);
	if (rel == NULL)
		return false;
	/* rewritten since (CLUSTER): the version is elsewhere if anywhere */
	if (rel->rd_node.relNode != version->relfilenode)
	{
		RelationClose(rel);
		return false;
	}
	buf = ReadBuffer(rel, ItemPointerGetBlockNumber(&version->tid));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		ItemId		lp = PageGetItemId(page, off);

		if (ItemIdIsNormal(lp))
		{
			HeapTupleHeader tup = (HeapTupleHeader) PageGetItem(page, lp);

			unchanged = TransactionIdEquals(HeapTupleHeaderGetRawXmin(tup),
											version->xmin) &&
				ItemPointerEquals(&tup->t_ctid, &version->tid) &&
				((tup->t_infomask & HEAP_XMAX_INVALID) ||
				 HEAP_XMAX_IS_LOCKED_ONLY(tup->t_infomask));
		}
	}
	UnlockReleaseBuffer(buf);
	RelationClose(rel);
	return unchanged;
}

/*
 * Was the row of this key found live by the statement, and is the version
 * found then its latest still?  Then it is live still: only an UPDATE or a
 * DELETE may change that, and each makes the version an old one, whether
 * it waited for the lock taken on the version (a soft delete by DELETE in
 * another transaction) or not (this transaction's own writes; an UPDATE of
 * deleted_at, which FOR KEY SHARE does not hold off).
 */
static bool
known_live(LiveParentKey *hkey, StringInfo key)
{
	LiveParent *entry;

	if (live_parents == NULL)
		return false;
	entry = hash_search(live_parents, hkey, HASH_FIND, NULL);
	return entry != NULL && entry->len == key->len &&
		memcmp(entry->bytes, key->data, key->len) == 0 &&
		version_unchanged(&entry->version);
}

static void
remember_live(LiveParentKey *hkey, StringInfo key, ParentVersion *version)
{
	LiveParent *entry;
	bool		found;
	Relation	rel;

	/* a table known_live() can read the version's header from, and its file */
	rel = RelationIdGetRelation(version->relid);
	if (rel == NULL)
		return;
	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		rel->rd_tableam != GetHeapamTableAmRoutine())
	{
		RelationClose(rel);
		return;
	}
	version->relfilenode = rel->rd_node.relNode;
	RelationClose(rel);
	if (live_parents != NULL &&
		(hash_get_num_entries(live_parents) >= LIVE_PARENTS_MAX ||
		 MemoryContextMemAllocated(live_parents_cxt, true) >= LIVE_PARENTS_MAX_BYTES))
	{
		MemoryContextReset(live_parents_cxt);
		live_parents = NULL;
	}
	if (live_parents == NULL)
	{
		HASHCTL		ctl;

		if (live_parents_cxt == NULL)
			live_parents_cxt = AllocSetContextCreate(TopMemoryContext,
													 "audit_softdelete live parents",
													 ALLOCSET_DEFAULT_SIZES);
		ctl.keysize = sizeof(LiveParentKey);
		ctl.entrysize = sizeof(LiveParent);
		ctl.hcxt = live_parents_cxt;
		live_parents = hash_create("audit_softdelete live parents", 256, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(live_parents, hkey, HASH_ENTER, &found);
	/* the same hash of other bytes, or a newer version: the newer takes it */
	if (!found || entry->len != key->len)
		entry->bytes = MemoryContextAlloc(live_parents_cxt, key->len);
	memcpy(entry->bytes, key->data, key->len);
	entry->len = key->len;
	entry->version = *version;
}

/*
 * Does the row's key name a soft-deleted row?  A key with a NULL names
 * none; a parent this statement found live, and unchanged since, is live
 * still.
 */
static bool
names_deleted_parent(AsdForeignKey *fk, Relation rel, HeapTuple tuple)
{
	Datum		values[INDEX_MAX_KEYS];
	StringInfoData key;
	LiveParentKey hkey;
	ParentState state;
	ParentVersion version;

	if (!asd_fk_key_values(fk, rel, tuple, values))
		return false;
	live_parents_for_this_statement();

	/*
	 * A statement's first parent found live is not remembered (it may be
	 * its only one): until then there is nothing to look up.
	 */
	if (!found_one_live)
	{
		state = parent_state(fk, values, &version);
		found_one_live = (state == PARENT_LIVE);
		return state == PARENT_DELETED;
	}

	initStringInfo(&key);
	key_bytes(fk, rel, values, &key);
	hkey.conoid = fk->conoid;
	hkey.hash = hash_bytes((const unsigned char *) key.data, key.len);
	if (known_live(&hkey, &key))
		return false;
	state = parent_state(fk, values, &version);
	if (state == PARENT_LIVE)
		remember_live(&hkey, &key, &version);
	return state == PARENT_DELETED;
}

/* A rollback to a savepoint releases the locks taken since. */
static void
live_parent_subxact(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		asd_live_parent_forget();
}

void
asd_live_parent_init(void)
{
	RegisterSubXactCallback(live_parent_subxact, NULL);
}

/* Are the key's values the same in both rows (as PostgreSQL's check asks)? */
static bool
key_unchanged(AsdForeignKey *fk, Relation rel, HeapTuple oldtuple, HeapTuple newtuple)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			k;

	for (k = 0; k < fk->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, fk->attnums[k] - 1);
		bool		oldnull;
		bool		newnull;
		Datum		oldvalue = heap_getattr(oldtuple, fk->attnums[k], desc, &oldnull);
		Datum		newvalue = heap_getattr(newtuple, fk->attnums[k], desc, &newnull);

		if (oldnull != newnull)
			return false;
		if (!oldnull && !datumIsEqual(oldvalue, newvalue, att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * Did the row's key change by following its parent's (ON UPDATE CASCADE)?
 * PostgreSQL's action gives the new key to the rows referencing the old
 * one: they still reference the same row, soft-deleted or not, and the key
 * of a soft-deleted row may change like any other column of it.  The
 * action leaves the old key naming no row; a row the application moves
 * away from a row still there (or from a NULL) onto a soft-deleted one is
 * checked.  Not told apart: a key that named no row before (a deferred
 * key's, not yet checked) or a SET DEFAULT of the same key, let through;
 * an update that gives the old key to another row (SET id = id + 1),
 * refused.
 */
static bool
followed_parent_key(AsdForeignKey *fk, Relation rel, HeapTuple oldtuple)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum		values[INDEX_MAX_KEYS];
	AsdSpi		spi;
	bool		gone;
	int			k;

	if (fk->update_action != FKCONSTR_ACTION_CASCADE)
		return false;
	for (k = 0; k < fk->nkeys; k++)
	{
		bool		isnull;

		values[k] = heap_getattr(oldtuple, fk->attnums[k], desc, &isnull);
		if (isnull)
			return false;
	}

	/*
	 * Rare (a key moving onto a soft-deleted row): not worth a kept plan.
	 * Not read-only: the parent's own new key, written by this transaction
	 * since this statement began, must be seen.
	 */
	asd_spi_connect_as_table_owner(&spi, fk->other_owner);
	asd_spi_run(psprintf("SELECT 1 FROM %s%s x WHERE %s",
						 fk->other_relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
						 fk->other_qualified, asd_fk_condition(fk)),
				fk->nkeys, fk->types, values, NULL, SPI_OK_SELECT, ASD_SPI_ONE_ROW);
	gone = (SPI_processed == 0);
	asd_spi_finish(&spi);
	return gone;
}

/*
 * May the role writing the row see its key's values?  As PostgreSQL decides
 * for its own foreign-key errors: not under row-level security, and only
 * with SELECT on the table or on every key column.
 */
static bool
key_visible(AsdForeignKey *fk, Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			userid = GetUserId();
	int			k;

	if (check_enable_rls(relid, userid, true) == RLS_ENABLED)
		return false;
	if (pg_class_aclcheck(relid, userid, ACL_SELECT) == ACLCHECK_OK)
		return true;
	for (k = 0; k < fk->nkeys; k++)
	{
		if (pg_attribute_aclcheck(relid, fk->attnums[k], userid, ACL_SELECT) != ACLCHECK_OK)
			return false;
	}
	return true;
}

static void
report_deleted_parent(AsdForeignKey *fk, Relation rel, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	StringInfoData vals;
	int			k;

	if (!key_visible(fk, rel))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
						RelationGetRelationName(rel), fk->conname),
				 errdetail("Key refers to a soft-deleted row of table \"%s\".",
						   fk->other_relname),
				 errhint("Restore that row with audit_softdelete.restore() first."),
				 errtableconstraint(rel, fk->conname)));

	initStringInfo(&cols);
	initStringInfo(&vals);
	for (k = 0; k < fk->nkeys; k++)
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, fk->attnums[k], desc, &isnull);
		Oid			outfunc;
		bool		varlena;

		getTypeOutputInfo(fk->types[k], &outfunc, &varlena);
		appendStringInfo(&cols, "%s%s", k > 0 ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, fk->attnums[k] - 1)->attname)));
		appendStringInfo(&vals, "%s%s", k > 0 ? ", " : "",
						 OidOutputFunctionCall(outfunc, value));
	}
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
					RelationGetRelationName(rel), fk->conname),
			 errdetail("Key (%s)=(%s) refers to a soft-deleted row of table \"%s\".",
					   cols.data, vals.data, fk->other_relname),
			 errhint("Restore that row with audit_softdelete.restore() first."),
			 errtableconstraint(rel, fk->conname)));
}

/* Is the row soft-deleted itself (its table has soft delete)? */
static bool
row_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple)
{
	bool		isnull;

	if (!info->tracked || info->soft_delete == ASD_SOFT_DELETE_OFF)
		return false;
	(void) heap_getattr(tuple, info->roles[ASD_DELETED_AT].attnum,
						RelationGetDescr(rel), &isnull);
	return !isnull;
}

/*
 * live_parent_trigger
 *		Refuse a live row whose foreign key names a soft-deleted row.
 *
 *	CREATE TRIGGER audit_softdelete_live_parent
 *		AFTER INSERT OR UPDATE ON tbl
 *		FOR EACH ROW EXECUTE FUNCTION audit_softdelete.live_parent_trigger();
 */
Datum
asd_live_parent_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Relation	rel;
	AsdRelInfo *info;
	HeapTuple	newtuple;
	HeapTuple	oldtuple = NULL;
	bool		came_back = false;
	ListCell   *lc;

	trigdata = asd_trigger_call(fcinfo, "live_parent_trigger");
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired AFTER INSERT OR UPDATE for each row",
						"live_parent_trigger")));

	rel = trigdata->tg_relation;
	info = asd_get_relinfo(rel);
	if (parent_keys(info, rel) == NIL)
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		oldtuple = trigdata->tg_trigtuple;
		newtuple = trigdata->tg_newtuple;
		came_back = row_deleted(info, rel, oldtuple);
	}
	else
		newtuple = trigdata->tg_trigtuple;

	/* a soft-deleted row may reference deleted rows: its delete cascaded */
	if (row_deleted(info, rel, newtuple))
		return PointerGetDatum(NULL);

	foreach(lc, info->parent_keys)
	{
		AsdForeignKey *fk = lfirst(lc);

		if (oldtuple != NULL && !came_back &&
			key_unchanged(fk, rel, oldtuple, newtuple))
			continue;
		if (names_deleted_parent(fk, rel, newtuple) &&
			(oldtuple == NULL || came_back ||
			 !followed_parent_key(fk, rel, oldtuple)))
			report_deleted_parent(fk, rel, newtuple);
	}
	return PointerGetDatum(NULL);
}
