/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  Which executor run, and which utility statement, a trigger fires in.
 *
 * Recognising a row moved between partitions (row_movement.c) means
 * pairing triggers that fire within one executor run of an UPDATE, and one
 * TRUNCATE row per truncated table tree means pairing triggers that fire
 * within one TRUNCATE.  Neither the command id (a trigger writing through
 * SPI advances it) nor the statement's start time (a DO block or a
 * multi-statement string runs many statements under one) tells those apart,
 * so each executor run and each utility statement gets a serial number
 * here.  Runs nest: the current one is kept on a stack, restored when a
 * run ends, and when a subtransaction aborts a run that never reached its
 * end.
 *
 * IDENTIFICATION
 *	  src/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#define MAX_DEPTH 64

static ExecutorStart_hook_type prev_executor_start = NULL;
static ExecutorEnd_hook_type prev_executor_end = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;

static uint64 next_serial = 0;

/* executor runs: the current one, and the ones it interrupted */
static uint64 current_run = 0;
static uint64 run_stack[MAX_DEPTH];
static int	run_depth = 0;

static uint64 current_utility = 0;

/* where each open subtransaction began, to unwind when it aborts */
typedef struct SubxactMark
{
	SubTransactionId subid;
	int			run_depth;
	uint64		current_run;
	uint64		current_utility;
} SubxactMark;

static List *subxact_marks = NIL;	/* in TopMemoryContext */

uint64
asd_current_executor_run(void)
{
	return current_run;
}

int
asd_executor_depth(void)
{
	return run_depth;
}

uint64
asd_current_utility(void)
{
	return current_utility;
}

static void
executor_start(QueryDesc *queryDesc, int eflags)
{
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (run_depth < MAX_DEPTH)
		run_stack[run_depth] = current_run;
	run_depth++;
	current_run = ++next_serial;
}

static void
executor_end(QueryDesc *queryDesc)
{
	if (prev_executor_end)
		prev_executor_end(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);

	if (run_depth > 0)
	{
		run_depth--;
		current_run = run_depth < MAX_DEPTH ? run_stack[run_depth] : 0;
	}
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
}

static void
at_subxact(SubXactEvent event, SubTransactionId mySubid,
		   SubTransactionId parentSubid, void *arg)
{
	SubxactMark *mark;
	MemoryContext oldcxt;

	switch (event)
	{
		case SUBXACT_EVENT_START_SUB:
			oldcxt = MemoryContextSwitchTo(TopMemoryContext);
			mark = palloc(sizeof(SubxactMark));
			mark->subid = mySubid;
			mark->run_depth = run_depth;
			mark->current_run = current_run;
			mark->current_utility = current_utility;
			subxact_marks = lappend(subxact_marks, mark);
			MemoryContextSwitchTo(oldcxt);
			break;
		case SUBXACT_EVENT_ABORT_SUB:
		case SUBXACT_EVENT_COMMIT_SUB:
			if (subxact_marks == NIL)
				break;
			mark = llast(subxact_marks);
			if (mark->subid != mySubid)
				break;
			if (event == SUBXACT_EVENT_ABORT_SUB)
			{
				run_depth = mark->run_depth;
				current_run = mark->current_run;
				current_utility = mark->current_utility;
			}
			subxact_marks = list_delete_last(subxact_marks);
			pfree(mark);
			break;
		default:
			break;
	}
}

/*
 * Nothing pairs across transactions: start afresh at each end.  (A cursor
 * closed after its transaction ends finds an empty stack, and leaves it so.)
 */
static void
at_xact(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PREPARE)
	{
		run_depth = 0;
		current_run = 0;
		list_free_deep(subxact_marks);
		subxact_marks = NIL;
	}
}

void
asd_statement_init(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = executor_start;
	prev_executor_end = ExecutorEnd_hook;
	ExecutorEnd_hook = executor_end;
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
	RegisterSubXactCallback(at_subxact, NULL);
	RegisterXactCallback(at_xact, NULL);

	/*
	 * The library is loaded by the first trigger call, in the middle of an
	 * executor run or a utility statement whose start no hook saw.  Count
	 * that statement as a run and a utility statement of its own; its
	 * ExecutorEnd, which the hook does see, closes the run.
	 */
	current_run = ++next_serial;
	run_depth = 1;
	current_utility = ++next_serial;
}
