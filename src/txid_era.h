/*-------------------------------------------------------------------------
 *
 * txid_era.h
 *	  audit_logs.txid across dump and restore: see txid_era.c.
 *
 * IDENTIFICATION
 *	  src/txid_era.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_TXID_ERA_H
#define ASD_TXID_ERA_H

#include "audit_softdelete.h"
#include "access/transam.h"

extern void asd_txid_era_init(void);
extern uint64 asd_txid_offset(void);
extern FullTransactionId asd_current_audit_txid(void);

#endif							/* ASD_TXID_ERA_H */
