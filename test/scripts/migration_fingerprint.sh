#!/usr/bin/env bash
# test/scripts/migration_fingerprint.sh: the schema fingerprint survives
# pg_dump and restore.  A database with a varied schema (every kind of
# object the fingerprint covers, tables enabled in every mode, names that
# need quoting and are not ASCII) is dumped and restored twice: as SQL into
# a database whose settings differ (time zone, date style, search_path), and
# in the custom format with pg_restore into a LATIN1 database with the C
# collation.  Both must have the same facts and fingerprint as the original;
# one more column must change it.
#
# Runs against the server in PGHOST/PGPORT/PGUSER; run by test/run-tests.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/checks.sh"

src=db_asd_fp_src
sql=db_asd_fp_sql
custom=db_asd_fp_custom
# the facts of every database in one encoding, whatever the locale
export PGCLIENTENCODING=UTF8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

psql_q -d postgres \
	-c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $sql" \
	-c "DROP DATABASE IF EXISTS $custom" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $sql" \
	-c "CREATE DATABASE $custom TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'" \
	-c "ALTER DATABASE $sql SET TimeZone = 'Asia/Tokyo'" \
	-c "ALTER DATABASE $sql SET DateStyle = 'SQL, DMY'" \
	-c "ALTER DATABASE $sql SET search_path = app, public"

psql_q -d "$src" <<'SQL'
CREATE EXTENSION audit_softdelete;
CREATE EXTENSION citext;
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('ok', 'happy');
ALTER TYPE app.mood ADD VALUE 'sad' BEFORE 'ok';
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1 CONSTRAINT posint_check CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text COLLATE "C");
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE COLLATION app.bytes (provider = libc, locale = 'C');
CREATE SEQUENCE app.counter AS integer INCREMENT 5 START 10 CACHE 2 CYCLE;
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    gone int,
    born date DEFAULT '2000-01-31',
    seen timestamptz DEFAULT '2020-06-01 12:00:00+02',
    score float8 DEFAULT 0.1,
    price money DEFAULT '12.50',
    blob bytea DEFAULT '\x0102',
    lapse interval DEFAULT '1 day 2 hours',
    nick text COLLATE app.bytes DEFAULT 'back\slash',
    n app.posint,
    total numeric(10,2) GENERATED ALWAYS AS (n * 2) STORED,
    ticket int DEFAULT nextval('app.counter'),
    CONSTRAINT users_n_check CHECK (n < 1000)
);
ALTER TABLE app.users DROP COLUMN gone;
CREATE STATISTICS app.users_stats ON mood, born FROM app.users;
CREATE TABLE app.posts (id serial PRIMARY KEY, user_id bigint REFERENCES app.users ON DELETE CASCADE,
                        body text, tags text[] DEFAULT '{}', "Odd Name" int);
CREATE INDEX posts_body_idx ON app.posts (lower(body)) WHERE body IS NOT NULL;
ALTER TABLE app.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_posts ON app.posts FOR SELECT TO PUBLIC USING (user_id = 1);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.body := coalesce(NEW.body, '');
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_touch BEFORE INSERT ON app.posts FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + b;
CREATE PROCEDURE app.noop() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
CREATE AGGREGATE app.total(int) (sfunc = app.add, stype = int, initcond = '0');
CREATE VIEW app.post_view AS
    SELECT p.id, p.body, u.email FROM app.posts p JOIN app.users u ON u.id = p.user_id;
CREATE RULE post_view_delete AS ON DELETE TO app.post_view DO INSTEAD NOTHING;
CREATE MATERIALIZED VIEW app.counts AS SELECT user_id, count(*) AS n FROM app.posts GROUP BY user_id;
CREATE UNIQUE INDEX counts_user ON app.counts (user_id);
-- a partition made with the table, one attached with its own column order
CREATE TABLE app.events (id int, day int, note text DEFAULT 'x', PRIMARY KEY (id, day))
    PARTITION BY RANGE (day);
