/*-------------------------------------------------------------------------
 *
 * audit_space.c
 *	  Where in audit_logs the direct writer puts each audit row, and the
 *	  BRIN summaries that placement keeps right.
 *
 * Rows go at the end of the table, in the order they are written, so that
 * each block range of the BRIN index on (logged_at, txid, id, actor) holds
 * one short span of time.  The free space map is not asked for room: after
 * a VACUUM it offers the end of nearly every page, and a row put there
 * widened an old range's summary to now.  The writer summarises each range
 * as soon as the table has grown past it, so that searches find the newest
 * rows without waiting for VACUUM.
 *
 * A retention job (a DELETE of old audit rows, then VACUUM) empties whole
 * block ranges at the start of the table.  Appending only, that room was
 * never used again, and the table grew for ever.  So when the end of the
 * table reaches a new block range, the writer asks the free space map for
 * a range that VACUUM found wholly empty, and fills it page by page before
 * it goes back to the end:
 *	 - the range's summary, which still describes the deleted rows, is
 *	   removed first, so that a row put there costs the index nothing (a
 *	   summarised range re-forms its summary, bloom filter included, for
 *	   each row, and its time span would reach back to the deleted rows);
 *	   again at each page, should a VACUUM have summarised it meanwhile;
 *	 - once full, it is summarised, and its pages are recorded as full in
 *	   the free space map, so that nobody picks it again;
 *	 - a range that still holds a row, however few, is not refilled: its
 *	   summary would stretch from that row's time to now;
 *	 - another session may pick the same range: both fill it;
 *	 - a writer that found no empty range, or could not take the locks
 *	   removing a summary takes, asks again at each page it starts at the
 *	   end of the table.
 * The state is this backend's.  A backend that exits halfway through a
 * range leaves the rest of it to the next session that picks it, until a
 * VACUUM records its pages as partly used (then the rest stays unused).
 *
 * IDENTIFICATION
 *	  src/audit_space.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/brin.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "utils/rel.h"

#include "audit_space.h"

/* The block range size when audit_logs has no BRIN index (a DBA's change) */
#define REFILL_PAGES_WITHOUT_BRIN 32

/* Empty ranges the free space map is asked for, at most, per search */
#define EMPTY_RANGE_TRIES 8

/*
 * The range being refilled, if any: blocks [refill_start, refill_end) of
 * audit_logs as it was stored then (a TRUNCATE or VACUUM FULL gives it a
 * new file, and the range no longer means anything).
 */
static Oid	refill_relid = InvalidOid;
static Oid	refill_relfilenode = InvalidOid;
static BlockNumber refill_start = InvalidBlockNumber;
static BlockNumber refill_end = InvalidBlockNumber;
static BlockNumber refill_page = InvalidBlockNumber;	/* the next row's page */

/*
 * The last try to start refilling found no empty range, or found the locks
 * taken (a VACUUM, another writer's summary): try again at each page this
 * backend starts at the end, not only when the end reaches the next range.
 * The end reaches a new range once for all writers: each of several
 * sessions that went back to the end waited for a range boundary of its
 * own, and the table grew by a range or more for each, all the time.
 */
static bool refill_wanted = false;

static bool
usable_brin(Relation index)
{
	return index->rd_rel->relam == BRIN_AM_OID && index->rd_index->indisvalid;
}

/*
 * The pages_per_range of each of audit_logs' BRIN indexes, as built (their
 * metapages), into sizes; returns how many.
 */
static int
brin_range_sizes(Relation *indexes, int nindexes, BlockNumber *sizes)
{
	int			n = 0;
	int			i;

	for (i = 0; i < nindexes && n < INDEX_MAX_KEYS; i++)
	{
		BrinStatsData stats;

		if (!usable_brin(indexes[i]))
			continue;
		brinGetStats(indexes[i], &stats);
		sizes[n++] = stats.pagesPerRange;
	}
	return n;
}

/*
 * The block range size rows are placed by: the largest of the BRIN
 * indexes' sizes.  0 when another one does not divide it: nothing is
 * refilled then.
 */
