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

extern void asd_column_history_sync(Oid relid, int32 table_id);

#endif							/* ASD_COLUMN_HISTORY_H */
