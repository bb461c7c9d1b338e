/*-------------------------------------------------------------------------
 *
 * column_history.c
 *	  column_history: which name each column of a tracked table had when.
 *
 * Audit rows name columns as they were called when the row was written.
 * To read an old audit row against today's table (row_as_of, undo), the
 * name it used must lead to today's column.  column_history keeps, per
 * column of a tracked table (column_id, stable through renames), each name
 * it had and the span of audit ids it had it for: from_id (NULL: since
 * before the table's history) up to until_id (NULL: its name today).  A
 * column dropped has no open row; one added starts with from_id set.
 *
 * The span's ends are values drawn from audit_logs_id_seq while the ALTER
 * TABLE holds its lock: every audit row of the table written before has a
 * smaller id, every one written after a larger one.  Columns are matched
 * by name, never by number: numbers change across pg_dump and restore,
 * names do not.  A rename is told from a drop and an add by the statement
 * (RENAME COLUMN is a statement of its own).
 *
 * IDENTIFICATION
 *	  src/column_history.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "call_check.h"
#include "column_history.h"
#include "owner.h"
#include "sql_text.h"

PG_FUNCTION_INFO_V1(asd_record_column_history);

/*
 * Bring relid's column_history up to date.  With rename_from, the column
 * named so became rename_to.  dropped (text[]) names the columns the
 * statement dropped: one added again under the same name is another column.  As the extension owner, inside an SPI
 * connection the caller made.  Does nothing before the 1.1 SQL is
 * installed (no column_history table).
 */
static void
sync_columns(Oid relid, int32 table_id, const char *rename_from,
			 const char *rename_to, Datum dropped)
{
	/* a table seen for the first time: its columns, since always */
	static const char *first_query =
		"INSERT INTO audit_softdelete.column_history (table_id, column_id, name)"
		" SELECT $2, a.attnum, a.attname FROM pg_catalog.pg_attribute a"
		"  WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
		"    AND NOT a.attisdropped"
		"    AND NOT EXISTS (SELECT FROM audit_softdelete.column_history h"
		"                     WHERE h.table_id OPERATOR(pg_catalog.=) $2)";
	/* names gone or new since: the only query when nothing changed */
	static const char *changed_query =
		"WITH cur AS (SELECT a.attname::pg_catalog.text AS name FROM pg_catalog.pg_attribute a"
		"  WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
		"    AND NOT a.attisdropped),"
		" open AS (SELECT h.name FROM audit_softdelete.column_history h"
		"  WHERE h.table_id OPERATOR(pg_catalog.=) $2 AND h.until_id IS NULL)"
		" SELECT EXISTS (SELECT name FROM cur EXCEPT SELECT name FROM open)"
		"     OR EXISTS (SELECT name FROM open EXCEPT SELECT name FROM cur)"
		"     OR EXISTS (SELECT FROM open WHERE open.name OPERATOR(pg_catalog.=) ANY ($3))";
	static const char *close_query =
		"UPDATE audit_softdelete.column_history h"
		" SET until_id = $3, until_at = pg_catalog.statement_timestamp()"
		" WHERE h.table_id OPERATOR(pg_catalog.=) $2 AND h.until_id IS NULL"
		"   AND (h.name OPERATOR(pg_catalog.=) ANY ($6)"
		"        OR NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a"
		"     WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
		"       AND NOT a.attisdropped AND a.attname::pg_catalog.text OPERATOR(pg_catalog.=) h.name))";
	/* a renamed column keeps its column_id; any other is new */
	static const char *open_query =
		"INSERT INTO audit_softdelete.column_history"
		" (table_id, column_id, name, from_id, from_at)"
		" SELECT $2, coalesce("
		"   (SELECT h.column_id FROM audit_softdelete.column_history h"
		"     WHERE h.table_id OPERATOR(pg_catalog.=) $2 AND h.name OPERATOR(pg_catalog.=) $4"
		"       AND h.until_id OPERATOR(pg_catalog.=) $3"
		"       AND a.attname::pg_catalog.text OPERATOR(pg_catalog.=) $5),"
		"   (SELECT coalesce(pg_catalog.max(h.column_id), 0) FROM audit_softdelete.column_history h"
		"     WHERE h.table_id OPERATOR(pg_catalog.=) $2)"
		"   OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY a.attnum)),"
		"  a.attname, $3, pg_catalog.statement_timestamp()"
		" FROM pg_catalog.pg_attribute a"
		" WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
		"   AND NOT a.attisdropped"
		"   AND NOT EXISTS (SELECT FROM audit_softdelete.column_history h"
		"     WHERE h.table_id OPERATOR(pg_catalog.=) $2 AND h.until_id IS NULL"
		"       AND h.name OPERATOR(pg_catalog.=) a.attname::pg_catalog.text)";
	Oid			argtypes[6] = {OIDOID, INT4OID, INT8OID, TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', 'n', 'n', 'n', ' '};
	bool		isnull;
	Oid			nsp = get_namespace_oid(ASD_SCHEMA_NAME, true);

	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("column_history", nsp)))
		return;
	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int32GetDatum(table_id);
	args[5] = dropped;
	asd_spi_run(first_query, 2, argtypes, args, nulls, SPI_OK_INSERT, 0);
	if (SPI_processed > 0)
		return;
	{
		Oid			changed_types[3] = {OIDOID, INT4OID, TEXTARRAYOID};
		Datum		changed_args[3] = {args[0], args[1], dropped};

		asd_spi_run(changed_query, 3, changed_types, changed_args, NULL, SPI_OK_SELECT, 0);
	}
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		return;

	/* the boundary between the audit rows before and after */
	asd_spi_run("SELECT pg_catalog.nextval('audit_softdelete.audit_logs_id_seq')",
				0, NULL, NULL, NULL, SPI_OK_SELECT, 0);
	args[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	nulls[2] = ' ';
	if (rename_from)
	{
		args[3] = CStringGetTextDatum(rename_from);
		args[4] = CStringGetTextDatum(rename_to);
		nulls[3] = nulls[4] = ' ';
	}
	asd_spi_run(close_query, 6, argtypes, args, nulls, SPI_OK_UPDATE, 0);
	asd_spi_run(open_query, 5, argtypes, args, nulls, SPI_OK_INSERT, 0);
}

