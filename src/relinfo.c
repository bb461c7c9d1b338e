/*-------------------------------------------------------------------------
 *
 * relinfo.c
 *	  Per-relation cache: a table's options and its resolved role columns.
 *
 * Triggers look their relation up here once per row; everything that needs
 * the catalogs or tracked_tables (column numbers, types, input functions)
 * is computed on a miss and kept until a relcache invalidation marks the
 * entry stale.  The callback only marks; the rebuild happens lazily at the
 * next use, where errors can be raised safely, and where the entries of
 * relations dropped since are removed.
 *
 * IDENTIFICATION
 *	  src/relinfo.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "access/sysattr.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "foreign_keys.h"
#include "relinfo.h"
#include "roles.h"
#include "tracked.h"

static HTAB *relinfo_hash = NULL;
static MemoryContext relinfo_cxt = NULL;

/*
 * What a rebuild replaces is retired, not freed, until the transaction
 * ends: a trigger further up the stack may still be using the old entry's
 * memory or running one of its kept plans (a soft delete's UPDATE fires
 * triggers that can rebuild the entry of the very table it updates).
 */
static MemoryContext retired_cxt = NULL;
static List *retired_plans = NIL;	/* in TopMemoryContext */

void
asd_retire_plan(SPIPlanPtr plan)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

	retired_plans = lappend(retired_plans, plan);
	MemoryContextSwitchTo(oldcxt);
}

static void
free_retired(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PREPARE &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, retired_plans)
		SPI_freeplan((SPIPlanPtr) lfirst(lc));
	list_free(retired_plans);
	retired_plans = NIL;
	MemoryContextReset(retired_cxt);
}

/* The entry being built, and whether an invalidation hit it meanwhile. */
static Oid	building_relid = InvalidOid;
static bool building_went_stale = false;

/* An entry went stale since the last look for entries of dropped relations. */
static bool stale_entries = false;

static void
relinfo_invalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	AsdRelInfo *entry;

	if (relinfo_hash == NULL)
		return;
	if (!OidIsValid(relid) || asd_is_tracked_tables(relid) ||
		relid == building_relid)
		building_went_stale = true;

	if (OidIsValid(relid) && !asd_is_tracked_tables(relid))
	{
		/*
		 * The relation itself, the partitions that take their options and
		 * the names in their audit rows from it, and the entries that name
		 * it (such as the tables whose foreign-key queries do).
		 */
		hash_seq_init(&status, relinfo_hash);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			if (entry->relid == relid || entry->tracked_relid == relid ||
				list_member_oid(entry->depends_on, relid))
			{
				entry->valid = false;
				stale_entries = true;
			}
		}
		return;
	}

	/* options changed, or a full reset: everything is stale */
	hash_seq_init(&status, relinfo_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
	stale_entries = true;
}

/*
 * A schema was renamed (or otherwise changed): the names an audit row takes
 * from its entry, and the queries an entry keeps, may name it.  Such DDL is
 * rare, and the catalog cache gives only a hash of the schema: all stale.
 */
static void
relinfo_namespace_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	relinfo_invalidate(InvalidOid);
}

/*
 * asd_relinfo_depends_on
 *		What info holds names relid too: a change to relid makes it stale.
 *
 * Call it before reading what relid's catalog entries say, so that a change
 * committed after that read cannot go unnoticed.
 */
void
asd_relinfo_depends_on(AsdRelInfo *info, Oid relid)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(info->cxt);

	info->depends_on = list_append_unique_oid(info->depends_on, relid);
	MemoryContextSwitchTo(oldcxt);
}

/* Retire what an entry owns, as its rebuild or removal leaves it. */
static void
retire_entry(AsdRelInfo *entry)
{
	if (entry->mark_plan)
		asd_retire_plan(entry->mark_plan);
	entry->mark_plan = NULL;
	asd_free_foreign_keys(entry);
	entry->depends_on = NIL;
	if (entry->cxt)
		MemoryContextSetParent(entry->cxt, retired_cxt);
	entry->cxt = NULL;
}

