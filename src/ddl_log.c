/*-------------------------------------------------------------------------
 *
 * ddl_log.c
 *	  The DDL log: every schema change, one row per object, in
 *	  audit_softdelete.migration_ddl.
 *
 * Three event triggers run ddl_log_trigger():
 *	- audit_softdelete_ddl_log (ddl_command_end): one row per command that
 *	  pg_event_trigger_ddl_commands() reports, so CREATE TABLE with a serial
 *	  primary key is its sequence, its table and its index;
 *	- audit_softdelete_ddl_log_drop (sql_drop): one row per object the
 *	  command dropped by name, or through a normal dependency (CASCADE), as
 *	  PostgreSQL's "drop cascades to" notice lists them.  What goes with a
 *	  dropped table as part of it (its row type, indexes, defaults,
 *	  triggers, rules, constraints) is not listed again, nor what goes
 *	  with a dropped extension: its members cannot be told apart from
 *	  what depends on them once they are gone, and CREATE EXTENSION is
 *	  one row too;
 *	- audit_softdelete_ddl_log_rewrite (table_rewrite): one row for the
 *	  table rewritten.
 * Their names sort before the extension's other event triggers, so a
 * command's own rows come before those of the DDL that those triggers run
 * in response (a live view made again after ALTER TABLE).
 *
 * Each row says which migration ran the command (asd_current_migration_id,
 * NULL outside one: that is drift), whether the extension ran it on a
 * role's behalf (by_extension: enable(), disable() and the event triggers
 * acting for the role running the DDL), and who: session_user, the audit
 * actor, application_name.  Rows are written as the extension owner:
 * nobody else may write the table.  Nobody changes or deletes them, the
 * owner and superusers neither: migration_ddl_guard() refuses UPDATE,
 * DELETE and TRUNCATE.
 *
 * Not recorded:
 *	- temporary objects, which vanish with their session;
 *	- the commands of extension scripts: CREATE EXTENSION and ALTER
 *	  EXTENSION ... UPDATE are recorded as that one command, not as the
 *	  objects their scripts create one by one;
 *	- a superuser's DDL while check_function_bodies is off: a restore's.
 *	  pg_dump's output and pg_restore turn it off, migration tools do not;
 *	  a restore runs DDL while the extension and these triggers exist, and
 *	  then restores the log's own rows with COPY, which the restore's DDL
 *	  rows would collide with (and outnumber).  Only a superuser can
 *	  restore a dump of this extension (the control file says superuser),
 *	  so an ordinary role that turns the setting off is logged as ever.
 *	  The role is the one the session acts as (GetOuterUserId: the session
 *	  user, or the role of SET ROLE), not the current user, which a
 *	  superuser's SECURITY DEFINER function or one of the extension's own
 *	  calls makes a superuser.  A superuser can still hide DDL this way;
 *	  the schema fingerprint that migration_drift() compares catches it.
 *
 * GRANT and REVOKE are one row per object they name (GRANT ... ON ALL
 * TABLES IN SCHEMA: each table), with its identity, which
 * pg_event_trigger_ddl_commands() leaves NULL for them: the objects are
 * read from the command it reports (its pg_ddl_command, a
 * CollectedCommand).  ALTER DEFAULT PRIVILEGES is one row with the kind
 * of objects only, as PostgreSQL reports it (a REVOKE that empties an
 * entry of pg_default_acl drops it: that sql_drop row names it).  They and
 * COMMENT are logged, but are no drift: migration_drift() leaves them out,
 * as the fingerprint leaves out grants and comments.
 *
 * Logging never fails a command on its own account: an object it cannot
 * look up is recorded without that detail.  An error writing the row (a
 * full disk) or resolving the actor (malformed claims in the setting
 * actor_setting names, as for an audited write) is the command's error.
 *
 * IDENTIFICATION
 *	  src/ddl_log.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"
#include "actor.h"
#include "call_check.h"
#include "migration.h"
#include "owner.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_language.h"
#include "catalog/pg_largeobject.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "tcop/deparse_utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(asd_ddl_log_trigger);
PG_FUNCTION_INFO_V1(asd_migration_ddl_guard);

/* What every row of one event says, besides its object. */
typedef struct DdlLogEvent
{
	int64		migration_id;	/* 0: none */
	const char *event;
	bool		by_extension;
	const char *db_user;
	const char *actor;
	const char *application_name;
} DdlLogEvent;

#define DDL_LOG_NARGS 10

static const char *const insert_query =
"INSERT INTO audit_softdelete.migration_ddl"
"  (migration_id, event, command_tag, object_type, object_identity,"
"   schema_name, by_extension, db_user, actor, application_name)"
" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static Oid	insert_types[DDL_LOG_NARGS] = {
	INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID
};

