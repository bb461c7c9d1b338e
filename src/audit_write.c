/*-------------------------------------------------------------------------
 *
 * audit_write.c
 *	  Insert one row into audit_softdelete.audit_logs.
 *
 * The fast path writes the heap tuple and its index entries directly, as
 * PostgreSQL's own catalog code does: an executor start-up per audit row
 * was the largest single cost of an audited write.  It is taken while
 * audit_logs is as the extension made it: a plain table with the expected
 * columns, the install script's defaults, generated expression and CHECK
 * constraint (compared as parsed expressions, once per change of the
 * table), no triggers, rules or row-level security, not a partition, and
 * indexes on plain columns.  Anything else a DBA adds or redefines (a
 * trigger to forward rows, partitioning, an expression index, another
 * default, a CHECK replaced under the same name) makes the writer fall back
 * to a kept SPI plan, which honours all of it.  The fast path fills every column itself
 * with what those defaults and the generated row_pk_hash would give, and
 * skips the CHECK, which every action it writes passes.
 *
 * A statement's audit rows after its first share one open of audit_logs
 * and its indexes, closed when the statement finishes (the kept_* state
 * below, closed by asd_audit_logs_keep_exit).
 *
 * Either way the row is written as the extension owner would: the writing
 * role needs no grant on audit_logs.  The session's identity comes from
 * the server, never from the application.
 *
 * IDENTIFICATION
 *	  src/audit_write.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/tableam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/heap.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/xid8.h"

#include "txid_era.h"

#include "actor.h"
#include "audit_space.h"
#include "audit_write.h"
#include "migration.h"
#include "owner.h"
#include "tracked.h"

PG_FUNCTION_INFO_V1(asd_set_context);

/* The kept INSERTs of the executor path: [with migration_id][with xact_start] */
static SPIPlanPtr insert_plans[2][2];

/* The context value last parsed, and its jsonb (see current_context). */
static char *cached_context_text = NULL;
static Jsonb *cached_context = NULL;

#define INSERT_NARGS 13

/*
 * The insert names migration_id ($13) only while a migration runs, so that
 * other rows get the column's default, which a DBA may have set.  It names
 * xact_start whenever audit_logs has it (1.1): new_values leaves out the
 * stamps it implies (audit.c), so it is never left to a default.
 */
static SPIPlanPtr
prepare_insert(bool migration, bool xact_start)
{
	char	   *query = psprintf("INSERT INTO audit_softdelete.audit_logs"
								 " (table_id, table_oid, schema_name, table_name, action, row_pk,"
								 "  old_values, new_values, changed_columns, actor, context,"
								 "  db_user, client_addr, application_name, txid%s%s)"
								 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
								 "  SESSION_USER, pg_catalog.inet_client_addr(),"
								 "  pg_catalog.current_setting('application_name'), $12%s%s)",
								 migration ? ", migration_id" : "",
								 xact_start ? ", xact_start" : "",
								 migration ? ", $13" : "",
								 xact_start ? ", pg_catalog.transaction_timestamp()" : "");
	Oid			argtypes[INSERT_NARGS] = {
		INT4OID, OIDOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
		JSONBOID, JSONBOID, TEXTARRAYOID, TEXTOID, JSONBOID, XID8OID, INT8OID
	};

	return asd_spi_prepare(query, migration ? INSERT_NARGS : INSERT_NARGS - 1,
						   argtypes, true);
}

/*
 * current_context
 *		The jsonb set with set_context() for this transaction, if any.
 *
 * Parsed once per distinct value: a request sets its context once and
 * then writes many rows.
 */
static Datum
current_context(bool *isnull)
{
	MemoryContext oldcxt;

	if (asd_context == NULL || asd_context[0] == '\0')
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	if (cached_context_text == NULL || strcmp(cached_context_text, asd_context) != 0)
	{
		Datum		parsed = DirectFunctionCall1(jsonb_in, CStringGetDatum(asd_context));

		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		if (cached_context_text)
			pfree(cached_context_text);
		if (cached_context)
			pfree(cached_context);
		cached_context_text = pstrdup(asd_context);
		cached_context = DatumGetJsonbPCopy(parsed);
		MemoryContextSwitchTo(oldcxt);
	}
	return JsonbPGetDatum(cached_context);
}