/*
 * Remove the stale entries of relations that no longer exist.  A dropped
 * relation's entry would otherwise stay for the life of the backend.  The
 * relcache callback may not look at the catalogs, so it only notes that an
 * entry went stale; the next lookup, which may, removes the entries whose
 * relation is gone (keep is the relation being looked up).  No trigger up
 * the stack can be using such an entry: PostgreSQL refuses to drop a
 * relation in use in this backend.  What the entry owns is retired until
 * the end of the transaction, as on a rebuild.
 */
static void
forget_dropped_relations(Oid keep)
{
	HASH_SEQ_STATUS status;
	AsdRelInfo *entry;
	List	   *stale = NIL;
	ListCell   *lc;

	stale_entries = false;
	hash_seq_init(&status, relinfo_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (!entry->valid && entry->relid != keep && entry->relid != building_relid)
			stale = lappend_oid(stale, entry->relid);
	}

	/* the catalog lookups can run the callback: the scan is over by now */
	foreach(lc, stale)
	{
		Oid			relid = lfirst_oid(lc);

		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			continue;
		entry = hash_search(relinfo_hash, &relid, HASH_FIND, NULL);
		if (entry == NULL || entry->valid)
			continue;
		retire_entry(entry);
		hash_search(relinfo_hash, &relid, HASH_REMOVE, NULL);
	}
	list_free(stale);
}

void
asd_relinfo_init(void)
{
	HASHCTL		ctl;

	relinfo_cxt = AllocSetContextCreate(CacheMemoryContext,
										"audit_softdelete relinfo",
										ALLOCSET_SMALL_SIZES);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(AsdRelInfo);
	ctl.hcxt = relinfo_cxt;
	relinfo_hash = hash_create("audit_softdelete relinfo", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	asd_register_relcache_hook(relinfo_invalidate);
	CacheRegisterSyscacheCallback(NAMESPACEOID, relinfo_namespace_changed, (Datum) 0);
	retired_cxt = AllocSetContextCreate(TopMemoryContext,
										"audit_softdelete retired relinfo",
										ALLOCSET_SMALL_SIZES);
	RegisterXactCallback(free_retired, NULL);
}

/*
 * Find the options that govern rel: its own tracked_tables row, or, for a
 * partition, the nearest ancestor's (triggers on a partitioned table are
 * cloned to its partitions and fire with the partition as relation).  A
 * partition's own row that is disabled gives way to an enabled ancestor's:
 * a table enabled on its own, disabled, then attached to an enabled
 * partitioned table fires that table's clones.
 */
static bool
find_options(Relation rel, AsdTableOptions *opts)
{
	List	   *ancestors;
	ListCell   *lc;
	bool		found;
	AsdTableOptions ancestor;

	/* the live view of a table in view mode takes that table's options */
	if (rel->rd_rel->relkind == RELKIND_VIEW)
	{
		Oid			table = asd_live_view_table(RelationGetRelid(rel));

		return OidIsValid(table) && asd_read_table_options(table, opts);
	}
	found = asd_read_table_options(RelationGetRelid(rel), opts);
	if ((found && opts->enabled) || !rel->rd_rel->relispartition)
		return found;

	ancestors = get_partition_ancestors(RelationGetRelid(rel));
	foreach(lc, ancestors)
	{
		if (!asd_read_table_options(lfirst_oid(lc), &ancestor))
			continue;
		if (ancestor.enabled || !found)
		{
			*opts = ancestor;
			if (ancestor.enabled)
				return true;
			found = true;
		}
	}
	return found;
}

/*
 * Resolve one role's column by name in rel's own descriptor: partitions can
 * number their columns differently from their parent.
 */
static void
resolve_role_column(Relation rel, AsdColumnRole role, const char *attname,
					AsdRoleColumn *col, MemoryContext cxt)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	col->attnum = InvalidAttrNumber;
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), attname) == 0)
		{
			col->attnum = att->attnum;
			col->typid = att->atttypid;
			col->typmod = att->atttypmod;
			break;
		}
	}

	if (col->attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" does not exist",
						attname, RelationGetRelationName(rel)),
				 errdetail("audit_softdelete stores %s in that column.",
						   asd_role_names[role]),
				 errhint("Call audit_softdelete.enable() again to add the column, or map %s to another column with its columns option.",
						 asd_role_names[role])));

	col->attname = MemoryContextStrdup(cxt, attname);
	col->basetypid = getBaseType(col->typid);
	if (!asd_role_type_fits(role, col->basetypid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of table \"%s\" has type %s, which cannot hold %s",
						attname, RelationGetRelationName(rel),
						format_type_be(col->typid), asd_role_names[role]),
				 errhint("Change the column's type back, or call audit_softdelete.enable() again with another column.")));

	if (asd_role_is_actor(role))
	{
		Oid			infunc;
		Oid			outfunc;
		bool		varlena;

		getTypeInputInfo(col->typid, &infunc, &col->ioparam);
		fmgr_info_cxt(infunc, &col->input, cxt);
		getTypeOutputInfo(col->typid, &outfunc, &varlena);
		fmgr_info_cxt(outfunc, &col->output, cxt);
	}
}

