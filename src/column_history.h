/*-------------------------------------------------------------------------
 *
 * column_history.h
 *	  Which name each column of a tracked table had when: see
 *	  column_history.c.
 *
 * IDENTIFICATION
 *	  src/column_history.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_COLUMN_HISTORY_H
#define ASD_COLUMN_HISTORY_H

#include "audit_softdelete.h"
#include "lib/stringinfo.h"

extern void asd_column_history_sync(Oid relid, int32 table_id);
extern void asd_append_names_cte(StringInfo q, const char *table_id);
extern void asd_append_todays_names(StringInfo q, const char *obj, const char *row);

#endif							/* ASD_COLUMN_HISTORY_H */