/*
 * The columns of audit_logs, in order, as the install script makes them,
 * with the default (or generation) expressions whose values the direct
 * write computes itself: it is taken only while audit_logs has exactly
 * these (see changed_definition).
 */
typedef struct AuditColumn
{
	const char *name;
	Oid			type;
	bool		notnull;
	char		generated;		/* attgenerated */
	const char *default_expr;	/* NULL: no default */
} AuditColumn;

static const AuditColumn audit_columns[] = {
	{"id", INT8OID, true, '\0',
	"pg_catalog.nextval('audit_softdelete.audit_logs_id_seq')"},
	{"logged_at", TIMESTAMPTZOID, true, '\0', "pg_catalog.statement_timestamp()"},
	{"txid", XID8OID, true, '\0', "pg_catalog.pg_current_xact_id()"},
	{"table_id", INT4OID, true, '\0', NULL},
	{"table_oid", OIDOID, true, '\0', NULL},
	{"schema_name", TEXTOID, true, '\0', NULL},
	{"table_name", TEXTOID, true, '\0', NULL},
	{"action", TEXTOID, true, '\0', NULL},
	{"row_pk", JSONBOID, false, '\0', NULL},
	{"row_pk_hash", INT8OID, false, ATTRIBUTE_GENERATED_STORED,
	"pg_catalog.jsonb_hash_extended(row_pk, 0)"},
	{"old_values", JSONBOID, false, '\0', NULL},
	{"new_values", JSONBOID, false, '\0', NULL},
	{"changed_columns", TEXTARRAYOID, false, '\0', NULL},
	{"actor", TEXTOID, false, '\0', NULL},
	{"db_user", TEXTOID, true, '\0', NULL},
	{"client_addr", INETOID, false, '\0', NULL},
	{"application_name", TEXTOID, false, '\0', NULL},
	{"context", JSONBOID, false, '\0', NULL},
	{"migration_id", INT8OID, false, '\0', NULL},
	/* 1.1; a 1.0 audit_logs ends before it */
	{"xact_start", TIMESTAMPTZOID, false, '\0', "pg_catalog.transaction_timestamp()"}
};

/* audit_logs.action, by AsdAuditAction: the one list of the actions */
static const char *const action_names[] = {
	[ASD_ACTION_INSERT] = "INSERT",
	[ASD_ACTION_UPDATE] = "UPDATE",
	[ASD_ACTION_DELETE] = "DELETE",
	[ASD_ACTION_SOFT_DELETE] = "SOFT_DELETE",
	[ASD_ACTION_RESTORE] = "RESTORE",
	[ASD_ACTION_TRUNCATE] = "TRUNCATE",
	[ASD_ACTION_ENABLE] = "ENABLE",
	[ASD_ACTION_CONFIGURE] = "CONFIGURE",
	[ASD_ACTION_DISABLE] = "DISABLE"
};

/*
 * audit_logs' one CHECK constraint, as the install script makes it: action
 * is one of action_names, in that order.  The direct write skips it: every
 * action it can write passes it.
 */
#define INSTALLED_CHECK_NAME "audit_logs_action_check"

static char *
installed_check_expr(void)
{
	StringInfoData expr;
	int			i;

	initStringInfo(&expr);
	appendStringInfoString(&expr, "action IN (");
	for (i = 0; i < lengthof(action_names); i++)
		appendStringInfo(&expr, "%s'%s'", i > 0 ? ", " : "", action_names[i]);
	appendStringInfoChar(&expr, ')');
	return expr.data;
}

/* Their positions (0-based) in audit_columns and in a tuple of audit_logs */
enum
{
	COL_ID,
	COL_LOGGED_AT,
	COL_TXID,
	COL_TABLE_ID,				/* table_id .. row_pk: args[0 .. 5] */
	COL_ROW_PK = COL_TABLE_ID + 5,
	COL_ROW_PK_HASH,
	COL_OLD_VALUES,				/* old_values .. actor: args[6 .. 9] */
	COL_DB_USER = COL_OLD_VALUES + 4,
	COL_CLIENT_ADDR,
	COL_APPLICATION_NAME,
	COL_CONTEXT,				/* args[10] */
	COL_MIGRATION_ID,
	COL_XACT_START
};

#define AUDIT_NATTS lengthof(audit_columns)

StaticAssertDecl(COL_XACT_START + 1 == AUDIT_NATTS,
				 "audit_columns and its positions disagree");