/*
 * asd_column_history_sync
 *		Bring the column_history of a tracked table up to date (enable()).
 */
void
asd_column_history_sync(Oid relid, int32 table_id)
{
	AsdSpi		spi;

	asd_spi_connect_as_owner(&spi);
	sync_columns(relid, table_id, NULL, NULL, asd_text_array(NIL));
	asd_spi_finish(&spi);
}

/*
 * _record_column_history() RETURNS event_trigger
 *		After ALTER TABLE, bring the column_history of the tracked tables it
 *		changed up to date.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_column_history
 *		ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
 *		EXECUTE FUNCTION audit_softdelete._record_column_history();
 */
Datum
asd_record_column_history(PG_FUNCTION_ARGS)
{
	static const char *tables_query =
		"SELECT DISTINCT t.relid::pg_catalog.oid, t.table_id"
		" FROM audit_softdelete.tracked_tables t"
		" WHERE t.relid::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($1)";
	EventTriggerData *trigdata;
	RenameStmt *rename = NULL;
	List	   *dropped = NIL;
	List	   *relids = NIL;
	Datum	   *elems;
	ListCell   *lc;
	int			n = 0;
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		args[1];
	AsdSpi		spi;
	uint64		i;

	trigdata = asd_event_trigger_call(fcinfo, "_record_column_history");
	if (IsA(trigdata->parsetree, RenameStmt) &&
		((RenameStmt *) trigdata->parsetree)->renameType == OBJECT_COLUMN)
		rename = (RenameStmt *) trigdata->parsetree;
	if (IsA(trigdata->parsetree, AlterTableStmt))
	{
		foreach(lc, ((AlterTableStmt *) trigdata->parsetree)->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc);

			if (cmd->subtype == AT_DropColumn && cmd->name)
				dropped = lappend(dropped, cmd->name);
		}
	}

	/* the tables the command changed, as it resolved them */
	asd_spi_connect(&spi, InvalidOid, 0);
	asd_spi_run("SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands()"
				" WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		relids = lappend_oid(relids, relid);
	}
	asd_spi_finish(&spi);
	/* a rename reaches the tables that inherit the column too */
	if (rename && rename->relation && rename->relation->inh && relids != NIL)
		relids = find_all_inheritors(linitial_oid(relids), NoLock, NULL);
	if (relids == NIL)
		PG_RETURN_VOID();

	elems = palloc(sizeof(Datum) * list_length(relids));
	foreach(lc, relids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	args[0] = PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid),
											  true, TYPALIGN_INT));
	asd_spi_connect_as_owner(&spi);
	asd_spi_run(tables_query, 1, argtypes, args, NULL, SPI_OK_SELECT, 0);
	if (SPI_processed > 0)
	{
		SPITupleTable *tables = SPI_tuptable;
		uint64		ntables = SPI_processed;

		for (i = 0; i < ntables; i++)
		{
			bool		isnull;
			Oid			relid = DatumGetObjectId(SPI_getbinval(tables->vals[i],
															   tables->tupdesc, 1, &isnull));
			int32		table_id = DatumGetInt32(SPI_getbinval(tables->vals[i],
															   tables->tupdesc, 2, &isnull));

			sync_columns(relid, table_id, rename ? rename->subname : NULL,
						 rename ? rename->newname : NULL, asd_text_array(dropped));
		}
	}
	asd_spi_finish(&spi);

	PG_RETURN_VOID();
}