static BlockNumber
common_range_pages(const BlockNumber *sizes, int n)
{
	BlockNumber largest = 0;
	int			i;

	if (n == 0)
		return REFILL_PAGES_WITHOUT_BRIN;
	for (i = 0; i < n; i++)
		largest = Max(largest, sizes[i]);
	for (i = 0; i < n; i++)
		if (sizes[i] == 0 || largest % sizes[i] != 0)
			return 0;
	return largest;
}

static BlockNumber
range_pages(Relation *indexes, int nindexes)
{
	BlockNumber sizes[INDEX_MAX_KEYS];

	return common_range_pages(sizes, brin_range_sizes(indexes, nindexes, sizes));
}

/*
 * Take the locks BRIN's summary functions take, without waiting: another
 * session can hold them on audit_logs (a summary, a VACUUM, which
 * summarises all ranges itself) or on the index alone (COMMENT ON or ALTER
 * INDEX), and an audited write must not wait for that session, still less
 * be part of a deadlock with it.  Nor is it done when the extension owner
 * no longer owns the index (a DBA's change; VACUUM then does it).
 */
static bool
lock_for_summary(Relation rel, Relation index)
{
	if (!pg_class_ownercheck(RelationGetRelid(index), GetUserId()) ||
		!ConditionalLockRelation(rel, ShareUpdateExclusiveLock))
		return false;
	if (!ConditionalLockRelation(index, ShareUpdateExclusiveLock))
	{
		UnlockRelation(rel, ShareUpdateExclusiveLock);
		return false;
	}
	return true;
}

static void
unlock_for_summary(Relation rel, Relation index)
{
	UnlockRelation(index, ShareUpdateExclusiveLock);
	UnlockRelation(rel, ShareUpdateExclusiveLock);
}

/* Summarise the index's block range that starts at block, if it can be now. */
static void
summarise_range(Relation rel, Relation index, BlockNumber block)
{
	if (!lock_for_summary(rel, index))
		return;

	/*
	 * Summarising puts a placeholder into the index, reads the range, then
	 * replaces the placeholder.  A cancel or termination in between (a
	 * statement_timeout of the audited statement) would leave the
	 * placeholder for good: no VACUUM summarises a range that has an index
	 * tuple, and a placeholder matches every search.  Reading 32 pages
	 * just written is quick: interrupts wait until it is done.  An error
	 * sets the holdoff count back to zero itself (errfinish): resuming
	 * them again on its way out would wrap the count round and hold them
	 * for good, so that nothing could cancel or terminate the session.
	 */
	HOLD_INTERRUPTS();
	(void) DirectFunctionCall2(brin_summarize_range,
							   ObjectIdGetDatum(RelationGetRelid(index)),
							   Int64GetDatum((int64) block));
	RESUME_INTERRUPTS();
	unlock_for_summary(rel, index);
}

/*
 * Rows are about to go to page block of the range being refilled: remove
 * the summaries of the ranges that hold it.  False when one could not be
 * removed now.
 */
static bool
unsummarise_page(Relation rel, Relation *indexes, int nindexes,
				 BlockNumber block)
{
	bool		all = true;
	int			i;

	for (i = 0; i < nindexes; i++)
	{
		if (!usable_brin(indexes[i]))
			continue;
		if (!lock_for_summary(rel, indexes[i]))
		{
			all = false;
			continue;
		}
		(void) DirectFunctionCall2(brin_desummarize_range,
								   ObjectIdGetDatum(RelationGetRelid(indexes[i])),
								   Int64GetDatum((int64) block));
		unlock_for_summary(rel, indexes[i]);
	}
	return all;
}

static void
forget_refill(void)
{
	refill_relid = InvalidOid;
	refill_start = refill_end = refill_page = InvalidBlockNumber;
}

/*
 * A block range of pages pages, before the table's last range, whose every
 * page VACUUM recorded as empty; InvalidBlockNumber if the free space map
 * knows none.  A range the map offers a page of but that still holds rows
 * has its empty pages recorded one step short of empty, so that the next
 * search finds another (they still offer all but 32 bytes of a page).
 */
