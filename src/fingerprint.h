/*-------------------------------------------------------------------------
 *
 * fingerprint.h
 *	  The fingerprint of the user's schema, for the migration ledger.
 *
 * IDENTIFICATION
 *	  src/fingerprint.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_FINGERPRINT_H
#define ASD_FINGERPRINT_H

/* "v1:sha256:<hex>" of the current database's schema (fingerprint.c) */
extern char *asd_schema_fingerprint(void);

#endif							/* ASD_FINGERPRINT_H */
