/*-------------------------------------------------------------------------
 *
 * audit_softdelete.h
 *	  What every file of the extension shares: its names, the standard
 *	  columns' roles, the per-relation cache entry (AsdRelInfo) and the
 *	  types it holds, and what the module load (audit_softdelete.c)
 *	  defines: the settings and the relcache hooks.
 *
 * Each other file's exports are in a header of its own name; such a header
 * includes this one and PostgreSQL's, no other of the extension's (the
 * Makefile's dependencies count on it).
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
#include "executor/spi.h"
#include "fmgr.h"

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
	/* for actor columns: the type's input and output functions */
	FmgrInfo	input;
	Oid			ioparam;
	FmgrInfo	output;
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
	ASD_JSON_ARRAY,				/* of text or integers; nested ones go to
								 * to_jsonb() */
	ASD_JSON_FLOAT				/* real, double precision and domains over
								 * them: exact, whatever extra_float_digits
								 * says */
} AsdJsonKind;

/* One column of the firing relation, as the audit trail sees it. */
typedef struct AsdAuditColumn
{
	char	   *name;
	int			namelen;
	text	   *name_text;		/* name as a text datum, made on first use */
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
	text	   *schema_name_text;	/* the two as text datums, made on first
									 * use */
	text	   *table_name_text;
	bool		stamps;
	bool		audit;
	AsdSoftDeleteMode soft_delete;
	AsdRoleColumn roles[ASD_NUM_ROLES];
	char	   *qualified_name;	/* of the firing relation, for queries */
	SPIPlanPtr	mark_plan;		/* soft delete's UPDATE, kept once used */
	struct AsdForeignKeys *foreign_keys;	/* loaded on first need
											 * (foreign_keys.c) */
	List	   *parent_keys;	/* its keys onto soft-delete tables, loaded
								 * on first need (live_parent.c) */
	bool		parent_keys_loaded;
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

/* audit_softdelete.c: settings */
extern char *asd_actor;
extern char *asd_actor_setting;
extern char *asd_context;
extern bool asd_hard_delete;
extern bool asd_setting_undo_context;

/*
 * audit_softdelete.c: relcache invalidation.  A hook is called with the
 * OID of the relation whose relcache entry was invalidated, or InvalidOid
 * when all were; like any cache callback it only forgets or marks, it
 * neither reads the catalogs nor raises errors.
 */
typedef void (*AsdRelcacheHook) (Oid relid);
extern void asd_register_relcache_hook(AsdRelcacheHook hook);

#endif							/* AUDIT_SOFTDELETE_H */