/* audit_logs and its id sequence, looked up once; see forget_audit_logs */
static Oid	audit_logs_relid = InvalidOid;
static Oid	audit_seq_relid = InvalidOid;

/* The session's client address, computed once. */
static bool client_addr_known = false;
static bool client_addr_null = true;
static Datum client_addr = (Datum) 0;

/*
 * The IndexInfo of each index of audit_logs, kept across rows and
 * transactions: building it, and the per-index state some access methods
 * keep in it (BRIN's descriptor), cost more per row than the BRIN insert
 * itself.  Dropped when audit_logs or one of these indexes is invalidated.
 * The invalidation only marks them stale; they are freed at the start of
 * the next write, never while an insertion may be using them.
 */
#define MAX_KEPT_INDEX_INFOS 16

static MemoryContext index_info_cxt = NULL;
static int	n_index_infos = 0;
static Oid	index_info_oids[MAX_KEPT_INDEX_INFOS];
static IndexInfo *index_infos[MAX_KEPT_INDEX_INFOS];
static bool index_infos_stale = false;

/*
 * Whether audit_logs and its indexes allow the direct write: decided once,
 * again after any invalidation of them (a trigger, rule, policy, constraint
 * or index added changes audit_logs' relcache entry).
 */
static bool direct_write_known = false;
static bool direct_write_ok = false;
static uint64 audit_logs_generation = 0;	/* counts invalidations */

/* Whether audit_logs has xact_start: -1 not known yet; see forget_audit_logs */
static int	has_xact_start = -1;

/*
 * audit_logs and its indexes, kept open from one audit row to the next of
 * the same statement: opening them, with their locks, cost a multi-row
 * statement about 3.6k instructions a row.  Kept only while the executor
 * finishes a statement (its AFTER triggers fire then) under the resource
 * owner that statement runs with, and closed when it has finished, so that
 * no reference outlives the statement (DDL on audit_logs later in the same
 * transaction would find the table in use) or is released by another
 * owner.  The levels are those of statements finishing inside each other
 * (a trigger's own statements); see asd_audit_logs_keep_enter.
 */
#define MAX_KEEP_LEVELS 32

static int	keep_level = 0;
static ResourceOwner keep_owners[MAX_KEEP_LEVELS + 1];
static int	keep_writes[MAX_KEEP_LEVELS + 1];	/* rows opened for at each */

static Relation kept_rel = NULL;	/* NULL: nothing kept */
static Relation *kept_indexes = NULL;	/* in TopMemoryContext */
static int	kept_nindexes = 0;
static int	kept_index_room = 0;
static int	kept_level = 0;
static uint64 kept_generation = 0;
static ResourceOwner kept_owner = NULL;

static void forget_kept(XactEvent event, void *arg);

static void
forget_audit_logs(void)
{
	audit_logs_relid = InvalidOid;
	audit_seq_relid = InvalidOid;
	index_infos_stale = true;
	direct_write_known = false;
	has_xact_start = -1;
	audit_logs_generation++;
}

/*
 * audit_logs, its sequence or an index changed, or tracked_tables did (the
 * extension was dropped or handed to another owner): look them up again.
 */
static void
audit_logs_invalidate(Oid relid)
{
	int			i;

	if (OidIsValid(relid) && !asd_is_tracked_tables(relid) &&
		relid != audit_logs_relid && relid != audit_seq_relid)
	{
		for (i = 0; i < n_index_infos; i++)
			if (index_info_oids[i] == relid)
				break;
		if (i == n_index_infos)
			return;
	}
	forget_audit_logs();
}

void
asd_audit_write_init(void)
{
	asd_register_relcache_hook(audit_logs_invalidate);
	RegisterXactCallback(forget_kept, NULL);
}

