/*-------------------------------------------------------------------------
 *
 * audit_softdelete.h
 *	  Shared types and prototypes of the audit_softdelete extension.
 *
 * IDENTIFICATION
 *	  src/audit_softdelete.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef AUDIT_SOFTDELETE_H
#define AUDIT_SOFTDELETE_H

#include "postgres.h"

#include "access/attnum.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#define ASD_EXTENSION_NAME	"audit_softdelete"
#define ASD_SCHEMA_NAME		"audit_softdelete"

/*
 * The standard columns a table can carry, by role.  Each role maps to one
 * column of the table; the mapping lives in tracked_tables.columns and
 * defaults to the role's own name.
 */
typedef enum AsdColumnRole
{
	/* the stamps */
	ASD_CREATED_AT,
	ASD_CREATED_BY,
	ASD_UPDATED_AT,
	ASD_UPDATED_BY,
	/* soft delete */
	ASD_DELETED_AT,
	ASD_DELETED_BY,
	ASD_NUM_ROLES
} AsdColumnRole;

#define ASD_NUM_STAMP_ROLES (ASD_UPDATED_BY + 1)

/* What a role's column holds, which decides how we fill it. */
#define asd_role_is_actor(role) \
	((role) == ASD_CREATED_BY || (role) == ASD_UPDATED_BY || \
	 (role) == ASD_DELETED_BY)

/* roles.c: the roles' names, and the types that can hold them */
extern const char *const asd_role_names[ASD_NUM_ROLES];
extern bool asd_role_type_fits(AsdColumnRole role, Oid basetypid);

/* tracked_tables.soft_delete */
typedef enum AsdSoftDeleteMode
{
	ASD_SOFT_DELETE_OFF,
	ASD_SOFT_DELETE_TRIGGER,
	ASD_SOFT_DELETE_VIEW
} AsdSoftDeleteMode;

/* One resolved role column of one relation. */
typedef struct AsdRoleColumn
{
	AttrNumber	attnum;			/* in the firing relation's descriptor */
	char	   *attname;
	Oid			typid;			/* declared type, possibly a domain */
	int32		typmod;
	Oid			basetypid;		/* typid with domains stripped */
	/* for actor columns: the type's input function */
	FmgrInfo	input;
	Oid			ioparam;
} AsdRoleColumn;

/* How a column's value becomes JSON: a few common types directly, the rest
 * through PostgreSQL's own to_jsonb(). */
typedef enum AsdJsonKind
{
	ASD_JSON_GENERIC,
	ASD_JSON_TEXT,
	ASD_JSON_INT,
	ASD_JSON_BOOL,
	ASD_JSON_NUMERIC,
	ASD_JSON_JSONB,
	ASD_JSON_DATETIME,
	ASD_JSON_ARRAY				/* of text or integers; nested ones go to
								 * to_jsonb() */
} AsdJsonKind;

/* One column of the firing relation, as the audit trail sees it. */
typedef struct AsdAuditColumn
{
	char	   *name;
	int			namelen;
	Oid			typid;
	int32		typmod;
	Oid			collation;
	int16		typlen;
	bool		typbyval;
	bool		logged;			/* not dropped, not excluded */
	bool		redacted;		/* logged with a marker instead of its value */
	bool		is_stamp;		/* a stamp column (stamps enabled) */
	bool		in_pk;			/* part of the primary key */
	AsdJsonKind kind;
	FmgrInfo   *to_jsonb;		/* ASD_JSON_GENERIC: to_jsonb(), set up on first use */
	bool		eq_looked_up;
	FmgrInfo   *eq;				/* the type's equality, NULL if it has none */
} AsdAuditColumn;

/*
 * One foreign key of a table, seen from that table, as foreign_keys.c loads
 * it from pg_constraint.  Its key columns are given in key order.
 */
