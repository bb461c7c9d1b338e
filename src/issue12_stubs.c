/*-------------------------------------------------------------------------
 *
 * issue12_stubs.c
 *	  TEMPORARY stubs for the DDL log's branch of issue 12.
 *
 * STUB: this whole file is deleted when the migration ledger (migration.c)
 * is merged; it provides what the ledger provides, so that the DDL log
 * builds and runs without it.  Remove src/issue12_stubs.o from OBJS too.
 *
 * IDENTIFICATION
 *	  src/issue12_stubs.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"
#include "ddl_log.h"

/*
 * asd_current_migration_id
 *		STUB: no migration ever runs here.  The real one (migration.c)
 *		returns the id of the migration this backend is running.
 */
int64
asd_current_migration_id(void)
{
	return 0;
}