/* The kept IndexInfo of an open index of audit_logs, built on first use. */
static IndexInfo *
kept_index_info(Relation index)
{
	Oid			indexoid = RelationGetRelid(index);
	MemoryContext oldcxt;
	IndexInfo  *info;
	int			i;

	if (index_infos_stale)
	{
		if (index_info_cxt != NULL)
			MemoryContextReset(index_info_cxt);
		n_index_infos = 0;
		index_infos_stale = false;
	}
	for (i = 0; i < n_index_infos; i++)
		if (index_info_oids[i] == indexoid)
			return index_infos[i];
	if (n_index_infos == MAX_KEPT_INDEX_INFOS)
		return BuildIndexInfo(index);	/* a DBA's many indexes: no keeping */

	if (index_info_cxt == NULL)
		index_info_cxt = AllocSetContextCreate(TopMemoryContext,
											   "audit_softdelete audit_logs indexes",
											   ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(index_info_cxt);
	info = BuildIndexInfo(index);
	MemoryContextSwitchTo(oldcxt);
	index_info_oids[n_index_infos] = indexoid;
	index_infos[n_index_infos] = info;
	n_index_infos++;
	return info;
}

/* audit_logs and its id sequence: the kept OIDs, or looked up and kept */
static void
lookup_audit_logs(Oid *relid, Oid *seqid)
{
	Oid			nspid;

	/*
	 * Kept OIDs are returned as they are; looked up ones are kept after
	 * both lookups, which can process invalidations that forget them.
	 */
	if (OidIsValid(audit_logs_relid) && OidIsValid(audit_seq_relid))
	{
		*relid = audit_logs_relid;
		*seqid = audit_seq_relid;
		return;
	}
	nspid = get_namespace_oid(ASD_SCHEMA_NAME, false);
	*relid = get_relname_relid("audit_logs", nspid);
	*seqid = get_relname_relid("audit_logs_id_seq", nspid);
	if (!OidIsValid(*relid) || !OidIsValid(*seqid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.audit_logs\" does not exist", ASD_SCHEMA_NAME),
				 errhint("Run CREATE EXTENSION audit_softdelete.")));
	audit_logs_relid = *relid;
	audit_seq_relid = *seqid;
}

/*
 * asd_audit_logs_has_xact_start
 *		Does audit_logs record when each row's transaction began (1.1)?
 *		Only then may an audit row leave out the stamps that time and its
 *		actor imply; the library also writes to a 1.0 audit_logs, which
 *		has no such column, until ALTER EXTENSION ... UPDATE.  The answer
 *		kept may be older than a concurrent ALTER TABLE until audit_logs is
 *		locked: the write asks again then (check_implied_stamps_recorded).
 */
bool
asd_audit_logs_has_xact_start(void)
{
	if (has_xact_start < 0)
	{
		uint64		generation = audit_logs_generation;
		Oid			relid;
		Oid			seqid;
		AttrNumber	attnum;
		bool		found;

		lookup_audit_logs(&relid, &seqid);
		attnum = get_attnum(relid, "xact_start");
		found = (attnum != InvalidAttrNumber &&
				 get_atttype(relid, attnum) == TIMESTAMPTZOID);
		if (generation == audit_logs_generation)
			has_xact_start = found;
		return found;
	}
	return has_xact_start;
}

/*
 * The audit row left out stamps because audit_logs recorded xact_start when
 * its JSON was made, before audit_logs was locked.  Now that it is locked
 * (which takes in any ALTER TABLE committed meanwhile), it must still: else
 * nothing would say what those stamps were, and the write must not happen.
 */
static void
check_implied_stamps_recorded(bool implies_stamps)
{
	if (implies_stamps && !asd_audit_logs_has_xact_start())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("audit_softdelete.audit_logs changed while an audit row was being written"),
				 errdetail("Column \"xact_start\" of audit_logs was dropped or changed by a concurrent transaction."),
				 errhint("Retry the transaction.")));
}

static Datum
session_client_addr(bool *isnull)
{
	if (!client_addr_known)
	{
		LOCAL_FCINFO(fcinfo, 0);
		Datum		addr;
		MemoryContext oldcxt;

		InitFunctionCallInfoData(*fcinfo, NULL, 0, InvalidOid, NULL, NULL);
		addr = inet_client_addr(fcinfo);
		client_addr_null = fcinfo->isnull;
		if (!client_addr_null)
		{
			oldcxt = MemoryContextSwitchTo(TopMemoryContext);
			client_addr = PointerGetDatum(PG_DETOAST_DATUM_COPY(addr));
			MemoryContextSwitchTo(oldcxt);
		}
		client_addr_known = true;
	}
	*isnull = client_addr_null;
	return client_addr;
}

/*
 * One expression of the install script, parsed and transformed as CREATE
 * TABLE and ALTER TABLE do it, against audit_logs as it is now: as the
 * default of att, or as a CHECK constraint when att is NULL.
 */
