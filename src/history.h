/*-------------------------------------------------------------------------
 *
 * history.h
 *	  Finding a table's and a row's audit history: see history.c.
 *
 * IDENTIFICATION
 *	  src/history.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_HISTORY_H
#define ASD_HISTORY_H

#include "audit_softdelete.h"
#include "utils/jsonb.h"

extern int32 asd_history_table_id(Oid tbl, Oid *relid);
extern Jsonb *asd_history_stored_key(Oid relid, Jsonb *pk);
extern bool asd_audit_logs_hides_rows(void);

#endif							/* ASD_HISTORY_H */
