/*-------------------------------------------------------------------------
 *
 * undo.h
 *	  undo() and undo_transaction(): see undo.c.
 *
 * IDENTIFICATION
 *	  src/undo.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_UNDO_H
#define ASD_UNDO_H

#include "audit_softdelete.h"

/* the table whose row an undone DELETE is inserting again, if any */
extern Oid	asd_undo_reinserting;

extern char *asd_set_undo_context(const char *what);
extern void asd_restore_undo_context(char *saved);
extern bool asd_write_or_put_off(void (*write) (void *), void *arg,
								 ErrorData **error);

#endif							/* ASD_UNDO_H */
