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
#include "fmgr.h"
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
	ASD_CREATED_AT,
	ASD_CREATED_BY,
	ASD_UPDATED_AT,
	ASD_UPDATED_BY,
	ASD_NUM_ROLES
} AsdColumnRole;

extern const char *const asd_role_names[ASD_NUM_ROLES];

/* What a role's column holds, which decides how we fill it. */
#define asd_role_is_actor(role) \
	((role) == ASD_CREATED_BY || (role) == ASD_UPDATED_BY)

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
	bool		stamps;
	AsdRoleColumn roles[ASD_NUM_ROLES];
	/* true for the attnums (1-based index) that hold a stamp column */
	bool	   *is_stamp_column;
} AsdRelInfo;

/* The options of one tracked_tables row, as read by tracked.c. */
typedef struct AsdTableOptions
{
	Oid			relid;
	int32		table_id;
	bool		enabled;
	bool		stamps;
	char	   *column_names[ASD_NUM_ROLES];
} AsdTableOptions;

/* audit_softdelete.c: settings */
extern char *asd_actor;
extern char *asd_actor_setting;

/* actor.c */
extern char *asd_current_actor(void);
extern Datum asd_actor_datum(const char *actor, AsdRoleColumn *col,
							 Relation rel);

/* tracked.c */
extern Oid	asd_tracked_tables_relid(bool missing_ok);
extern bool asd_read_table_options(Oid relid, AsdTableOptions *opts);
extern void asd_become_extension_owner(Oid *save_userid, int *save_sec);
extern void asd_restore_user(Oid save_userid, int save_sec);

/* relinfo.c */
extern void asd_relinfo_init(void);
extern AsdRelInfo *asd_get_relinfo(Relation rel);

/* row_movement.c */
extern void asd_remember_partition_update(AsdRelInfo *info, Relation rel,
										  HeapTuple newtuple);
extern bool asd_is_moved_row(AsdRelInfo *info, Relation rel,
							 HeapTuple newtuple);

/* trigger_check.c */
extern TriggerData *asd_check_row_trigger(FunctionCallInfo fcinfo,
										  const char *funcname,
										  bool before,
										  bool insert_ok, bool update_ok,
										  bool delete_ok);

#endif							/* AUDIT_SOFTDELETE_H */