static BlockNumber
find_empty_range(Relation rel, BlockNumber pages)
{
	BlockNumber nblocks = InvalidBlockNumber;
	BlockNumber last_start = 0;
	int			tries;

	for (tries = 0; tries < EMPTY_RANGE_TRIES; tries++)
	{
		BlockNumber page = GetPageWithFreeSpace(rel, MaxHeapTupleSize);
		BlockNumber start;
		BlockNumber block;
		bool		empty = true;

		if (page == InvalidBlockNumber)
			break;
		/* asked once the map offers a page: most searches find none */
		if (nblocks == InvalidBlockNumber)
		{
			nblocks = RelationGetNumberOfBlocks(rel);
			if (nblocks <= pages)
				break;
			last_start = (nblocks - 1) / pages * pages;
		}
		start = page - page % pages;
		if (start + pages <= last_start)
		{
			for (block = start; block < start + pages && empty; block++)
				empty = (GetRecordedFreeSpace(rel, block) >= MaxHeapTupleSize);
			if (empty)
				return start;
		}
		for (block = start; block < start + pages && block < nblocks; block++)
			if (GetRecordedFreeSpace(rel, block) >= MaxHeapTupleSize)
				RecordPageWithFreeSpace(rel, block, MaxHeapTupleSize - 1);
	}
	return InvalidBlockNumber;
}

/* Start refilling an empty range, if the free space map knows one. */
static bool
start_refill(Relation rel, Relation *indexes, int nindexes, BlockNumber pages)
{
	BlockNumber start = find_empty_range(rel, pages);

	/*
	 * Its old summary must go first: a VACUUM running now would keep it
	 * (and summarise the range as soon as a row is in it), so then not yet.
	 */
	refill_wanted = (start == InvalidBlockNumber ||
					 !unsummarise_page(rel, indexes, nindexes, start));
	if (refill_wanted)
		return false;
	refill_relid = RelationGetRelid(rel);
	refill_relfilenode = rel->rd_node.relNode;
	refill_start = refill_page = start;
	refill_end = start + pages;
	return true;
}

/* The range is full: summarise it, and tell the free space map. */
static void
finish_refill(Relation rel, Relation *indexes, int nindexes)
{
	BlockNumber block;
	int			i;

	for (i = 0; i < nindexes; i++)
	{
		BrinStatsData stats;

		if (!usable_brin(indexes[i]))
			continue;
		brinGetStats(indexes[i], &stats);
		for (block = refill_start; block < refill_end; block += stats.pagesPerRange)
			summarise_range(rel, indexes[i], block);
	}
	for (block = refill_start; block < refill_end; block++)
		RecordPageWithFreeSpace(rel, block, 0);
	forget_refill();
}

/* Is the range being refilled still there, in the file rows go to? */
static bool
refill_still_valid(Relation rel)
{
	if (RelationGetRelid(rel) != refill_relid ||
		rel->rd_node.relNode != refill_relfilenode)
		return false;

	/*
	 * The target block the last insert left is gone when the relation's
	 * storage was reopened, as after a VACUUM truncated the table.
	 */
	if (RelationGetTargetBlock(rel) == refill_page)
		return true;
	return RelationGetNumberOfBlocks(rel) >= refill_end;
}

static bool
page_has_room(Relation rel, BlockNumber block, Size need)
{
	Buffer		buffer = ReadBuffer(rel, block);
	Page		page;
	bool		room;

	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buffer);
	/* one never initialised (a crash while extending): heap_insert will */
	room = PageIsNew(page) || PageGetHeapFreeSpace(page) >= need;
	UnlockReleaseBuffer(buffer);
	return room;
}

/*
 * asd_audit_space_choose
 *		A row of len bytes is about to be inserted into rel (audit_logs):
 *		point rel's target block at the page it goes to.
 *
 * Outside a range being refilled the target block stays what the last
 * insert left, the end of the table.  The page is checked for room here,
 * as an insert that skips the free space map extends the table when its
 * target page is full; if another session fills it in between, the row
 * goes to the end, which is no harm.
 */
