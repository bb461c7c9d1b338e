/*-------------------------------------------------------------------------
 *
 * foreign_keys.c
 *	  The foreign keys of a table, read from pg_constraint into its relinfo
 *	  entry.
 *
 * cascade.c applies them when a row is soft-deleted; this file only reads
 * the catalogs.  A table's keys are loaded on first need and live in its
 * relinfo entry's memory context until the entry is rebuilt: adding or
 * dropping a key invalidates the relcache entries of both of its tables,
 * and the entry depends on each table at the other end (see
 * asd_relinfo_depends_on), whose name, owner and columns its queries use.
 * Whether that table has soft delete comes from tracked_tables, whose
 * changes make every entry stale.
 *
 * IDENTIFICATION
 *	  src/foreign_keys.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "foreign_keys.h"
#include "key_compare.h"
#include "relinfo.h"
#include "tracked.h"

/*
 * Retire the kept plans of a relinfo entry's keys before it is rebuilt:
 * those of cascade.c and those of live_parent.c.
 */
void
asd_free_foreign_keys(AsdRelInfo *info)
{
	AsdForeignKeys *fks = info->foreign_keys;
	ListCell   *lc;

	foreach(lc, info->parent_keys)
	{
		AsdForeignKey *fk = lfirst(lc);

		if (fk->plan)
			asd_retire_plan(fk->plan);
	}
	info->parent_keys = NIL;
	info->parent_keys_loaded = false;
	if (fks == NULL)
		return;
	foreach(lc, fks->referencing)
	{
		AsdForeignKey *fk = lfirst(lc);

		if (fk->plan)
			asd_retire_plan(fk->plan);
	}
	foreach(lc, fks->cascading_parents)
	{
		AsdForeignKey *fk = lfirst(lc);

		if (fk->plan)
			asd_retire_plan(fk->plan);
	}
	info->foreign_keys = NULL;
}

/* By name: which refusal a delete meets first is not up to catalog order. */
static int
key_order(const ListCell *a, const ListCell *b)
{
	AsdForeignKey *ka = lfirst(a);
	AsdForeignKey *kb = lfirst(b);
	int			cmp = strcmp(ka->conname, kb->conname);

	if (cmp != 0)
		return cmp;
	return ka->other_relid < kb->other_relid ? -1 :
		ka->other_relid > kb->other_relid ? 1 : 0;
}

/*
 * The keys of pg_constraint that matter, with what their row says.  With
 * referencing, the keys of other tables that reference relid; without,
 * relid's own validated ON DELETE CASCADE keys (a NOT VALID key may have
 * orphans: their delete is no cascade).  A key on a partitioned table is
 * taken once, from the partitioned table, not from its clones.
 */
static List *
scan_keys(Oid relid, bool referencing, MemoryContext cxt)
{
	Relation	conrel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	if (referencing)
	{
		/* no index leads from the referenced table: read them all */
		ScanKeyInit(&skey, Anum_pg_constraint_confrelid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(relid));
		scan = systable_beginscan(conrel, InvalidOid, false, NULL, 1, &skey);
	}
	else
	{
		ScanKeyInit(&skey, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(relid));
		scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
								  NULL, 1, &skey);
	}

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		AsdForeignKey *fk;
		AttrNumber	conkey[INDEX_MAX_KEYS];
		AttrNumber	confkey[INDEX_MAX_KEYS];
		MemoryContext oldcxt;

		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid))
			continue;
		if (!referencing &&
			(con->confdeltype != FKCONSTR_ACTION_CASCADE || !con->convalidated))
			continue;

		fk = MemoryContextAllocZero(cxt, sizeof(AsdForeignKey));
		fk->conoid = con->oid;
		fk->conname = MemoryContextStrdup(cxt, NameStr(con->conname));
		fk->we_reference = !referencing;
		fk->action = con->confdeltype;
		fk->initially_deferred = con->condeferrable && con->condeferred;
		fk->other_relid = referencing ? con->conrelid : con->confrelid;
		DeconstructFkConstraintRow(tup, &fk->nkeys, conkey, confkey,
								   fk->pf_eq_oprs, NULL, NULL, NULL, NULL);
		memcpy(fk->our_attnums, referencing ? confkey : conkey,
			   sizeof(AttrNumber) * fk->nkeys);
		memcpy(fk->other_attnums, referencing ? conkey : confkey,
			   sizeof(AttrNumber) * fk->nkeys);

		oldcxt = MemoryContextSwitchTo(cxt);
		result = lappend(result, fk);
		MemoryContextSwitchTo(oldcxt);
	}

	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	list_sort(result, key_order);
	return result;
}

/*
 * asd_describe_other_table
 *		What the queries of a key need of the table at its other end: its
 *		kind, owner and names, allocated in cxt.
 */