typedef struct AsdForeignKey
{
	Oid			conoid;
	char	   *conname;
	bool		we_reference;	/* the other table is the referenced one */
	char		action;			/* pg_constraint.confdeltype */
	Oid			other_relid;	/* the table at the other end */
	char		other_relkind;
	Oid			other_owner;
	char	   *other_relname;
	char	   *other_qualified;	/* schema-qualified and quoted */
	char	   *other_deleted_at;	/* its deleted_at column, if soft delete */
	int			nkeys;
	AttrNumber	our_attnums[INDEX_MAX_KEYS];	/* in the table enable() names */
	AttrNumber	attnums[INDEX_MAX_KEYS];	/* the same in the firing relation */
	Oid			types[INDEX_MAX_KEYS];	/* their types there */
	AttrNumber	other_attnums[INDEX_MAX_KEYS];
	char	   *other_columns[INDEX_MAX_KEYS];
	Oid			other_types[INDEX_MAX_KEYS];
	Oid			pf_eq_oprs[INDEX_MAX_KEYS]; /* referenced = referencing */
	SPIPlanPtr	plan;			/* cascade.c's query for it, kept once used */
} AsdForeignKey;

/* The foreign keys that matter to a soft delete of a table's rows. */
typedef struct AsdForeignKeys
{
	List	   *referencing;	/* keys of other tables that reference it */
	List	   *cascading_parents;	/* its own validated ON DELETE CASCADE
									 * keys */
} AsdForeignKeys;

/*
 * Per-relation cache entry, keyed by the OID of the relation a trigger
 * fires on (a partition resolves to the options of its enabled ancestor).
 * Invalidated by relcache callbacks, rebuilt lazily on next use.
 */
typedef struct AsdRelInfo
{
	Oid			relid;			/* hash key: must be first */
	bool		valid;
	MemoryContext cxt;			/* owns everything below */

	bool		tracked;		/* an enabled tracked_tables row applies */
	Oid			tracked_relid;	/* the table enable() was called on */
	int32		table_id;
	char	   *schema_name;	/* of tracked_relid, for audit rows */
	char	   *table_name;		/* as audit rows name it (view mode: the
								 * live view's name, the application's) */
	bool		stamps;
	bool		audit;
	AsdSoftDeleteMode soft_delete;
	AsdRoleColumn roles[ASD_NUM_ROLES];
	char	   *qualified_name;	/* of the firing relation, for queries */
	SPIPlanPtr	mark_plan;		/* soft delete's UPDATE, kept once used */
	AsdForeignKeys *foreign_keys;	/* loaded on first need */
	List	   *depends_on;		/* OIDs of other relations it names */
	/* a live view (view mode): its key columns, for DELETE through it */
	AttrNumber *key_attnums;
	int			nkeys;
	int			natts;
	AsdAuditColumn *columns;	/* [natts], by attnum - 1 */
	/* the logged columns, by index in columns[], in jsonb's key order */
	int		   *json_order;
	int			njson;
	bool		has_pk;
} AsdRelInfo;

/* The options of one tracked_tables row, as read by tracked.c. */
typedef struct AsdTableOptions
{
	Oid			relid;
	int32		table_id;
	bool		enabled;
	bool		stamps;
	bool		audit;
	AsdSoftDeleteMode soft_delete;
	char	   *column_names[ASD_NUM_ROLES];
	List	   *exclude_columns;	/* of char * */
	List	   *redact_columns;
	char	   *view_name;		/* view mode: the live view's name, or NULL */
} AsdTableOptions;

/* audit_logs.action; audit_write.c names them */
typedef enum AsdAuditAction
{
	ASD_ACTION_INSERT,
	ASD_ACTION_UPDATE,
	ASD_ACTION_DELETE,
	ASD_ACTION_SOFT_DELETE,
	ASD_ACTION_RESTORE,
	ASD_ACTION_TRUNCATE
} AsdAuditAction;

/* One audit_logs row, as the audit trigger hands it to the writer. */
typedef struct AsdAuditRow
{
	AsdRelInfo *info;
	/* the table named in the row: info's enabled table unless set */
	Relation	named_table;
	AsdAuditAction action;
	Jsonb	   *row_pk;			/* NULL allowed */
	Jsonb	   *old_values;
	Jsonb	   *new_values;
	ArrayType  *changed_columns;
} AsdAuditRow;

/* audit_softdelete.c: settings */
extern char *asd_actor;
extern char *asd_actor_setting;
extern char *asd_context;
extern bool asd_hard_delete;

