/*-------------------------------------------------------------------------
 *
 * key_compare.h
 *	  Finding a row by its primary key: see key_compare.c.
 *
 * IDENTIFICATION
 *	  src/key_compare.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_KEY_COMPARE_H
#define ASD_KEY_COMPARE_H

#include "audit_softdelete.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

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

extern char *asd_collation_name(Oid collid);
extern List *asd_primary_key_columns(Oid relid);
extern bool asd_key_text_depends_on_settings(Oid relid);
extern bool asd_key_spellings_incomplete(Oid relid);
extern bool asd_key_has_json_cast(Oid relid);
extern char *asd_populate_json(Oid relid, const char *json);
extern char *asd_audit_key_match(Oid relid, const char *row_pk, const char *param);
extern List *asd_key_spellings_by_offset(Oid relid, Jsonb *key);
extern List *asd_key_spellings_by_style(Oid relid, Jsonb *key);
extern char *asd_audit_key_reprinted(Oid relid, const char *row_pk);
extern AsdKeyMatch asd_match_key(Jsonb *pk, List *pkcols, List **keys);
extern void asd_report_key_mismatch(AsdKeyMatch match, List *pkcols, List *keys,
									const char *relname);

#endif							/* ASD_KEY_COMPARE_H */
