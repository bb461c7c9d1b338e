/*-------------------------------------------------------------------------
 *
 * audit_write.h
 *	  The audit_logs insert: see audit_write.c.
 *
 * IDENTIFICATION
 *	  src/audit_write.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_AUDIT_WRITE_H
#define ASD_AUDIT_WRITE_H

#include "audit_softdelete.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

/* audit_logs.action; audit_write.c names them */
typedef enum AsdAuditAction
{
	ASD_ACTION_INSERT,
	ASD_ACTION_UPDATE,
	ASD_ACTION_DELETE,
	ASD_ACTION_SOFT_DELETE,
	ASD_ACTION_RESTORE,
	ASD_ACTION_TRUNCATE,
	/* changes to a table's auditing: tracked.c */
	ASD_ACTION_ENABLE,
	ASD_ACTION_CONFIGURE,
	ASD_ACTION_DISABLE
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
	/* new_values leaves out stamps that xact_start and actor imply */
	bool		implies_stamps;
} AsdAuditRow;

extern void asd_audit_write_init(void);
extern void asd_write_audit_row(AsdAuditRow *row);
extern bool asd_audit_logs_has_xact_start(void);
extern void asd_audit_logs_keep_enter(void);
extern void asd_audit_logs_keep_exit(bool failed);

#endif							/* ASD_AUDIT_WRITE_H */
