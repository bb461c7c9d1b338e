/*-------------------------------------------------------------------------
 *
 * migration_checksum.c
 *	  migration_checksum(): the checksum of a migration script, and the
 *	  one rule for what a checksum looks like.
 *
 * The checksum says whether a migration's script changed since it was
 * applied; edits that change nothing for the server must not count.  So
 * the script is normalised before it is hashed: it is taken in UTF-8
 * (converted from the database's encoding, so that a file has the same
 * checksum in every database; in an SQL_ASCII database its bytes are
 * taken as they are), a UTF-8 byte order mark at its start is dropped,
 * CRLF and lone CR line ends become LF, each line loses its trailing
 * spaces and tabs, blank lines at the end go, and every line, the last
 * included, ends with one LF.  The SHA-256 of those bytes is computed
 * with PostgreSQL's cryptohash API and tagged "v1:sha256:<64 lower-case
 * hex digits>": a later normalisation or hash would get another tag,
 * never the same one with another meaning.
 *
 * IDENTIFICATION
 *	  src/migration_checksum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "migration.h"

PG_FUNCTION_INFO_V1(asd_migration_checksum);

#define CHECKSUM_PREFIX		"v1:sha256:"
#define CHECKSUM_PREFIX_LEN (sizeof(CHECKSUM_PREFIX) - 1)
#define CHECKSUM_LEN		(CHECKSUM_PREFIX_LEN + PG_SHA256_DIGEST_LENGTH * 2)

/* Whitespace a line loses at its end (line ends are handled apart). */
static inline bool
trailing_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/*
 * normalise_script
 *		The bytes that are hashed, as the file header describes them, from
 *		the script in UTF-8.  Line ends and trailing whitespace are ASCII
 *		bytes, which no multibyte character of UTF-8 contains.
 *
 * Blank lines are held back until a line with content follows, so that
 * those at the end are dropped and the others kept.
 */
static void
normalise_script(const char *script, int len, StringInfo out)
{
	const char *p = script;
	const char *end = script + len;
	int			held_blank_lines = 0;

	if (len >= 3 &&
		(unsigned char) p[0] == 0xEF && (unsigned char) p[1] == 0xBB &&
		(unsigned char) p[2] == 0xBF)
		p += 3;

	while (p < end)
	{
		const char *line = p;
		const char *line_end;

		while (p < end && *p != '\n' && *p != '\r')
			p++;
		line_end = p;
		/* the line end: LF, CRLF or a lone CR */
		if (p < end && *p == '\r')
		{
			p++;
			if (p < end && *p == '\n')
				p++;
		}
		else if (p < end)
			p++;

		while (line_end > line && trailing_space(line_end[-1]))
			line_end--;
		if (line_end == line)
		{
			held_blank_lines++;
			continue;
		}
		for (; held_blank_lines > 0; held_blank_lines--)
			appendStringInfoChar(out, '\n');
		appendBinaryStringInfo(out, line, line_end - line);
		appendStringInfoChar(out, '\n');
	}
}

/*
 * asd_sha256_tag
 *		"v1:sha256:<64 lower-case hex digits>" of len bytes of data: how a
 *		migration script's checksum and the schema fingerprint
 *		(fingerprint.c) are written.
 */
char *
asd_sha256_tag(const char *data, size_t len)
{
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *result = palloc(CHECKSUM_LEN + 1);
	int			i;

	ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute a SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);

	memcpy(result, CHECKSUM_PREFIX, CHECKSUM_PREFIX_LEN);
	for (i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		result[CHECKSUM_PREFIX_LEN + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
		result[CHECKSUM_PREFIX_LEN + 2 * i + 1] = "0123456789abcdef"[digest[i] & 0x0F];
	}
	result[CHECKSUM_LEN] = '\0';
	return result;
}

/*
 * migration_checksum(script text) RETURNS text
 *		"v1:sha256:<hex>" of the normalised script.
 */
Datum
asd_migration_checksum(PG_FUNCTION_ARGS)
{
	text	   *script = PG_GETARG_TEXT_PP(0);
	const char *bytes = VARDATA_ANY(script);
	int			len = VARSIZE_ANY_EXHDR(script);
	StringInfoData normalised;

	/* SQL_ASCII holds bytes of no known encoding: hash them as they are */
	if (GetDatabaseEncoding() != PG_SQL_ASCII)
	{
		bytes = pg_server_to_any(bytes, len, PG_UTF8);
		if (bytes != VARDATA_ANY(script))
			len = strlen(bytes);
	}
	initStringInfo(&normalised);
	normalise_script(bytes, len, &normalised);

	PG_RETURN_TEXT_P(cstring_to_text(asd_sha256_tag(normalised.data,
												   normalised.len)));
}

/*
 * asd_migration_checksum_tag
 *		A checksum given to one of the ledger's functions, checked and
 *		written as the ledger stores and compares it: surrounding
 *		whitespace dropped, hex digits in lower case.  argname names the
 *		argument in the error.
 */
char *
asd_migration_checksum_tag(const char *checksum, const char *argname)
{
	const char *start = checksum;
	size_t		len;
	char	   *tag;
	size_t		i;
	bool		valid;

	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' ||
					   start[len - 1] == '\n' || start[len - 1] == '\r'))
		len--;

	valid = (len == CHECKSUM_LEN &&
			 pg_strncasecmp(start, CHECKSUM_PREFIX, CHECKSUM_PREFIX_LEN) == 0);
	for (i = CHECKSUM_PREFIX_LEN; valid && i < len; i++)
		valid = isxdigit((unsigned char) start[i]);
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid migration checksum \"%s\" for argument \"%s\"",
						checksum, argname),
				 errdetail("A checksum is \"v1:sha256:\" followed by 64 hexadecimal digits."),
				 errhint("Compute it with audit_softdelete.migration_checksum(script).")));

	tag = pnstrdup(start, len);
	for (i = 0; i < len; i++)
		tag[i] = pg_ascii_tolower((unsigned char) tag[i]);
	return tag;
}
