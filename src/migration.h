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

/*
 * migration.c: the id of the migration this backend is running, for the
 * audit rows it writes meanwhile (audit_logs.migration_id).  Called for
 * every audit row: it reads backend-local variables, and while a
 * non-transactional run is in progress looks the migration lock up in
 * the backend's own lock table, nothing else.  asd_migration_own_run():
 * the run this backend is making, finished or not, for the lock holder.
 */
extern bool asd_current_migration_id(int64 *id);
extern int64 asd_migration_own_run(void);

/* migration.c: DISCARD ALL ends this session's run (called by statement.c) */
extern void asd_migration_discard_all(void);

/* migration_checksum.c: "v1:sha256:<hex>" of some bytes */
extern char *asd_sha256_tag(const char *data, size_t len);

/* migration_checksum.c: a checksum argument, checked and normalised */
extern char *asd_migration_checksum_tag(const char *checksum,
										const char *argname);

/*
 * migration_lock.c: one migration at a time per database.  The lock is
 * taken without waiting; when another backend holds it, the error names
 * the migration it runs.
 */
extern void asd_migration_lock(bool session);
extern void asd_migration_unlock(bool session);
extern bool asd_migration_lock_held(void);

/*
 * The backend holding the migration lock, and the run it is making.  With
 * no run: started_at is the start of its transaction (0: unknown),
 * db_user and application_name its backend's, the rest zero.
 */
typedef struct AsdMigrationHolder
{
	int			pid;
	bool		has_run;		/* false: none found (yet) */
	int64		run_id;
	char	   *version;
	char	   *description;
	char	   *direction;
	bool		transactional;
	TimestampTz started_at;
	char	   *db_user;
	char	   *actor;
	char	   *application_name;
} AsdMigrationHolder;

extern bool asd_migration_holder(AsdMigrationHolder *holder);

/*
 * migration_ledger.c: reading and writing the ledger's tables, as the
 * extension owner, through SPI.  Every ledger function opens one call,
 * runs its queries, and closes it.
 */
struct AsdSpi;					/* owner.h */

typedef struct AsdLedgerCall
{
	struct AsdSpi *spi;			/* connected as the extension owner */
	char	   *actor;			/* of the calling session, taken before */
	char	   *db_user;
} AsdLedgerCall;

extern void asd_ledger_require_read(void);
extern void asd_ledger_open(AsdLedgerCall *call);
extern void asd_ledger_close(AsdLedgerCall *call);
extern int	asd_ledger_execute(const char *query, int nargs, Oid *argtypes,
							   Datum *args, const char *nulls, int expected,
							   bool update);
extern int64 asd_ledger_insert(const char *query, int nargs, Oid *argtypes,
							   Datum *args, const char *nulls);
extern Datum asd_ledger_value(int row, const char *column, bool *isnull);
extern char *asd_ledger_text(int row, const char *column);
extern int64 asd_ledger_int64(int row, const char *column);
extern int64 asd_ledger_insert_event(AsdLedgerCall *call, const char *action,
									 int64 run_id, const char *version,
									 const char *status, const char *checksum,
									 const char *reason, const char *fingerprint);

/* One version's state, as the view migration_versions gives it. */
typedef struct AsdVersionState
{
	bool		known;			/* the ledger has a run of it */
	char	   *state;
	bool		applied;
	char	   *checksum;		/* while applied: the one it is held to */
	TimestampTz checksum_recorded_at;
	int64		succeeded_run;	/* 0: none */
	int64		last_run;
	char	   *last_run_status;
} AsdVersionState;

extern void asd_ledger_version_state(const char *version, AsdVersionState *state);
extern void asd_ledger_refuse_if_interrupted(void);

/* Arguments of the ledger's SQL functions. */
extern char *asd_migration_text_arg(FunctionCallInfo fcinfo, int argno,
									const char *argname, bool required);
extern char *asd_migration_version_arg(FunctionCallInfo fcinfo, int argno);
extern void asd_migration_check_version(const char *version, const char *what);

#endif							/* ASD_MIGRATION_H */
