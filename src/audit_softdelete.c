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

#include "audit.h"
#include "audit_write.h"
#include "live_parent.h"
#include "relinfo.h"
#include "statement.h"
#include "tracked.h"
#include "txid_era.h"

PG_MODULE_MAGIC;

/* audit_softdelete.actor: who is acting, usually set with set_actor() */
char	   *asd_actor = NULL;

/* audit_softdelete.actor_setting: another setting to take the actor from */
char	   *asd_actor_setting = NULL;

/* audit_softdelete.context: JSON attached to audit rows, see set_context() */
char	   *asd_context = NULL;

/* audit_softdelete.hard_delete: DELETE and TRUNCATE really remove rows */
bool		asd_hard_delete = false;

/* Set while undo and revert_table_to() add their key "undo" to the context */
bool		asd_setting_undo_context = false;

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

/* Where the parse of a context is, and whether it met a top-level "undo". */
typedef struct ContextParse
{
	int			depth;
	bool		has_undo;
} ContextParse;

static void
context_nest(void *state)
{
	((ContextParse *) state)->depth++;
}

static void
context_unnest(void *state)
{
	((ContextParse *) state)->depth--;
}

static void
context_field(void *state, char *fname, bool isnull)
{
	ContextParse *parse = (ContextParse *) state;

	if (parse->depth == 1 && fname != NULL && strcmp(fname, "undo") == 0)
		parse->has_undo = true;
}

/*
 * The context must be JSON: checked when set, not at the next write.  Its
 * top-level key "undo" is undo's own (undo.c): undo() and undo_transaction()
 * take a later audit row carrying it for an undo that took back the audit
 * row or transaction it names, so a role setting it could hide its change
 * from their check of later changes.  Only they set it.
 */
static bool
check_context(char **newval, void **extra, GucSource source)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	ContextParse parse = {0, false};

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	lex = makeJsonLexContextCstringLen(*newval, strlen(*newval),
									   GetDatabaseEncoding(), true);
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &parse;
	sem.object_start = context_nest;
	sem.object_end = context_unnest;
	sem.array_start = context_nest;
	sem.array_end = context_unnest;
	sem.object_field_start = context_field;
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS)
	{
		GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		GUC_check_errmsg("audit_softdelete.context must be a JSON document");
		return false;
	}
	if (parse.has_undo && !asd_setting_undo_context)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("audit_softdelete.context cannot have the key \"undo\"");
		GUC_check_errdetail("The key \"undo\" marks the audit rows of undo() and undo_transaction(), which take them for undos when they look for later changes.");
		GUC_check_errhint("Name the key otherwise, or nest it in a key of your own.");
		return false;
	}
	return true;
}

/*
 * Is name made of words of letters, digits, underscores and dollar signs,
 * none starting with a digit or a dollar sign, joined by dots?  Custom
 * settings are named so, with at least one dot; built-in ones are one word.
 */
static bool
setting_name_ok(const char *name)
{
	bool		word_start = true;
	const char *p;

	for (p = name; *p; p++)
	{
		if (*p == '.')
		{
			if (word_start)
				return false;	/* an empty word */
			word_start = true;
		}
		else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				 *p == '_' || IS_HIGHBIT_SET(*p))
			word_start = false;
		else if (word_start || !((*p >= '0' && *p <= '9') || *p == '$'))
			return false;
	}
	return !word_start;
}

/*
 * actor_setting must name something that can be a setting.  A custom
 * setting exists once something sets it, so a misspelt custom name cannot
 * be told from one not set yet in this session: only names that can never
 * be a setting are refused (current_actor() shows what a write would get).
 */
static bool
check_actor_setting(char **newval, void **extra, GucSource source)
{
	const char *name = *newval;

	if (name == NULL || name[0] == '\0')
		return true;
	if (!setting_name_ok(name))
		GUC_check_errdetail("\"%s\" is not a setting name: setting names are words of letters, digits, underscores and dollar signs, each starting with a letter or underscore, joined by dots.",
							name);
	else if (strchr(name, '.') == NULL && GetConfigOption(name, true, false) == NULL)
		GUC_check_errdetail("No built-in setting is named \"%s\", and the names of custom settings contain a dot.",
							name);
	else
		return true;
	GUC_check_errhint("Name the setting that holds the actor, such as request.jwt.claims. audit_softdelete.current_actor() shows the actor a write would get.");
	return false;
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
							   check_actor_setting, NULL, NULL);

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
	asd_txid_era_init();
	asd_relinfo_init();

	asd_audit_init();
	asd_live_parent_init();
}