static Node *
cook_installed(ParseState *pstate, const char *expr, Form_pg_attribute att)
{
	List	   *stmts = raw_parser(psprintf("SELECT %s", expr), RAW_PARSE_DEFAULT);
	SelectStmt *select = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
	Node	   *raw = linitial_node(ResTarget, select->targetList)->val;
	Node	   *cooked;

	if (att != NULL)
		return cookDefault(pstate, raw, att->atttypid, att->atttypmod,
						   NameStr(att->attname), att->attgenerated);
	cooked = transformExpr(pstate, raw, EXPR_KIND_CHECK_CONSTRAINT);
	cooked = coerce_to_boolean(pstate, cooked, "CHECK");
	assign_expr_collations(pstate, cooked);
	return cooked;
}

/*
 * Are audit_logs' column defaults, generated column and CHECK constraint
 * exactly the install script's, which the direct write stands in for?
 * Each stored expression is compared with what the script's text parses
 * to now (equal() ignores where in a statement a node was written).
 * Returns NULL if so, else what differs.
 */
static char *
changed_definition(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	ParseState *pstate;
	ParseNamespaceItem *nsitem;
	int			ndefaults = 0;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (audit_columns[i].default_expr != NULL)
			ndefaults++;
	if (constr == NULL || constr->num_defval != ndefaults)
		return "its column defaults are not the extension's";
	if (constr->num_check != 1 ||
		strcmp(constr->check[0].ccname, INSTALLED_CHECK_NAME) != 0)
		return "its CHECK constraints are not the extension's";

	pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	for (i = 0; i < constr->num_defval; i++)
	{
		AttrNumber	attnum = constr->defval[i].adnum;
		const char *expected = audit_columns[attnum - 1].default_expr;

		if (expected == NULL ||
			!equal(stringToNode(constr->defval[i].adbin),
				   cook_installed(pstate, expected, TupleDescAttr(desc, attnum - 1))))
			return psprintf("column \"%s\" has a default other than the extension's",
							audit_columns[attnum - 1].name);
	}
	if (!equal(stringToNode(constr->check[0].ccbin),
			   cook_installed(pstate, installed_check_expr(), NULL)))
		return psprintf("constraint \"%s\" is not the extension's",
						INSTALLED_CHECK_NAME);
	free_parsestate(pstate);
	return NULL;
}

/*
 * Is audit_logs still as the extension made it: a heap table with these
 * columns, types, NOT NULLs, defaults, generated column and CHECK, and
 * nothing that only the executor applies (triggers, rules, row-level
 * security, other constraints)?  Returns NULL if so, else what differs.
 */
static char *
changed_audit_logs(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		rel->rd_tableam != GetHeapamTableAmRoutine())
		return "it is not a plain heap table";
	if (rel->trigdesc != NULL)
		return "it has triggers";
	if (rel->rd_rules != NULL)
		return "it has rules";
	if (rel->rd_rel->relrowsecurity)
		return "it has row-level security";
	if (rel->rd_rel->relispartition)
		return "it is a partition, with a bound to check";
	/* all of them, or all but xact_start while the installed SQL is 1.0's */
	if (desc->natts != AUDIT_NATTS && desc->natts != COL_XACT_START)
		return "its columns are not the extension's";
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != audit_columns[i].type ||
			att->attnotnull != audit_columns[i].notnull ||
			att->attgenerated != audit_columns[i].generated ||
			strcmp(NameStr(att->attname), audit_columns[i].name) != 0)
			return "its columns are not the extension's";
	}
	return changed_definition(rel);
}

/* Can an index be maintained without the executor? */
static bool
plain_index(Relation index)
{
	Form_pg_index form = index->rd_index;

	return form->indimmediate && !form->indisexclusion &&
		heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL) &&
		heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL);
}

/*
 * Decide whether audit_logs, with these indexes open, allows the direct
 * write; the verdict holds until an invalidation of any of them (noted
 * only when none arrived while deciding).  DEBUG1 says which way and why.
 */
static void
decide_direct_write(Relation rel, Relation *indexes, int nindexes)
{
	uint64		generation = audit_logs_generation;
	char	   *reason = changed_audit_logs(rel);
	int			i;

	for (i = 0; i < nindexes && reason == NULL; i++)
		if (!plain_index(indexes[i]))
			reason = psprintf("index \"%s\" has expressions, a predicate, deferred uniqueness or exclusion",
							  RelationGetRelationName(indexes[i]));
	if (reason == NULL)
		ereport(DEBUG1,
				(errmsg_internal("audit rows are written into audit_softdelete.audit_logs directly")));
	else
		ereport(DEBUG1,
				(errmsg_internal("audit rows are written into audit_softdelete.audit_logs through the executor: %s",
								 reason)));
	direct_write_ok = (reason == NULL);
	direct_write_known = (generation == audit_logs_generation);
}