void
asd_describe_other_table(AsdForeignKey *fk, MemoryContext cxt)
{
	HeapTuple	tup;
	Form_pg_class other;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(fk->other_relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", fk->other_relid);
	other = (Form_pg_class) GETSTRUCT(tup);
	fk->other_relkind = other->relkind;
	fk->other_owner = other->relowner;
	fk->other_relname = MemoryContextStrdup(cxt, NameStr(other->relname));
	fk->other_qualified =
		MemoryContextStrdup(cxt,
							quote_qualified_identifier(get_namespace_name(other->relnamespace),
													   NameStr(other->relname)));
	ReleaseSysCache(tup);
}

/*
 * The COLLATE clause the comparison of a key's columns needs, or NULL: as
 * in PostgreSQL's own foreign-key queries, a referenced column of a
 * nondeterministic collation (an ICU case-insensitive one) that the
 * referencing column does not share decides under its own, so that 'BOB'
 * references 'Bob' for the cascade and RESTRICT as for the key's check.
 * Named with its schema: the queries are kept plans.
 */
static char *
key_collate(Oid pk_relid, AttrNumber pk_attnum, Oid fk_relid, AttrNumber fk_attnum,
			MemoryContext cxt)
{
	Oid			typid;
	int32		typmod;
	Oid			pk_coll;
	Oid			fk_coll;

	get_atttypetypmodcoll(pk_relid, pk_attnum, &typid, &typmod, &pk_coll);
	get_atttypetypmodcoll(fk_relid, fk_attnum, &typid, &typmod, &fk_coll);
	if (!OidIsValid(pk_coll) || pk_coll == fk_coll ||
		get_collation_isdeterministic(pk_coll))
		return NULL;
	return MemoryContextStrdup(cxt, psprintf(" COLLATE %s", asd_collation_name(pk_coll)));
}

/*
 * Complete a key from the catalogs of the table at the other end, and
 * resolve our side's columns by name in the firing relation (a partition
 * can number them differently from its partitioned table).
 */
static void
describe_key(AsdForeignKey *fk, AsdRelInfo *info, Relation rel)
{
	MemoryContext cxt = info->cxt;
	AsdTableOptions opts;
	int			k;

	/* first: a change to that table from here on reaches the entry */
	asd_relinfo_depends_on(info, fk->other_relid);

	asd_describe_other_table(fk, cxt);

	for (k = 0; k < fk->nkeys; k++)
	{
		char	   *ours = get_attname(info->tracked_relid, fk->our_attnums[k], false);
		int			j;

		fk->other_columns[k] =
			MemoryContextStrdup(cxt, get_attname(fk->other_relid,
												 fk->other_attnums[k], false));
		fk->other_types[k] = get_atttype(fk->other_relid, fk->other_attnums[k]);

		fk->attnums[k] = InvalidAttrNumber;
		for (j = 0; j < info->natts; j++)
		{
			if (info->columns[j].name && strcmp(info->columns[j].name, ours) == 0)
			{
				fk->attnums[k] = j + 1;
				fk->types[k] = info->columns[j].typid;
			}
		}
		if (fk->attnums[k] == InvalidAttrNumber)
			elog(ERROR, "column \"%s\" of foreign key \"%s\" not found in \"%s\"",
				 ours, fk->conname, RelationGetRelationName(rel));
		fk->collate[k] = fk->we_reference ?
			key_collate(fk->other_relid, fk->other_attnums[k],
						info->tracked_relid, fk->our_attnums[k], cxt) :
			key_collate(info->tracked_relid, fk->our_attnums[k],
						fk->other_relid, fk->other_attnums[k], cxt);
	}

	if (asd_read_table_options(fk->other_relid, &opts) && opts.enabled &&
		opts.soft_delete != ASD_SOFT_DELETE_OFF &&
		opts.column_names[ASD_DELETED_AT] != NULL)
		fk->other_deleted_at = MemoryContextStrdup(cxt, opts.column_names[ASD_DELETED_AT]);
}

/*
 * asd_get_foreign_keys
 *		The foreign keys of info's table, loaded on first need.
 *
 * rel is the firing relation info describes.
 */
AsdForeignKeys *
asd_get_foreign_keys(AsdRelInfo *info, Relation rel)
{
	AsdForeignKeys *fks;
	ListCell   *lc;

	if (info->foreign_keys != NULL)
		return info->foreign_keys;

	fks = MemoryContextAllocZero(info->cxt, sizeof(AsdForeignKeys));
	fks->referencing = scan_keys(info->tracked_relid, true, info->cxt);
	fks->cascading_parents = scan_keys(info->tracked_relid, false, info->cxt);
	foreach(lc, fks->referencing)
		describe_key(lfirst(lc), info, rel);
	foreach(lc, fks->cascading_parents)
		describe_key(lfirst(lc), info, rel);

	info->foreign_keys = fks;
	return fks;
}