CREATE TABLE app.events_1 PARTITION OF app.events FOR VALUES FROM (1) TO (10);
CREATE TABLE app.events_2 (note text, day int NOT NULL, id int NOT NULL);
ALTER TABLE app.events ATTACH PARTITION app.events_2 FOR VALUES FROM (10) TO (20);
CREATE INDEX events_note ON app.events (note);
CREATE TABLE app.parent (a int, b text CHECK (b <> ''));
CREATE TABLE app.child (c int) INHERITS (app.parent);
CREATE UNLOGGED TABLE app.scratch (x int) WITH (fillfactor = 70, autovacuum_enabled = false);
ALTER TABLE app.scratch REPLICA IDENTITY FULL;
CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER app_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
    EXECUTE FUNCTION app.on_ddl();
CREATE TABLE "Café" ("ü" int);
CREATE FOREIGN DATA WRAPPER app_fdw;
CREATE SERVER app_server FOREIGN DATA WRAPPER app_fdw;
CREATE FOREIGN TABLE app.remote (a int NOT NULL) SERVER app_server OPTIONS (name 'r', mode 'ro');
-- operators (one's negator defined after it, one's commutator a shell that
-- stays one), casts of every method, text search objects, publications
CREATE FUNCTION app.same_length(a text, b text) RETURNS boolean
    LANGUAGE sql IMMUTABLE RETURN length(a) = length(b);
CREATE FUNCTION app.other_length(a text, b text) RETURNS boolean
    LANGUAGE sql IMMUTABLE RETURN length(a) <> length(b);
