/*-------------------------------------------------------------------------
 *
 * tracked.h
 *	  tracked_tables: a table's options, read and written as the extension
 *	  owner: see tracked.c.
 *
 * IDENTIFICATION
 *	  src/tracked.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_TRACKED_H
#define ASD_TRACKED_H

#include "audit_softdelete.h"
#include "nodes/pg_list.h"

/* The options of one tracked_tables row. */
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

extern void asd_tracked_init(void);
extern bool asd_is_tracked_tables(Oid relid);
extern Oid	asd_extension_owner(void);
extern bool asd_read_table_options(Oid relid, AsdTableOptions *opts);
extern Oid	asd_resolve_soft_delete_table(Oid relid, bool qualified);
extern Oid	asd_live_view_table(Oid viewid);

#endif							/* ASD_TRACKED_H */