void
asd_audit_space_choose(Relation rel, Relation *indexes, int nindexes,
					   Size len)
{
	Size		need;
	int			ranges = 0;
	BlockNumber pages;

	if (refill_start == InvalidBlockNumber)
		return;

	/*
	 * As heap_insert will judge it, but for a row TOAST will shrink: not by
	 * its width now
	 */
	need = MAXALIGN(Min(len, TOAST_TUPLE_THRESHOLD)) +
		RelationGetTargetPageFreeSpace(rel, HEAP_DEFAULT_FILLFACTOR);
	if (!refill_still_valid(rel))
	{
		forget_refill();
		RelationSetTargetBlock(rel, InvalidBlockNumber);
		return;
	}
	for (;;)
	{
		while (refill_page < refill_end)
		{
			if (page_has_room(rel, refill_page, need))
			{
				RelationSetTargetBlock(rel, refill_page);
				return;
			}
			refill_page++;
			if (refill_page >= refill_end)
				break;

			/*
			 * A target block that still names the page (refill_still_valid)
			 * says only that this page is there: after a VACUUM truncated
			 * the range, an insert of this backend into room the free space
			 * map offered (through the executor) may have set it.
			 */
			if (RelationGetNumberOfBlocks(rel) < refill_end)
			{
				forget_refill();
				RelationSetTargetBlock(rel, InvalidBlockNumber);
				return;
			}
			(void) unsummarise_page(rel, indexes, nindexes, refill_page);
		}
		finish_refill(rel, indexes, nindexes);
		/* back to the end of the table, unless another range is empty */
		RelationSetTargetBlock(rel, InvalidBlockNumber);
		if (++ranges > 1)
		{
			refill_wanted = true;
			return;
		}

		/*
		 * None when a BRIN index made since (a DBA's) has ranges that do
		 * not divide these
		 */
		pages = range_pages(indexes, nindexes);
		if (pages == 0 || !start_refill(rel, indexes, nindexes, pages))
			return;
	}
}

/*
 * asd_audit_space_placed
 *		The row is in rel at tid, and in its indexes.  The first row of a
 *		page at the end of the table may begin a new block range: then the
 *		range behind it is summarised, and an empty range, if any, is
 *		refilled from the next row on (from any new page, after a try that
 *		failed).
 */
void
asd_audit_space_placed(Relation rel, Relation *indexes, int nindexes,
					   ItemPointer tid)
{
	BlockNumber block = ItemPointerGetBlockNumber(tid);
	BlockNumber sizes[INDEX_MAX_KEYS];
	BlockNumber pages;
	bool		boundary = false;
	int			nsizes;
	int			i;
	int			k;

	if (ItemPointerGetOffsetNumber(tid) != FirstOffsetNumber)
		return;
	if (refill_start != InvalidBlockNumber)
	{
		if (block >= refill_start && block < refill_end)
			return;				/* summarised once full */
		if (RelationGetNumberOfBlocks(rel) != block + 1)
			return;				/* not the end: a page left empty elsewhere */
	}

	/*
	 * The ranges each index was built with, from its metapage: the
	 * pages_per_range option, if changed since, applies only from the next
	 * REINDEX.
	 */
	nsizes = brin_range_sizes(indexes, nindexes, sizes);
	for (i = 0, k = 0; i < nindexes && k < nsizes; i++)
	{
		BlockNumber size;

		if (!usable_brin(indexes[i]))
			continue;
		size = sizes[k++];
		if (size == 0 || block % size != 0)
			continue;
		boundary = true;
		if (block >= size)
			summarise_range(rel, indexes[i], block - size);
	}

	if (nsizes > 0 && !boundary && !refill_wanted)
		return;

	/*
	 * The new range at the end is left unsummarised until it is full.  An
	 * index built since (a TRUNCATE of audit_logs rebuilds its indexes on
	 * the empty table) summarised the first range already, and every row
	 * would re-form that summary.
	 */
	if (boundary)
		(void) unsummarise_page(rel, indexes, nindexes, block);
	if (refill_start != InvalidBlockNumber)
		return;
	pages = common_range_pages(sizes, nsizes);
	if (pages > 0 && (block % pages == 0 || refill_wanted))
		(void) start_refill(rel, indexes, nindexes, pages);
}
