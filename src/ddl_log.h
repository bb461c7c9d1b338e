/*-------------------------------------------------------------------------
 *
 * ddl_log.h
 *	  The DDL log (migration_ddl) and what it asks of other modules.
 *
 * IDENTIFICATION
 *	  src/ddl_log.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_DDL_LOG_H
#define ASD_DDL_LOG_H

#include "audit_softdelete.h"

/*
 * provided by migration.c: the id (migrations.id) of the migration running
 * in this backend, 0 when none
 */
extern int64 asd_current_migration_id(void);

/* internal.c: is the extension acting on a role's behalf (a gate open)? */
extern bool asd_inside_extension_call(void);

#endif							/* ASD_DDL_LOG_H */
