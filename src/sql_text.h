/*-------------------------------------------------------------------------
 *
 * sql_text.h
 *	  Pieces of the SQL the extension writes about a user's table: see
 *	  sql_text.c.
 *
 * IDENTIFICATION
 *	  src/sql_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_SQL_TEXT_H
#define ASD_SQL_TEXT_H

#include "audit_softdelete.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

extern char *asd_qualified_name(Oid relid);
extern const char *asd_only(Oid relid);
extern char *asd_row_key_condition(Oid relid, Jsonb *pk);
extern Datum asd_text_array(List *names);
extern bool asd_list_has_name(List *names, const char *name);

#endif							/* ASD_SQL_TEXT_H */
