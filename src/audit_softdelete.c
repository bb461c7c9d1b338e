/*-------------------------------------------------------------------------
 *
 * audit_softdelete.c
 *	  Module entry point: settings and cache callbacks.
 *
 * Settings are defined here, when the library loads, and the extension's
 * prefix is reserved so that a misspelt audit_softdelete.* setting is
 * reported instead of silently ignored.
 *
 * IDENTIFICATION
 *	  src/audit_softdelete.c
 *
 *-------------------------------------------------------------------------
 */
#include "audit_softdelete.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/guc.h"
#include "utils/inval.h"

PG_MODULE_MAGIC;

/* audit_softdelete.actor: who is acting, usually set with set_actor() */
char	   *asd_actor = NULL;

/* audit_softdelete.actor_setting: another setting to take the actor from */
char	   *asd_actor_setting = NULL;

/* audit_softdelete.context: JSON attached to audit rows, see set_context() */
char	   *asd_context = NULL;

/* audit_softdelete.hard_delete: DELETE and TRUNCATE really remove rows */
bool		asd_hard_delete = false;

void		_PG_init(void);

/*
 * The relcache hooks of the modules that keep something about relations,
 * called in the order they were registered, from one callback: PostgreSQL
 * has room for few per backend, shared by every library loaded.
 */
#define ASD_MAX_RELCACHE_HOOKS 4

static AsdRelcacheHook relcache_hooks[ASD_MAX_RELCACHE_HOOKS];
static int	n_relcache_hooks = 0;

static void
call_relcache_hooks(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < n_relcache_hooks; i++)
		relcache_hooks[i] (relid);
}

/*
 * asd_register_relcache_hook
 *		Have hook called at every relcache invalidation; for _PG_init.
 */
void
asd_register_relcache_hook(AsdRelcacheHook hook)
{
	if (n_relcache_hooks >= ASD_MAX_RELCACHE_HOOKS)
		elog(ERROR, "too many audit_softdelete relcache hooks");
	if (n_relcache_hooks == 0)
		CacheRegisterRelcacheCallback(call_relcache_hooks, (Datum) 0);
	relcache_hooks[n_relcache_hooks++] = hook;
}

/* The context must be JSON: checked when set, not at the next write. */
static bool
check_context(char **newval, void **extra, GucSource source)
{
	JsonLexContext *lex;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	lex = makeJsonLexContextCstringLen(*newval, strlen(*newval),
									   GetDatabaseEncoding(), false);
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
	{
		GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		GUC_check_errmsg("audit_softdelete.context must be a JSON document");
		return false;
	}
	return true;
}

void
_PG_init(void)
{
	/*
	 * The actor is what the application says about itself; it is not a
	 * security boundary (audit rows also record session_user for that), so
	 * any role may set it.
	 */
	DefineCustomStringVariable("audit_softdelete.actor",
							   "The actor stamped into created_by, updated_by and the audit trail.",
							   "Set it per transaction with audit_softdelete.set_actor() or SET LOCAL. "
							   "Empty means: use actor_setting, then session_user.",
							   &asd_actor,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("audit_softdelete.actor_setting",
							   "Name of another setting that holds the actor, such as request.jwt.claims.",
							   "When that setting holds a JSON object, its \"sub\" field is the actor.",
							   &asd_actor_setting,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("audit_softdelete.context",
							   "A JSON document attached to the audit rows written.",
							   "Set it per transaction with audit_softdelete.set_context().",
							   &asd_context,
							   "",
							   PGC_USERSET,
							   0,
							   check_context, NULL, NULL);

	/*
	 * Superuser-only: a value an ordinary role set before the library was
	 * loaded is discarded with a warning when it loads.
	 */
	DefineCustomBoolVariable("audit_softdelete.hard_delete",
							 "Let DELETE and TRUNCATE physically remove rows of soft-delete tables.",
							 "Physical deletes are recorded in audit_logs like any delete.",
							 &asd_hard_delete,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("audit_softdelete");

	asd_statement_init();

	asd_tracked_init();
	asd_audit_write_init();
	asd_relinfo_init();

	asd_audit_init();
}