/*
 * The INSERT, prepared once per backend.  A kept plan is parsed again when
 * the table it names changes, so it survives DROP and CREATE EXTENSION.
 */
static SPIPlanPtr insert_plan = NULL;

/* Text or NULL, as a parameter. */
static void
text_arg(const char *value, Datum *arg, char *null)
{
	*arg = value ? CStringGetTextDatum(value) : (Datum) 0;
	*null = value ? ' ' : 'n';
}

/* Write one row; inside SPI, as the extension owner. */
static void
log_row(const DdlLogEvent *ev, const char *command_tag, const char *object_type,
		const char *object_identity, const char *schema_name)
{
	Datum		args[DDL_LOG_NARGS];
	char		nulls[DDL_LOG_NARGS];

	if (insert_plan == NULL)
		insert_plan = asd_spi_prepare(insert_query, DDL_LOG_NARGS, insert_types,
									  true);

	args[0] = Int64GetDatum(ev->migration_id);
	nulls[0] = ev->migration_id != 0 ? ' ' : 'n';
	text_arg(ev->event, &args[1], &nulls[1]);
	text_arg(command_tag, &args[2], &nulls[2]);
	text_arg(object_type, &args[3], &nulls[3]);
	text_arg(object_identity, &args[4], &nulls[4]);
	text_arg(schema_name, &args[5], &nulls[5]);
	args[6] = BoolGetDatum(ev->by_extension);
	nulls[6] = ' ';
	text_arg(ev->db_user, &args[7], &nulls[7]);
	text_arg(ev->actor, &args[8], &nulls[8]);
	text_arg(ev->application_name, &args[9], &nulls[9]);

	asd_spi_run_plan(insert_plan, args, nulls, SPI_OK_INSERT, 0);
}

/*
 * The schema of an object: its own, or that of the relation it belongs to
 * (a trigger, rule, policy or column default, which have none of their
 * own).  InvalidOid when it has none or cannot be found.
 */
static Oid
object_namespace(Oid classid, Oid objid)
{
	AttrNumber	relattr;
	AttrNumber	nspattr;
	Relation	catalog;
	HeapTuple	tup;
	Oid			nspid = InvalidOid;

	if (!is_objectclass_supported(classid))
		return InvalidOid;
	switch (classid)
	{
		case TriggerRelationId:
			relattr = Anum_pg_trigger_tgrelid;
			break;
		case RewriteRelationId:
			relattr = Anum_pg_rewrite_ev_class;
			break;
		case PolicyRelationId:
			relattr = Anum_pg_policy_polrelid;
			break;
		case AttrDefaultRelationId:
			relattr = Anum_pg_attrdef_adrelid;
			break;
		default:
			relattr = InvalidAttrNumber;
			break;
	}
	nspattr = get_object_attnum_namespace(classid);
	if (relattr == InvalidAttrNumber && nspattr == InvalidAttrNumber)
		return InvalidOid;

	catalog = table_open(classid, AccessShareLock);
	tup = get_catalog_object_by_oid(catalog, get_object_attnum_oid(classid), objid);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		value;

		value = heap_getattr(tup, relattr != InvalidAttrNumber ? relattr : nspattr,
							 RelationGetDescr(catalog), &isnull);
		if (!isnull)
			nspid = relattr != InvalidAttrNumber ?
				get_rel_namespace(DatumGetObjectId(value)) :
				DatumGetObjectId(value);
	}
	table_close(catalog, AccessShareLock);

	return nspid;
}

/*
 * The catalog of the objects that a GRANT or REVOKE on objtype names;
 * InvalidOid for a kind the log does not look up (GRANT on a database, a
 * tablespace or a parameter fires no event trigger: they are global).
 */
static Oid
grant_object_class(ObjectType objtype)
{
	switch (objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
			return RelationRelationId;
		case OBJECT_DOMAIN:
		case OBJECT_TYPE:
			return TypeRelationId;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			return ProcedureRelationId;
		case OBJECT_SCHEMA:
			return NamespaceRelationId;
		case OBJECT_LANGUAGE:
			return LanguageRelationId;
		case OBJECT_FDW:
			return ForeignDataWrapperRelationId;
		case OBJECT_FOREIGN_SERVER:
			return ForeignServerRelationId;
		case OBJECT_LARGEOBJECT:
			return LargeObjectRelationId;
		default:
			return InvalidOid;
	}
}

/*
 * A GRANT or REVOKE: one row per object it names, but temporary ones.
 * With none to name (ALL TABLES IN SCHEMA of an empty schema), one row
 * as pg_event_trigger_ddl_commands() reports it: the kind of objects,
 * upper case, and no identity.
 */
