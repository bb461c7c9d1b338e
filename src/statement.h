/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  Which utility statement a trigger fires in: see statement.c.
 *
 * IDENTIFICATION
 *	  src/statement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_STATEMENT_H
#define ASD_STATEMENT_H

#include "audit_softdelete.h"

extern void asd_statement_init(void);
extern uint64 asd_current_utility(void);

#endif							/* ASD_STATEMENT_H */