/* Close what is kept, under the resource owner that opened it. */
static void
release_kept(void)
{
	ResourceOwner save_owner = CurrentResourceOwner;
	int			i;

	CurrentResourceOwner = kept_owner;
	for (i = 0; i < kept_nindexes; i++)
		index_close(kept_indexes[i], NoLock);
	table_close(kept_rel, NoLock);
	CurrentResourceOwner = save_owner;
	kept_rel = NULL;
	kept_nindexes = 0;
}

/*
 * May what this write opens be kept for the statement's next rows?  Only
 * while a statement finishes under the resource owner we run with (not in
 * a subtransaction a trigger began), when nothing is kept yet, and from
 * the statement's second row on: keeping costs a statement of one row
 * more than it saves.
 */
static bool
may_keep(void)
{
	return kept_rel == NULL && keep_level > 0 && keep_level <= MAX_KEEP_LEVELS &&
		keep_owners[keep_level] == CurrentResourceOwner &&
		keep_writes[keep_level]++ > 0;
}

static void
keep(Relation rel, Relation *indexes, int nindexes)
{
	if (kept_index_room < nindexes)
	{
		kept_indexes = kept_indexes == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(Relation) * nindexes) :
			repalloc(kept_indexes, sizeof(Relation) * nindexes);
		kept_index_room = nindexes;
	}
	memcpy(kept_indexes, indexes, sizeof(Relation) * nindexes);
	kept_nindexes = nindexes;
	kept_rel = rel;
	kept_owner = CurrentResourceOwner;
	kept_level = keep_level;
	kept_generation = audit_logs_generation;
}

/*
 * asd_audit_logs_keep_enter, asd_audit_logs_keep_exit
 *		A statement starts, and ends, finishing: its AFTER triggers fire in
 *		between, and may keep audit_logs open till the exit.  failed: the
 *		exit is an error's, and the aborting resource owner releases what
 *		was kept.
 */
void
asd_audit_logs_keep_enter(void)
{
	keep_level++;
	if (keep_level <= MAX_KEEP_LEVELS)
	{
		keep_owners[keep_level] = CurrentResourceOwner;
		keep_writes[keep_level] = 0;
	}
}

void
asd_audit_logs_keep_exit(bool failed)
{
	if (kept_rel != NULL && kept_level >= keep_level)
	{
		if (failed)
		{
			kept_rel = NULL;
			kept_nindexes = 0;
		}
		else
			release_kept();
	}
	keep_level--;
}

/* Nothing kept outlives its transaction, even if a path above missed it. */
static void
forget_kept(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
	{
		kept_rel = NULL;
		kept_nindexes = 0;
		keep_level = 0;
	}
}

/*
 * Write the row directly: heap tuple, then each index entry.  Returns false,
 * having written nothing, when audit_logs is not plain enough for that.
 */
