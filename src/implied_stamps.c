/*-------------------------------------------------------------------------
 *
 * implied_stamps.c
 *	  Which stamp values an audit row need not repeat.
 *
 * Every audit row (1.1) says who made the change (actor) and when its
 * transaction began (xact_start).  The stamp trigger writes exactly those
 * into created_at / created_by / updated_at / updated_by, so an INSERT's
 * new_values, and the new_values and changed_columns of an UPDATE (a soft
 * delete, a restore), leave out a stamp column whose new value is
 *
 *	a time column (timestamptz)			xact_start
 *	an actor column (text, varchar,		actor, as the column's type: to_jsonb()
 *	  uuid, smallint, integer, bigint)	  of actor::type gives the value back
 *
 * and keep it otherwise (a value the application wrote, a timestamp
 * without time zone, whose value depends on the writer's TimeZone, a
 * domain).  The test is on the value, not on who wrote it, so the rule
 * holds with the stamps off or the stamp trigger disabled.  Old values are
 * kept: an UPDATE's old stamps are the only record of them where the row
 * predates its audit trail, and row_as_of() walks back through them.
 * A one-column UPDATE's audit row went from 378 to 303 bytes
 * (docs/BENCHMARKS.md).
 *
 * IDENTIFICATION
 *	  src/implied_stamps.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "audit_write.h"
#include "implied_stamps.h"

/* Is value (not null) the actor, as a column of this type holds it? */
static bool
is_actor(AsdRoleColumn *col, Datum value, const char *actor)
{
	switch (col->typid)
	{
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *t = DatumGetTextPP(value);
				size_t		len = strlen(actor);

				return VARSIZE_ANY_EXHDR(t) == len &&
					memcmp(VARDATA_ANY(t), actor, len) == 0;
			}
		case UUIDOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
			{
				/*
				 * The value's text is the actor's: then actor::type is the
				 * value (these types read their own output back).  A '007'
				 * stored as 7 stays in the row.
				 */
				return strcmp(OutputFunctionCall(&col->output, value), actor) == 0;
			}
		default:
			return false;
	}
}

/*
 * asd_implied_stamps
 *		Flag in implied (numbered like info's columns, all false on entry)
 *		the stamp columns among candidates (NULL: all) whose value in this
 *		row is what the audit row's actor and xact_start say.  Returns
 *		whether any was flagged.
 */
bool
asd_implied_stamps(AsdRelInfo *info, const bool *candidates,
				   Datum *values, bool *nulls, bool *implied)
{
	const char *actor = NULL;
	bool		any = false;
	int			role;

	for (role = 0; role < ASD_NUM_STAMP_ROLES; role++)
	{
		AsdRoleColumn *col = &info->roles[role];
		int			i = col->attnum - 1;
		bool		match;

		if (col->attnum == InvalidAttrNumber ||
			(candidates != NULL && !candidates[i]) ||
			!info->columns[i].logged || info->columns[i].redacted || nulls[i])
			continue;

		/* a 1.0 audit_logs has no xact_start: nothing is implied */
		if (!any && !asd_audit_logs_has_xact_start())
			return false;

		if (asd_role_is_actor(role))
		{
			if (actor == NULL)
				actor = asd_current_actor();
			match = is_actor(col, values[i], actor);
		}
		else
			match = (col->typid == TIMESTAMPTZOID &&
					 DatumGetTimestampTz(values[i]) == GetCurrentTransactionStartTimestamp());
		if (match)
			implied[i] = any = true;
	}
	return any;
}