/*
 * asd_append_names_cte
 *		"names AS (...)": each name a column of a tracked table had
 *		(table_id, name), the audit ids it held for [from_id, until_id), and
 *		the column's name today (NULL: dropped).  table_id, if given, is
 *		the SQL for the one table wanted.
 */
void
asd_append_names_cte(StringInfo q, const char *table_id)
{
	appendStringInfoString(q,
						   "names AS (SELECT h.table_id, h.name, coalesce(h.from_id, 0) AS from_id,"
						   " coalesce(h.until_id, 9223372036854775807) AS until_id, c.name AS today"
						   " FROM audit_softdelete.column_history h"
						   " LEFT JOIN audit_softdelete.column_history c"
						   "  ON c.table_id OPERATOR(pg_catalog.=) h.table_id"
						   "  AND c.column_id OPERATOR(pg_catalog.=) h.column_id AND c.until_id IS NULL");
	if (table_id)
		appendStringInfo(q, " WHERE h.table_id OPERATOR(pg_catalog.=) %s", table_id);
	appendStringInfoString(q, ")");
}

/*
 * asd_append_todays_names
 *		The jsonb object obj of the audit row aliased row, its keys renamed
 *		as the columns are called today (through "names"); keys of columns
 *		dropped since are left out, keys column_history does not know kept.
 */
void
asd_append_todays_names(StringInfo q, const char *obj, const char *row)
{
	appendStringInfo(q,
					 "(SELECT pg_catalog.jsonb_object_agg(coalesce(n.today, e.key), e.value)"
					 " FROM pg_catalog.jsonb_each(%s) e LEFT JOIN names n"
					 "  ON n.table_id OPERATOR(pg_catalog.=) %s.table_id"
					 "  AND n.name OPERATOR(pg_catalog.=) e.key"
					 "  AND %s.id OPERATOR(pg_catalog.>) n.from_id"
					 "  AND %s.id OPERATOR(pg_catalog.<) n.until_id"
					 " WHERE n.name IS NULL OR n.today IS NOT NULL)",
					 obj, row, row, row);
}