static bool
insert_directly(Oid relid, Oid seqid, Datum *args, char *argnulls,
				bool implies_stamps)
{
	Relation	rel;
	Relation   *indexes;
	int			nindexes;
	bool		reused;
	Datum		values[AUDIT_NATTS];
	bool		nulls[AUDIT_NATTS];
	HeapTuple	tuple;
	int			i;

	/*
	 * Known to need the executor: leave the open to it.  (An invalidation
	 * the open would have processed can only send one more row there.)
	 */
	if (direct_write_known && !direct_write_ok)
		return false;

	/* kept from an earlier row: unless audit_logs changed since */
	if (kept_rel != NULL && kept_owner == CurrentResourceOwner &&
		(kept_generation != audit_logs_generation || RelationGetRelid(kept_rel) != relid))
		release_kept();
	reused = (kept_rel != NULL && kept_owner == CurrentResourceOwner);
	if (reused)
	{
		rel = kept_rel;
		indexes = kept_indexes;
		nindexes = kept_nindexes;
	}
	else
	{
		List	   *indexoids;
		ListCell   *lc;

		rel = table_open(relid, RowExclusiveLock);
		indexoids = RelationGetIndexList(rel);
		indexes = palloc(sizeof(Relation) * list_length(indexoids));
		nindexes = 0;
		foreach(lc, indexoids)
			indexes[nindexes++] = index_open(lfirst_oid(lc), RowExclusiveLock);
	}

	/* after the opens: taking their locks may have processed invalidations */
	check_implied_stamps_recorded(implies_stamps);
	if (!direct_write_known)
		decide_direct_write(rel, indexes, nindexes);
	if (!direct_write_ok)
	{
		if (reused)
			release_kept();
		else
		{
			for (i = 0; i < nindexes; i++)
				index_close(indexes[i], RowExclusiveLock);
			table_close(rel, RowExclusiveLock);
		}
		return false;
	}
	values[COL_ID] = Int64GetDatum(nextval_internal(seqid, false));
	values[COL_LOGGED_AT] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
	values[COL_TXID] = args[11];
	nulls[COL_ID] = nulls[COL_LOGGED_AT] = nulls[COL_TXID] = false;
	for (i = 0; i < 6; i++)
	{
		values[COL_TABLE_ID + i] = args[i];
		nulls[COL_TABLE_ID + i] = (argnulls[i] == 'n');
	}
	/* the generated column, computed as its expression does */
	nulls[COL_ROW_PK_HASH] = nulls[COL_ROW_PK];
	values[COL_ROW_PK_HASH] = nulls[COL_ROW_PK] ? (Datum) 0 :
		DirectFunctionCall2(jsonb_hash_extended, values[COL_ROW_PK],
							Int64GetDatum(0));
	for (i = 0; i < 4; i++)
	{
		values[COL_OLD_VALUES + i] = args[6 + i];
		nulls[COL_OLD_VALUES + i] = (argnulls[6 + i] == 'n');
	}
	values[COL_DB_USER] = CStringGetTextDatum(asd_session_user_name());
	nulls[COL_DB_USER] = false;
	values[COL_CLIENT_ADDR] = session_client_addr(&nulls[COL_CLIENT_ADDR]);
	values[COL_APPLICATION_NAME] = CStringGetTextDatum(application_name ? application_name : "");
	nulls[COL_APPLICATION_NAME] = false;
	values[COL_CONTEXT] = args[10];
	nulls[COL_CONTEXT] = (argnulls[10] == 'n');
	values[COL_MIGRATION_ID] = args[12];
	nulls[COL_MIGRATION_ID] = (argnulls[12] == 'n');
	/* a 1.0 audit_logs has no xact_start: heap_form_tuple reads no further */
	values[COL_XACT_START] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[COL_XACT_START] = false;

	/*
	 * Where audit_space.c points: at the end of the table or into a block
	 * range a retention delete emptied, never into room the free space map
	 * offers in an old page (a row put there widened that old range's BRIN
	 * summary to now and re-formed its bloom filter, about 140k
	 * instructions and 300 bytes of WAL per row).
	 */
	tuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	asd_audit_space_choose(rel, indexes, nindexes, tuple->t_len);
	heap_insert(rel, tuple, GetCurrentCommandId(true), HEAP_INSERT_SKIP_FSM, NULL);

	for (i = 0; i < nindexes; i++)
	{
		Relation	index = indexes[i];
		Form_pg_index form = index->rd_index;
		Datum		ivalues[INDEX_MAX_KEYS];
		bool		inulls[INDEX_MAX_KEYS];
		int			k;

		if (!form->indisready)
			continue;
		for (k = 0; k < form->indnatts; k++)
		{
			AttrNumber	attnum = form->indkey.values[k];

			ivalues[k] = values[attnum - 1];
			inulls[k] = nulls[attnum - 1];
		}
		index_insert(index, ivalues, inulls, &tuple->t_self, rel,
					 form->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, kept_index_info(index));
	}
	asd_audit_space_placed(rel, indexes, nindexes, &tuple->t_self);

	if (!reused)
	{
		if (may_keep())
			keep(rel, indexes, nindexes);
		else
		{
			for (i = 0; i < nindexes; i++)
				index_close(indexes[i], NoLock);
			table_close(rel, NoLock);
		}
	}
	return true;
}

