/*-------------------------------------------------------------------------
 *
 * foreign_keys.h
 *	  A table's foreign keys, loaded into its relinfo entry: see
 *	  foreign_keys.c.
 *
 * IDENTIFICATION
 *	  src/foreign_keys.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_FOREIGN_KEYS_H
#define ASD_FOREIGN_KEYS_H

#include "audit_softdelete.h"
#include "utils/rel.h"

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
	char		update_action;	/* pg_constraint.confupdtype (live_parent.c) */
	bool		initially_deferred; /* DEFERRABLE INITIALLY DEFERRED */
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
	char	   *collate[INDEX_MAX_KEYS];	/* " COLLATE ..." the comparison
											 * needs, or NULL */
	SPIPlanPtr	plan;			/* cascade.c's query for it, kept once used */
} AsdForeignKey;

/* The foreign keys that matter to a soft delete of a table's rows. */
typedef struct AsdForeignKeys
{
	List	   *referencing;	/* keys of other tables that reference it */
	List	   *cascading_parents;	/* its own validated ON DELETE CASCADE
									 * keys */
} AsdForeignKeys;

extern AsdForeignKeys *asd_get_foreign_keys(AsdRelInfo *info, Relation rel);
extern void asd_free_foreign_keys(AsdRelInfo *info);
extern void asd_describe_other_table(AsdForeignKey *fk, MemoryContext cxt);

#endif							/* ASD_FOREIGN_KEYS_H */