static void
log_grant(const DdlLogEvent *ev, const char *command_tag,
		  const char *object_type, const InternalGrant *istmt)
{
	Oid			classid = grant_object_class(istmt->objtype);
	ListCell   *lc;

	if (!OidIsValid(classid) || istmt->objects == NIL)
	{
		log_row(ev, command_tag, object_type, NULL, NULL);
		return;
	}
	foreach(lc, istmt->objects)
	{
		ObjectAddress address;
		Oid			nspid;
		char	   *identity;

		ObjectAddressSet(address, classid, lfirst_oid(lc));
		nspid = object_namespace(classid, address.objectId);
		if (OidIsValid(nspid) && isAnyTempNamespace(nspid))
			continue;
		identity = getObjectIdentity(&address, true);
		log_row(ev, command_tag,
				identity ? getObjectTypeDescription(&address, true) : object_type,
				identity,
				OidIsValid(nspid) ? get_namespace_name(nspid) : NULL);
	}
}

/*
 * ddl_command_end: each command the statement ran, in order, but those on
 * temporary objects.  The schema of an object that has none of its own (a
 * trigger) is its relation's, as pg_event_trigger_dropped_objects() gives
 * it.  A GRANT or REVOKE names its objects (log_grant).
 */
static void
log_commands(const DdlLogEvent *ev)
{
	SPITupleTable *commands;
	uint64		ncommands;
	uint64		i;

	asd_spi_run("SELECT d.classid, d.objid, d.command_tag, d.object_type,"
				"       d.object_identity, d.schema_name, d.command"
				"  FROM pg_catalog.pg_event_trigger_ddl_commands()"
				"       WITH ORDINALITY AS d"
				" ORDER BY d.ordinality",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	/* kept apart: each insert below makes a result of its own */
	commands = SPI_tuptable;
	ncommands = SPI_processed;

	for (i = 0; i < ncommands; i++)
	{
		HeapTuple	tup = commands->vals[i];
		TupleDesc	desc = commands->tupdesc;
		bool		classnull;
		bool		objnull;
		bool		cmdnull;
		Datum		classid = SPI_getbinval(tup, desc, 1, &classnull);
		Datum		objid = SPI_getbinval(tup, desc, 2, &objnull);
		Datum		command = SPI_getbinval(tup, desc, 7, &cmdnull);
		CollectedCommand *cmd;
		Oid			nspid = InvalidOid;
		char	   *schema_name = SPI_getvalue(tup, desc, 6);

		/* the event trigger's own memory, valid until the command ends */
		cmd = cmdnull ? NULL : (CollectedCommand *) DatumGetPointer(command);
		if (cmd != NULL && cmd->type == SCT_Grant)
		{
			log_grant(ev, SPI_getvalue(tup, desc, 3), SPI_getvalue(tup, desc, 4),
					  cmd->d.grant.istmt);
			continue;
		}
		if (!classnull && !objnull)
			nspid = object_namespace(DatumGetObjectId(classid),
									 DatumGetObjectId(objid));
		if (OidIsValid(nspid) && isAnyTempNamespace(nspid))
			continue;
		if (schema_name == NULL && OidIsValid(nspid))
			schema_name = get_namespace_name(nspid);
		log_row(ev,
				SPI_getvalue(tup, desc, 3),
				SPI_getvalue(tup, desc, 4),
				SPI_getvalue(tup, desc, 5),
				schema_name);
	}
}

/*
 * sql_drop: the objects dropped by name or through a normal dependency,
 * without the parts of a relation dropped by the same command: a dropped
 * view's rule, a dropped table's column defaults, triggers, policies and
 * constraints (their address names start with the relation's).  DROP
 * EXTENSION: the extensions named only.
 */
static void
log_dropped(const DdlLogEvent *ev, CommandTag tag)
{
	SPITupleTable *dropped;
	uint64		ndropped;
	uint64		i;
	Oid			argtypes[1] = {BOOLOID};
	Datum		args[1];

	args[0] = BoolGetDatum(tag == CMDTAG_DROP_EXTENSION);
	asd_spi_run("SELECT d.object_type, d.object_identity, d.schema_name"
				"  FROM pg_catalog.pg_event_trigger_dropped_objects()"
				"       WITH ORDINALITY AS d"
				" WHERE NOT d.is_temporary"
				"   AND (d.original OR (d.normal AND NOT $1))"
				"   AND NOT (d.object_type OPERATOR(pg_catalog.=) ANY"
				"            ('{default value,rule,trigger,policy,table constraint}'::pg_catalog.text[])"
				"            AND d.address_names[1:2] IN"
				"                (SELECT r.address_names"
				"                   FROM pg_catalog.pg_event_trigger_dropped_objects() r"
				"                  WHERE r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
				"                    AND r.objsubid OPERATOR(pg_catalog.=) 0))"
				" ORDER BY d.ordinality",
				1, argtypes, args, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	dropped = SPI_tuptable;
	ndropped = SPI_processed;

	for (i = 0; i < ndropped; i++)
	{
		HeapTuple	tup = dropped->vals[i];
		TupleDesc	desc = dropped->tupdesc;

		log_row(ev, GetCommandTagName(tag),
				SPI_getvalue(tup, desc, 1),
				SPI_getvalue(tup, desc, 2),
				SPI_getvalue(tup, desc, 3));
	}
}

/* table_rewrite: the table about to be rewritten. */
static void
log_rewrite(const DdlLogEvent *ev, const char *command_tag)
{
	bool		isnull;
	Oid			relid;
	ObjectAddress address;
	Oid			nspid;

	asd_spi_run("SELECT pg_catalog.pg_event_trigger_table_rewrite_oid()",
				0, NULL, NULL, NULL, SPI_OK_SELECT, ASD_SPI_READ_ONLY);
	if (SPI_processed != 1)
		elog(ERROR, "pg_event_trigger_table_rewrite_oid() returned " UINT64_FORMAT " rows",
			 SPI_processed);
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull || !OidIsValid(relid) ||
		get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		return;

	ObjectAddressSet(address, RelationRelationId, relid);
	nspid = get_rel_namespace(relid);
	log_row(ev, command_tag,
			getObjectTypeDescription(&address, true),
			getObjectIdentity(&address, true),
			OidIsValid(nspid) ? get_namespace_name(nspid) : NULL);
}

/*
 * ddl_log_trigger() RETURNS event_trigger
 *		Record the DDL of the command just run in migration_ddl.
 *
 *	CREATE EVENT TRIGGER audit_softdelete_ddl_log ON ddl_command_end
 *		EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
 *	CREATE EVENT TRIGGER audit_softdelete_ddl_log_drop ON sql_drop
 *		EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
 *	CREATE EVENT TRIGGER audit_softdelete_ddl_log_rewrite ON table_rewrite
 *		EXECUTE FUNCTION audit_softdelete.ddl_log_trigger();
 */
Datum
asd_ddl_log_trigger(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	DdlLogEvent ev;
	AsdSpi		spi;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"ddl_log_trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (strcmp(trigdata->event, "ddl_command_end") != 0 &&
		strcmp(trigdata->event, "sql_drop") != 0 &&
		strcmp(trigdata->event, "table_rewrite") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired on ddl_command_end, sql_drop or table_rewrite",
						"ddl_log_trigger"),
				 errdetail("It was fired on %s.", trigdata->event)));

	/* see the file header */
	if ((!check_function_bodies && superuser_arg(GetOuterUserId())) ||
		creating_extension)
		PG_RETURN_VOID();

	if (!asd_current_migration_id(&ev.migration_id))
		ev.migration_id = 0;
	ev.event = trigdata->event;
	ev.by_extension = asd_inside_extension_call();
	ev.db_user = asd_session_user_name();
	ev.actor = asd_current_actor();
	ev.application_name = application_name;

	asd_spi_connect_as_owner(&spi);
	if (strcmp(trigdata->event, "ddl_command_end") == 0)
		log_commands(&ev);
	else if (strcmp(trigdata->event, "sql_drop") == 0)
		log_dropped(&ev, trigdata->tag);
	else
		log_rewrite(&ev, GetCommandTagName(trigdata->tag));
	asd_spi_finish(&spi);

	PG_RETURN_VOID();
}

/*
 * migration_ddl_guard() RETURNS trigger
 *		Keeps the DDL log append-only, for the extension owner and every
 *		other superuser too:
 *
 *		CREATE TRIGGER migration_ddl_guard
 *			BEFORE UPDATE OR DELETE ON audit_softdelete.migration_ddl
 *			FOR EACH ROW EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();
 *		CREATE TRIGGER migration_ddl_guard_truncate
 *			BEFORE TRUNCATE ON audit_softdelete.migration_ddl
 *			FOR EACH STATEMENT EXECUTE FUNCTION audit_softdelete.migration_ddl_guard();
 *
 * INSERT stays open to the owner: the event triggers write as the owner,
 * and pg_dump's restore writes the log's rows back with COPY.
 */
Datum
asd_migration_ddl_guard(PG_FUNCTION_ARGS)
{
	asd_refuse_append_only_change(fcinfo,
								  asd_append_only_change(fcinfo, "migration_ddl_guard"),
								  _("The DDL log is append-only: its event triggers record each command, and nothing changes a row afterwards."),
								  NULL);
	PG_RETURN_NULL();			/* not reached */
}
