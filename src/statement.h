/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  Which statement a trigger fires in: see statement.c.
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
extern uint64 asd_current_finish(void);
extern uint64 asd_finish_begin(void);
extern void asd_finish_end(uint64 saved);

#endif							/* ASD_STATEMENT_H */