CREATE OPERATOR app.=~= (LEFTARG = text, RIGHTARG = text, FUNCTION = app.same_length,
                         COMMUTATOR = OPERATOR(app.=~=), NEGATOR = OPERATOR(app.!~=),
                         RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR app.!~= (LEFTARG = text, RIGHTARG = text, FUNCTION = app.other_length);
CREATE OPERATOR app.<#> (LEFTARG = int, RIGHTARG = int, FUNCTION = app.add,
                         COMMUTATOR = OPERATOR(app.<##>));
CREATE OPERATOR app.## (RIGHTARG = int, FUNCTION = int4abs);
CREATE FUNCTION app.pair_text(app.pair) RETURNS text LANGUAGE sql IMMUTABLE RETURN ($1).b;
CREATE CAST (app.pair AS text) WITH FUNCTION app.pair_text(app.pair) AS ASSIGNMENT;
CREATE CAST (app.mood AS integer) WITH INOUT;
CREATE CAST (xid AS integer) WITHOUT FUNCTION AS IMPLICIT;
CREATE TEXT SEARCH TEMPLATE app.plain (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH PARSER app.words (START = prsd_start, GETTOKEN = prsd_nexttoken,
                                     END = prsd_end, LEXTYPES = prsd_lextype,
                                     HEADLINE = prsd_headline);
CREATE TEXT SEARCH DICTIONARY app.short_words (TEMPLATE = app.plain, STOPWORDS = english,
                                               ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION app.search (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION app.search
    ALTER MAPPING FOR asciiword WITH app.short_words, english_stem;
CREATE TEXT SEARCH CONFIGURATION app.own_words (PARSER = app.words);
ALTER TEXT SEARCH CONFIGURATION app.own_words ADD MAPPING FOR word WITH simple;
SET client_min_messages = error;
CREATE PUBLICATION app_pub FOR TABLE app.users (id, email, mood) WHERE (id > 0), app.posts
    WITH (publish = 'insert, update');
CREATE PUBLICATION app_schema_pub FOR TABLES IN SCHEMA app
    WITH (publish_via_partition_root = true);
CREATE PUBLICATION "All Pub" FOR ALL TABLES WITH (publish = '');
RESET client_min_messages;
-- audit_softdelete in every mode, one trigger set to fire always
CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
SELECT audit_softdelete.enable('app.orders', soft_delete => 'view');
SELECT audit_softdelete.enable('app.posts', exclude_columns => '{tags, body}');
SELECT audit_softdelete.enable('app.events', stamps => false, soft_delete => 'off');
ALTER TABLE app.posts ENABLE ALWAYS TRIGGER audit_softdelete_audit;
-- data
INSERT INTO app.users (email, n) VALUES ('a@example.org', 2);
INSERT INTO app.posts (user_id, body) VALUES (1, 'hello');
REFRESH MATERIALIZED VIEW app.counts;
SQL

facts() { psql_q -d "$1" -c "SELECT audit_softdelete.migration_schema_facts()"; }
fingerprint() { psql_q -d "$1" -c "SELECT audit_softdelete.migration_schema_fingerprint()"; }

# assigned first, so that an error fails the test
facts_src=$(facts "$src")
fp_src=$(fingerprint "$src")
# every kind of fact is there, so that the comparisons below mean something
kinds=$(printf '%s\n' "$facts_src" | sed -E \
	-e 's/^(relation|type) [^ :]+ (column|constraint|index|trigger|rule|policy|query|audit_softdelete)[ :].*/\1 \2/' \
	-e 's/^(type [^ :]+): (enum|domain|range|composite).*/type \2/' \
	-e 's/^(relation) [^ :]+: (partitioned table|foreign table|table|materialized view|view).*/\1 \2/' \
	-e 's/^(publication) [^ :]+ (table|schema) .*/\1 \2/' \
	-e 's/^(text search configuration) [^ :]+ (mapping) .*/\1 \2/' -e t \
	-e 's/^(schema|extension|sequence|function|procedure|aggregate|collation|statistics|event trigger|operator|cast|publication|text search (configuration|dictionary|parser|template)) .*/\1/' |
	LC_ALL=C sort -u | paste -sd, -)
check "the facts cover every kind of object" \
	"aggregate,cast,collation,event trigger,extension,function,operator,procedure,publication,publication schema,publication table,relation audit_softdelete,relation column,relation constraint,relation foreign table,relation index,relation materialized view,relation partitioned table,relation policy,relation query,relation rule,relation table,relation trigger,relation view,schema,sequence,statistics,text search configuration,text search configuration mapping,text search dictionary,text search parser,text search template,type column,type composite,type constraint,type domain,type enum,type range" \
	"$kinds"

pg_dump -d "$src" -f "$tmp/dump.sql"
# without the warnings of CREATE PUBLICATION (wal_level is not logical)
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$sql" -f "$tmp/dump.sql" \
	>/dev/null 2>"$tmp/restore.err" || { cat "$tmp/restore.err" >&2; exit 1; }
grep -v wal_level "$tmp/restore.err" >&2 || true
pg_dump -Fc -d "$src" -f "$tmp/dump.custom"
pg_restore --exit-on-error --single-transaction -d "$custom" "$tmp/dump.custom"

check "restored from SQL, with other settings: the same facts" "$facts_src" "$(facts "$sql")"
check "restored from SQL, with other settings: the same fingerprint" "$fp_src" "$(fingerprint "$sql")"
check "restored with pg_restore into LATIN1 and C: the same facts" "$facts_src" "$(facts "$custom")"
check "restored with pg_restore into LATIN1 and C: the same fingerprint" "$fp_src" "$(fingerprint "$custom")"
check "a name that is not ASCII is a fact" "t" \
	"$(grep -q '^relation public."Café" column "ü": ' <<<"$facts_src" && echo t)"

psql_q -d "$sql" -c 'ALTER TABLE app.scratch ADD COLUMN y int'
check "one more column changes the fingerprint" "t" \
	"$(psql_q -d "$sql" -c "SELECT audit_softdelete.migration_schema_fingerprint() <> '$fp_src'")"
check "and the facts say which" "> relation app.scratch column y: position 2, type integer" \
	"$(diff <(printf '%s\n' "$facts_src") <(facts "$sql") | grep '^[<>]' || true)"

psql_q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $sql" -c "DROP DATABASE $custom"
exit $fail
