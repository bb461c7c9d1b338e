/*-------------------------------------------------------------------------
 *
 * migration.h
 *	  The migration ledger: what its files share, and the one thing the
 *	  audit trail reads from it.
 *
 * IDENTIFICATION
 *	  src/migration.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_MIGRATION_H
#define ASD_MIGRATION_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"

/* migration_checksum.c: a checksum argument, checked and normalised */
extern char *asd_migration_checksum_tag(const char *checksum,
										const char *argname);

#endif							/* ASD_MIGRATION_H */