static bool
name_in_list(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

/* How a type's values become JSON: see rowjson.c. */
static AsdJsonKind
json_kind(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
			return ASD_JSON_TEXT;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return ASD_JSON_INT;
		case BOOLOID:
			return ASD_JSON_BOOL;
		case NUMERICOID:
			return ASD_JSON_NUMERIC;
		case FLOAT4OID:
		case FLOAT8OID:
			return ASD_JSON_FLOAT;
		case JSONBOID:
			return ASD_JSON_JSONB;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return ASD_JSON_DATETIME;
		case TEXTARRAYOID:
		case VARCHARARRAYOID:
		case INT2ARRAYOID:
		case INT4ARRAYOID:
		case INT8ARRAYOID:
			return ASD_JSON_ARRAY;
		default:
			/* to_jsonb() writes a domain as its base type */
			typid = getBaseType(typid);
			if (typid == FLOAT4OID || typid == FLOAT8OID)
				return ASD_JSON_FLOAT;
			return ASD_JSON_GENERIC;
	}
}

/*
 * Describe every column of rel for the audit trail and the change test.
 * Columns are named as they are now, so renames, added and dropped columns
 * and type changes show in the next audit row after their relcache
 * invalidation.  Excluded and redacted names that match no column belong to
 * dropped columns.
 */
/* jsonb's order of object keys: shorter first, then bytewise */
static int
json_key_order(const void *a, const void *b, void *arg)
{
	AsdAuditColumn *columns = (AsdAuditColumn *) arg;
	AsdAuditColumn *ca = &columns[*(const int *) a];
	AsdAuditColumn *cb = &columns[*(const int *) b];

	if (ca->namelen != cb->namelen)
		return ca->namelen < cb->namelen ? -1 : 1;
	return memcmp(ca->name, cb->name, ca->namelen);
}

static void
build_columns(AsdRelInfo *entry, Relation rel, AsdTableOptions *opts)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Bitmapset  *pkattrs;
	int			i;

	pkattrs = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	entry->has_pk = !bms_is_empty(pkattrs);
	entry->natts = tupdesc->natts;
	entry->columns = MemoryContextAllocZero(entry->cxt,
											sizeof(AsdAuditColumn) * tupdesc->natts);

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		AsdAuditColumn *col = &entry->columns[i];

		if (att->attisdropped)
			continue;
		col->name = MemoryContextStrdup(entry->cxt, NameStr(att->attname));
		col->namelen = strlen(col->name);
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		col->collation = att->attcollation;
		col->typlen = att->attlen;
		col->typbyval = att->attbyval;
		col->kind = json_kind(att->atttypid);
		col->logged = !name_in_list(opts->exclude_columns, col->name);
		col->redacted = name_in_list(opts->redact_columns, col->name);
		col->in_pk = bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber,
								   pkattrs);
	}

	/* the logged columns in the order jsonb keeps an object's keys */
	entry->json_order = MemoryContextAlloc(entry->cxt, sizeof(int) * (tupdesc->natts + 1));
	entry->njson = 0;
	for (i = 0; i < tupdesc->natts; i++)
		if (entry->columns[i].logged)
			entry->json_order[entry->njson++] = i;
	qsort_arg(entry->json_order, entry->njson, sizeof(int), json_key_order,
			  entry->columns);
}