/*
 * audit_softdelete.c: relcache invalidation.  A hook is called with the
 * OID of the relation whose relcache entry was invalidated, or InvalidOid
 * when all were; like any cache callback it only forgets or marks, it
 * neither reads the catalogs nor raises errors.
 */
typedef void (*AsdRelcacheHook) (Oid relid);
extern void asd_register_relcache_hook(AsdRelcacheHook hook);

/* actor.c */
extern char *asd_current_actor(void);
extern char *asd_session_user_name(void);
extern Datum asd_actor_datum(const char *actor, AsdRoleColumn *col,
							 Relation rel);

/* tracked.c */
extern Oid	asd_tracked_tables_relid(bool missing_ok);
extern bool asd_is_tracked_tables(Oid relid);
extern char *asd_check_table(Oid relid, const char *verb);
extern Oid	asd_soft_delete_table(Oid relid);
extern Oid	asd_resolve_soft_delete_table(Oid relid);
extern Oid	asd_live_view_table(Oid viewid);
extern void asd_tracked_init(void);
extern bool asd_read_table_options(Oid relid, AsdTableOptions *opts);
extern Oid	asd_extension_owner(void);

/* owner.c: who the extension acts as */
extern void asd_become_user(Oid role, int sec_flags,
							Oid *save_userid, int *save_sec);
extern void asd_become_extension_owner(Oid *save_userid, int *save_sec);
extern void asd_restore_user(Oid save_userid, int save_sec);

/* An SPI connection made as some role: asd_spi_connect() to asd_spi_finish() */
typedef struct AsdSpi
{
	Oid			save_userid;	/* to switch back to */
	int			save_sec;
} AsdSpi;

/* asd_spi_run() options */
#define ASD_SPI_READ_ONLY	0x01	/* read-only, the transaction's snapshot */
#define ASD_SPI_LATEST		0x02	/* read-only, the latest snapshot */
#define ASD_SPI_ONE_ROW		0x04	/* stop at the first row */

extern void asd_spi_connect(AsdSpi *spi, Oid role, int sec_flags);
extern void asd_spi_connect_as_owner(AsdSpi *spi);
extern void asd_spi_finish(AsdSpi *spi);
extern SPIPlanPtr asd_spi_prepare(const char *query, int nargs, Oid *argtypes,
								  bool keep);
extern int	asd_spi_run(const char *query, int nargs, Oid *argtypes,
						Datum *args, const char *nulls, int expected,
						int options);
extern int	asd_spi_run_plan(SPIPlanPtr plan, Datum *args, const char *nulls,
							 int expected, int options);

/*
 * A call of a public function that runs internal ones as the extension
 * owner on behalf of the calling role
 */
typedef struct AsdGate
{
	Oid			caller;			/* the role that called */
	Oid			save_userid;	/* to switch back to on exit */
	int			save_sec;
	struct AsdGate *outer;
} AsdGate;

extern void asd_gate_enter(AsdGate *gate);
extern void asd_gate_exit(AsdGate *gate);
extern Oid	asd_gate_caller(const char *funcname);
extern Oid	asd_acting_role(void);
extern bool asd_take_ddl_pass(void);

/* internal.c: how the public functions reach the internal ones */
extern Datum asd_call_internal_function(const char *name, int nargs,
										const Oid *argtypes, const Datum *args,
										bool *isnull);

/* relinfo.c */
extern void asd_relinfo_init(void);
extern AsdRelInfo *asd_get_relinfo(Relation rel);
extern void asd_relinfo_depends_on(AsdRelInfo *info, Oid relid);
extern void asd_retire_plan(SPIPlanPtr plan);

/* foreign_keys.c */
extern AsdForeignKeys *asd_get_foreign_keys(AsdRelInfo *info, Relation rel);
extern void asd_free_foreign_keys(AsdRelInfo *info);

/* rowjson.c */
extern bool asd_values_equal(AsdAuditColumn *col, Datum a, Datum b,
							 MemoryContext cachecxt);
extern bool asd_column_changed(AsdAuditColumn *col,
							   Datum oldvalue, bool oldnull,
							   Datum newvalue, bool newnull,
							   MemoryContext cachecxt);
