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

#endif							/* ASD_UNDO_H */
