/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  Which utility statement a trigger fires in.
 *
 * One TRUNCATE row per truncated table tree means telling apart the
 * TRUNCATE statements of a transaction: the statement's start time is
 * shared by every statement of a DO block, and the command id by nothing
 * useful.  So each utility statement gets a serial number here, through
 * the ProcessUtility hook; a statement run by a trigger of another gets its
 * own, and the outer one's is back when it ends.
 *
 * The hook is only in place once the library is loaded, which the first
 * trigger call does, in the middle of a statement: that statement counts
 * as one of its own.
 *
 * Likewise each statement's ExecutorFinish, where its AFTER triggers fire
 * (audit.c's hook calls asd_finish_begin and asd_finish_end): the row
 * triggers of one statement see one number, whatever the statements they
 * run in between.
 *
 * IDENTIFICATION
 *	  src/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "tcop/utility.h"

#include "migration.h"
#include "statement.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

static uint64 next_serial = 0;
static uint64 current_utility = 0;
static uint64 current_finish = 0;

uint64
asd_current_utility(void)
{
	return current_utility;
}

uint64
asd_current_finish(void)
{
	return current_finish;
}

/* A statement's finish begins: returns what asd_finish_end() puts back. */
uint64
asd_finish_begin(void)
{
	uint64		saved = current_finish;

	current_finish = ++next_serial;
	return saved;
}

void
asd_finish_end(uint64 saved)
{
	current_finish = saved;
}

static void
process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				ProcessUtilityContext context, ParamListInfo params,
				QueryEnvironment *queryEnv, DestReceiver *dest,
				QueryCompletion *qc)
{
	uint64		saved = current_utility;

	current_utility = ++next_serial;
	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context,
								 params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		current_utility = saved;
	}
	PG_END_TRY();

	/* a new session, as far as a migration run goes */
	if (IsA(pstmt->utilityStmt, DiscardStmt) &&
		((DiscardStmt *) pstmt->utilityStmt)->target == DISCARD_ALL)
		asd_migration_discard_all();
}

void
asd_statement_init(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
	/* the statement that loads the library */
	current_utility = ++next_serial;
}
