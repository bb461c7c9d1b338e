/*-------------------------------------------------------------------------
 *
 * owner.h
 *	  Who the extension acts as, and how it runs a query as someone: see
 *	  owner.c.
 *
 * IDENTIFICATION
 *	  src/owner.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ASD_OWNER_H
#define ASD_OWNER_H

#include "audit_softdelete.h"

extern void asd_become_user(Oid role, int sec_flags,
							Oid *save_userid, int *save_sec);
extern void asd_become_extension_owner(Oid *save_userid, int *save_sec);
extern void asd_restore_user(Oid save_userid, int save_sec);
extern int	asd_pin_search_path(Oid caller, Oid role);
extern void asd_unpin_search_path(int nestlevel);
extern int	asd_become_table_owner(Oid owner, Oid *save_userid, int *save_sec);
extern void asd_restore_table_user(Oid save_userid, int save_sec,
								   int guc_nestlevel);

/* An SPI connection made as some role: asd_spi_connect() to asd_spi_finish() */
typedef struct AsdSpi
{
	Oid			save_userid;	/* to switch back to */
	int			save_sec;
	int			guc_nestlevel;	/* of a search_path pinned, or -1 */
} AsdSpi;

/* asd_spi_run() options */
#define ASD_SPI_READ_ONLY	0x01	/* read-only, the transaction's snapshot */
#define ASD_SPI_LATEST		0x02	/* read-only, the latest snapshot */
#define ASD_SPI_ONE_ROW		0x04	/* stop at the first row */
#define ASD_SPI_LATEST_WRITE	0x08	/* read-write, the latest snapshot */

extern void asd_spi_connect(AsdSpi *spi, Oid role, int sec_flags);
extern void asd_spi_connect_as_owner(AsdSpi *spi);
extern void asd_spi_connect_as_table_owner(AsdSpi *spi, Oid owner);
extern void asd_spi_finish(AsdSpi *spi);
extern SPIPlanPtr asd_spi_prepare(const char *query, int nargs, Oid *argtypes,
								  bool keep);
extern int	asd_spi_run(const char *query, int nargs, Oid *argtypes,
						Datum *args, const char *nulls, int expected,
						int options);
extern int	asd_spi_run_on(const char *query, Oid relid, int expected,
						   int options);
extern int	asd_spi_run_plan(SPIPlanPtr plan, Datum *args, const char *nulls,
							 int expected, int options);

/*
 * A call of a public function that runs internal ones as the extension
 * owner on behalf of the calling role
 */
typedef struct AsdGate
{
	Oid			caller;			/* the role that called */
	Oid			save_userid;	/* to switch back to on exit */
	int			save_sec;
	struct AsdGate *outer;
} AsdGate;

extern void asd_gate_enter(AsdGate *gate);
extern void asd_gate_exit(AsdGate *gate);
extern Oid	asd_gate_caller(const char *funcname);
extern bool asd_inside_extension_call(void);
extern Oid	asd_acting_role(void);
extern bool asd_take_ddl_pass(Node *parsetree);
extern bool asd_has_ddl_pass(Node *parsetree);

#endif							/* ASD_OWNER_H */
