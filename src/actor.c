/*-------------------------------------------------------------------------
 *
 * actor.c
 *	  Who is acting: set_actor(), a claims setting, or session_user.
 *
 * The actor is resolved in this order:
 *	1. audit_softdelete.actor, normally set for one transaction with
 *	   audit_softdelete.set_actor() or SET LOCAL;
 *	2. the setting named by audit_softdelete.actor_setting (for example
 *	   request.jwt.claims as PostgREST sets it): its "sub" field when it
 *	   holds a JSON object, its whole value otherwise;
 *	3. session_user.
 * An empty value at any step means "not set here".
 *
 * IDENTIFICATION
 *	  src/actor.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "actor.h"

PG_FUNCTION_INFO_V1(asd_set_actor);
PG_FUNCTION_INFO_V1(asd_current_actor_sql);

/*
 * The claims value last parsed and the "sub" found in it (NULL when it had
 * none).  A request sets its claims once and then writes many rows, so
 * parsing them once per distinct value keeps JSON parsing off the per-row
 * path.
 */
static char *cached_claims = NULL;
static char *cached_claims_sub = NULL;

static void
claims_error_context(void *arg)
{
	errcontext("while reading the actor from setting \"%s\"",
			   (const char *) arg);
}

/*
 * claims_sub
 *		The "sub" field of a JSON object held in a setting, or NULL.
 */
static const char *
claims_sub(const char *setting_name, const char *claims)
{
	ErrorContextCallback errcallback;
	Jsonb	   *jb;
	JsonbValue	sub;
	char	   *found = NULL;
	MemoryContext oldcxt;

	if (cached_claims != NULL && strcmp(cached_claims, claims) == 0)
		return cached_claims_sub;

	errcallback.callback = claims_error_context;
	errcallback.arg = (void *) setting_name;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));

	error_context_stack = errcallback.previous;

	if (JB_ROOT_IS_OBJECT(jb) &&
		getKeyJsonValueFromContainer(&jb->root, "sub", 3, &sub) != NULL)
	{
		if (sub.type == jbvString)
			found = pnstrdup(sub.val.string.val, sub.val.string.len);
		else if (sub.type == jbvNumeric)
			found = DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(sub.val.numeric)));
	}

	/* Remember the answer for the next row. */
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	if (cached_claims)
		pfree(cached_claims);
	if (cached_claims_sub)
		pfree(cached_claims_sub);
	cached_claims = pstrdup(claims);
	cached_claims_sub = (found && *found) ? pstrdup(found) : NULL;
	MemoryContextSwitchTo(oldcxt);

	return cached_claims_sub;
}

/*
 * session_user's name, looked up once per role: most writes of a session
 * without set_actor() fall back to it.  A role rename or drop forgets it.
 */
static Oid	cached_session_user = InvalidOid;
static char cached_session_user_name[NAMEDATALEN];
static bool role_callback_registered = false;

static void
forget_session_user(Datum arg, int cacheid, uint32 hashvalue)
{
	cached_session_user = InvalidOid;
}

char *
asd_session_user_name(void)
{
	Oid			roleid = GetSessionUserId();

	if (roleid != cached_session_user)
	{
		if (!role_callback_registered)
		{
			CacheRegisterSyscacheCallback(AUTHOID, forget_session_user, (Datum) 0);
			role_callback_registered = true;
		}
		strlcpy(cached_session_user_name, GetUserNameFromId(roleid, false), NAMEDATALEN);
		cached_session_user = roleid;
	}
	return cached_session_user_name;
}

/*
 * asd_current_actor
 *		The actor for the current statement, never NULL.
 */
char *
asd_current_actor(void)
{
	if (asd_actor != NULL && asd_actor[0] != '\0')
		return asd_actor;

	if (asd_actor_setting != NULL && asd_actor_setting[0] != '\0')
	{
		const char *value;

		/*
		 * The actor ends up in rows others can read, and is computed under
		 * whatever role a trigger runs as (a table owner, in foreign-key
		 * actions): a setting only superusers may see is never an actor.
		 */
		if (GetConfigOptionFlags(asd_actor_setting, true) & GUC_SUPERUSER_ONLY)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("audit_softdelete.actor_setting cannot name \"%s\"",
							asd_actor_setting),
					 errdetail("Only superusers may read that setting.")));
		value = GetConfigOption(asd_actor_setting, true, true);
		if (value != NULL)
		{
			const char *p = value;

			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			if (*p == '{')
			{
				const char *sub = claims_sub(asd_actor_setting, value);

				if (sub != NULL)
					return (char *) sub;
			}
			else if (*p != '\0')
				return (char *) value;
		}
	}

	return asd_session_user_name();
}

/*
 * asd_actor_datum
 *		Convert the actor to the type of an actor column, with that type's
 *		input function.
 *
 * A value the type rejects is an error that names the actor, the column and
 * its type: stamping NULL instead would lose exactly what the column is for.
 */
Datum
asd_actor_datum(const char *actor, AsdRoleColumn *col, Relation rel)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		result = InputFunctionCall(&col->input, (char *) actor,
								   col->ioparam, col->typmod);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		/* bad input or a domain constraint; anything else goes up as is */
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();

		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("actor \"%s\" is not a valid %s for column \"%s\" of table \"%s\"",
						actor, format_type_with_typemod(col->typid, col->typmod),
						col->attname, RelationGetRelationName(rel)),
				 errdetail("%s", edata->message),
				 errhint("Name an actor of that type with audit_softdelete.set_actor(), "
						 "or keep actors in a text column.")));
	}
	PG_END_TRY();

	return result;
}

/*
 * set_actor(actor text) RETURNS void
 *		Name the actor for the rest of the current transaction only, like
 *		SET LOCAL, so that on a pooled connection it never reaches the next
 *		transaction.  NULL or '' clears it.
 *
 * Outside a transaction block the transaction ends with the statement, and
 * a warning says so; but a procedure or DO block that commits (a non-atomic
 * context) runs its transactions outside any block, and there the actor
 * lasts until its next COMMIT or ROLLBACK, as it should.
 */
Datum
asd_set_actor(PG_FUNCTION_ARGS)
{
	char	   *actor = PG_ARGISNULL(0) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (!IsTransactionBlock() && !SPI_inside_nonatomic_context())
		ereport(WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("set_actor can only be used in transaction blocks"),
				 errdetail("Outside a transaction block the actor lasts only until the end of this statement."),
				 errhint("Call it after BEGIN, in the transaction whose changes it names.")));

	(void) set_config_option("audit_softdelete.actor", actor,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);

	PG_RETURN_VOID();
}

/*
 * current_actor() RETURNS text
 *		The actor a write made now would be stamped with.
 */
Datum
asd_current_actor_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(asd_current_actor()));
}