static void
insert_through_spi(Oid relid, Datum *args, char *nulls, bool implies_stamps)
{
	AsdSpi		spi;
	bool		migration = (nulls[12] != 'n');
	bool		xact_start;
	SPIPlanPtr *plan;

	/* as the direct write: audit_logs locked before its shape is asked */
	LockRelationOid(relid, RowExclusiveLock);
	check_implied_stamps_recorded(implies_stamps);
	xact_start = asd_audit_logs_has_xact_start();
	plan = &insert_plans[migration][xact_start];
	asd_spi_connect(&spi, InvalidOid, 0);
	if (*plan == NULL)
		*plan = prepare_insert(migration, xact_start);
	/* a rule on audit_logs can turn the INSERT into something else */
	if (asd_spi_run_plan(*plan, args, nulls, 0, 0) != SPI_OK_INSERT)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not insert into audit_softdelete.audit_logs"),
				 errdetail("A rule on audit_softdelete.audit_logs replaced the INSERT of the audit row."),
				 errhint("Drop that rule: every change must leave its audit row.")));
	asd_spi_finish(&spi);
}

/*
 * asd_write_audit_row
 *		Insert one audit row.
 */
void
asd_write_audit_row(AsdAuditRow *row)
{
	AsdRelInfo *info = row->info;
	Datum		args[INSERT_NARGS];
	char		nulls[INSERT_NARGS];
	bool		context_null;
	int64		migration_id = 0;
	Oid			relid;
	Oid			seqid;
	Oid			save_userid;
	int			save_sec;
	int			i;

	for (i = 0; i < INSERT_NARGS; i++)
		nulls[i] = ' ';

	args[0] = Int32GetDatum(info->table_id);
	if (row->named_table == NULL)
	{
		args[1] = ObjectIdGetDatum(info->tracked_relid);
		/* a relinfo's names made once; an info made for one row has none */
		args[2] = info->schema_name_text ? PointerGetDatum(info->schema_name_text) :
			CStringGetTextDatum(info->schema_name);
		args[3] = info->table_name_text ? PointerGetDatum(info->table_name_text) :
			CStringGetTextDatum(info->table_name);
	}
	else
	{
		args[1] = ObjectIdGetDatum(RelationGetRelid(row->named_table));
		args[2] = CStringGetTextDatum(get_namespace_name(RelationGetNamespace(row->named_table)));
		args[3] = CStringGetTextDatum(RelationGetRelationName(row->named_table));
	}
	args[4] = CStringGetTextDatum(action_names[row->action]);
	args[5] = PointerGetDatum(row->row_pk);
	nulls[5] = row->row_pk ? ' ' : 'n';
	args[6] = PointerGetDatum(row->old_values);
	nulls[6] = row->old_values ? ' ' : 'n';
	args[7] = PointerGetDatum(row->new_values);
	nulls[7] = row->new_values ? ' ' : 'n';
	args[8] = PointerGetDatum(row->changed_columns);
	nulls[8] = row->changed_columns ? ' ' : 'n';
	args[9] = CStringGetTextDatum(asd_current_actor());
	args[10] = current_context(&context_null);
	nulls[10] = context_null ? 'n' : ' ';
	/* pg_current_xact_id(), in this cluster's era (txid_era.c) */
	args[11] = FullTransactionIdGetDatum(asd_current_audit_txid());
	nulls[12] = asd_current_migration_id(&migration_id) ? ' ' : 'n';
	args[12] = Int64GetDatum(migration_id);

	/*
	 * Copies: opening the relations below takes locks, which can process
	 * invalidations that forget the cached OIDs.
	 */
	lookup_audit_logs(&relid, &seqid);

	asd_become_extension_owner(&save_userid, &save_sec);
	if (!insert_directly(relid, seqid, args, nulls, row->implies_stamps))
	{
		/* the executor runs what a DBA added: not with the writer's search_path */
		int			nestlevel = asd_pin_search_path(save_userid, GetUserId());

		insert_through_spi(relid, args, nulls, row->implies_stamps);
		asd_unpin_search_path(nestlevel);
	}
	asd_restore_user(save_userid, save_sec);
}

/*
 * set_context(context jsonb) RETURNS void
 *		Attach a JSON document to the audit rows of the rest of the current
 *		transaction (request id, path, ticket...), like SET LOCAL.  NULL
 *		clears it.
 */
Datum
asd_set_context(PG_FUNCTION_ARGS)
{
	char	   *value = "";

	if (!PG_ARGISNULL(0))
		value = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(0)));

	(void) set_config_option("audit_softdelete.context", value,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	PG_RETURN_VOID();
}