static void
build_relinfo(AsdRelInfo *entry, Relation rel)
{
	AsdTableOptions opts;
	MemoryContext oldcxt;
	int			role;

	retire_entry(entry);
	entry->cxt = AllocSetContextCreate(relinfo_cxt, "audit_softdelete relinfo entry",
									   ALLOCSET_SMALL_SIZES);
	MemoryContextCopyAndSetIdentifier(entry->cxt, RelationGetRelationName(rel));

	entry->tracked = false;
	entry->stamps = false;
	entry->audit = false;
	entry->soft_delete = ASD_SOFT_DELETE_OFF;
	entry->qualified_name = NULL;
	entry->table_id = 0;
	entry->tracked_relid = InvalidOid;
	entry->schema_name = NULL;
	entry->table_name = NULL;
	entry->schema_name_text = NULL;
	entry->table_name_text = NULL;
	entry->natts = 0;
	entry->columns = NULL;
	entry->json_order = NULL;
	entry->njson = 0;
	entry->has_pk = false;
	entry->key_attnums = NULL;
	entry->nkeys = 0;
	memset(entry->roles, 0, sizeof(entry->roles));

	if (!find_options(rel, &opts) || !opts.enabled)
		return;

	entry->tracked = true;
	entry->tracked_relid = opts.relid;
	entry->table_id = opts.table_id;
	entry->stamps = opts.stamps;
	entry->audit = opts.audit;
	entry->soft_delete = opts.soft_delete;
	entry->qualified_name =
		MemoryContextStrdup(entry->cxt,
							quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													   RelationGetRelationName(rel)));

	/*
	 * A table in view mode is named by its live view, the name the
	 * application uses and the table had before and has again after view
	 * mode: one name for the whole history of the table.
	 */
	if (opts.soft_delete == ASD_SOFT_DELETE_VIEW && opts.view_name != NULL)
		entry->table_name = MemoryContextStrdup(entry->cxt, opts.view_name);
	else
		entry->table_name = MemoryContextStrdup(entry->cxt, get_rel_name(opts.relid));
	entry->schema_name = MemoryContextStrdup(entry->cxt,
											 get_namespace_name(get_rel_namespace(opts.relid)));
	/* as every audit row stores them */
	oldcxt = MemoryContextSwitchTo(entry->cxt);
	entry->schema_name_text = cstring_to_text(entry->schema_name);
	entry->table_name_text = cstring_to_text(entry->table_name);
	MemoryContextSwitchTo(oldcxt);
	build_columns(entry, rel, &opts);

	/* the columns of the features that are off need not exist */
	for (role = 0; role < ASD_NUM_ROLES; role++)
	{
		AsdRoleColumn *col = &entry->roles[role];
		bool		stamp_role = (role < ASD_NUM_STAMP_ROLES);

		if ((stamp_role && !entry->stamps) ||
			(!stamp_role && entry->soft_delete == ASD_SOFT_DELETE_OFF))
			continue;
		if (opts.column_names[role] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the options of table \"%s\" name no column for %s",
							RelationGetRelationName(rel), asd_role_names[role]),
					 errhint("Call audit_softdelete.enable() again.")));
		resolve_role_column(rel, role, opts.column_names[role], col, entry->cxt);
		if (stamp_role)
			entry->columns[col->attnum - 1].is_stamp = true;
	}
}

/*
 * asd_get_relinfo
 *		The cache entry for rel, rebuilt if stale.
 */
AsdRelInfo *
asd_get_relinfo(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	AsdRelInfo *entry;
	bool		found;

	if (unlikely(stale_entries))
		forget_dropped_relations(relid);

	entry = hash_search(relinfo_hash, &relid, HASH_ENTER, &found);
	if (!found)
	{
		entry->valid = false;
		entry->cxt = NULL;
		entry->mark_plan = NULL;
		entry->foreign_keys = NULL;
		entry->parent_keys = NIL;
		entry->parent_keys_loaded = false;
		entry->depends_on = NIL;
	}

	if (!entry->valid)
	{
		building_relid = relid;
		building_went_stale = false;
		PG_TRY();
		{
			build_relinfo(entry, rel);
		}
		PG_FINALLY();
		{
			building_relid = InvalidOid;
		}
		PG_END_TRY();
		/* an invalidation that arrived while we read means: read again */
		entry->valid = !building_went_stale;
	}
	return entry;
}