extern Jsonb *asd_columns_to_jsonb(AsdRelInfo *info, Datum *values,
								   bool *nulls, const bool *include,
								   bool pk_only);

/* jsonb_writer.c: a flat object, written in one pass (see there) */
typedef struct AsdJsonbContainer
{
	StringInfo	buf;
	int			start;			/* offset where it starts, before padding */
	int			entries;		/* offset of its first JEntry */
	int			data;			/* offset of its first entry's data */
	int			nentries;
	int			next;			/* the JEntry to fill next */
} AsdJsonbContainer;

typedef struct AsdJsonbObject
{
	StringInfoData buf;
	AsdJsonbContainer root;
} AsdJsonbObject;

extern void asd_jsonb_begin_object(AsdJsonbObject *obj, int npairs);
extern void asd_jsonb_key(AsdJsonbObject *obj, const char *name, int len);
extern void asd_jsonb_scalar(AsdJsonbObject *obj, const JsonbValue *v);
extern void asd_jsonb_document(AsdJsonbObject *obj, Jsonb *jb);
extern void asd_jsonb_begin_array(AsdJsonbObject *obj, AsdJsonbContainer *array,
								  int nelems);
extern void asd_jsonb_array_scalar(AsdJsonbContainer *array, const JsonbValue *v);
extern void asd_jsonb_end_array(AsdJsonbObject *obj, AsdJsonbContainer *array);
extern Jsonb *asd_jsonb_end_object(AsdJsonbObject *obj);

/* audit_write.c */
extern void asd_audit_write_init(void);
extern void asd_write_audit_row(AsdAuditRow *row);
extern Datum asd_current_context(bool *isnull);

/* stamp.c */
extern Datum asd_time_datum(AsdRoleColumn *col);

/* softdelete.c */
extern bool asd_delete_row(Oid table, SPIPlanPtr plan, Datum *values);

/* mark_deleted.c */
extern void asd_mark_deleted(AsdRelInfo *info, Relation rel, HeapTuple tuple);

/* key_compare.c */
extern Oid	asd_key_equality(Relation rel, AttrNumber attnum);
extern void asd_append_key_clause(StringInfo buf, Relation rel,
								  AttrNumber attnum, const char *value);

/* How a key given as JSON matches a table's primary key. */
typedef enum AsdKeyMatch
{
	ASD_KEY_MATCHES,
	ASD_KEY_NOT_OBJECT,			/* not a JSON object */
	ASD_KEY_OTHER_COLUMNS,		/* names other columns than the key's */
	ASD_KEY_HAS_NULL			/* a value is null */
} AsdKeyMatch;

extern List *asd_primary_key_columns(Oid relid);
extern AsdKeyMatch asd_match_key(Jsonb *pk, List *pkcols, List **keys);

/* viewmode.c */
extern bool asd_changes_columns(Node *parsetree);
extern bool asd_changes_partitions(Node *parsetree);

/* cascade.c */
extern bool asd_purging(AsdRelInfo *info);
extern void asd_cascade_soft_delete(AsdRelInfo *info, Relation rel, HeapTuple tuple);
extern void asd_record_cascade(AsdRelInfo *info, Relation rel, HeapTuple tuple);
extern Jsonb *asd_bookkeeping_key(AsdRelInfo *info, Datum *values, bool *nulls);
extern bool asd_parent_physically_deleted(AsdRelInfo *info, Relation rel,
										  HeapTuple tuple);

/* statement.c */
extern void asd_statement_init(void);
extern uint64 asd_current_utility(void);

/* row_movement.c */
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

/* audit.c */
extern void asd_audit_init(void);
extern void asd_audit_whole_row(AsdRelInfo *info, AsdAuditAction action,
								HeapTuple tuple, TupleDesc tupdesc);

/* trigger_check.c */
extern TriggerData *asd_check_row_trigger(FunctionCallInfo fcinfo,
										  const char *funcname,
										  bool before,
										  bool insert_ok, bool update_ok,
										  bool delete_ok);

/* version.c */
extern char *asd_installed_version(void);

#endif							/* AUDIT_SOFTDELETE_H */
