-- The audit rows' JSON is written straight in jsonb's binary layout
-- (src/jsonb_writer.c).  Whatever its shape, it must be the document
-- to_jsonb() makes: equal, of the same size, and read alike by jsonb's
-- operations, which walk the layout in different ways (binary search of
-- the keys, the offsets kept every 32 entries, iteration, containment).

SET TimeZone = 'UTC';

-- Compare a logged object with the one to_jsonb() makes, five ways.
CREATE FUNCTION jw_same(logged jsonb, expected jsonb)
RETURNS TABLE (equal boolean, same_text boolean, same_size boolean,
               every_key_found boolean, same_pairs boolean, contain_each_other boolean)
LANGUAGE sql AS $$
SELECT logged = expected,
       logged::text = expected::text,
       -- a stored value under 127 bytes has a 1-byte header, not 4
       pg_column_size(logged) + CASE WHEN pg_column_size(logged) < 127 THEN 3 ELSE 0 END
         = pg_column_size(expected),
       (SELECT bool_and(logged -> k IS NOT DISTINCT FROM expected -> k)
          FROM jsonb_object_keys(expected) k),
       (SELECT array_agg(e ORDER BY e) FROM jsonb_each(logged) e)
         = (SELECT array_agg(e ORDER BY e) FROM jsonb_each(expected) e),
       logged @> expected AND expected @> logged
$$;

-- 40 columns whose names differ in length and are not in key order:
-- 80 entries in the object, past the stride of 32.
DO $$
DECLARE
    cols text := '';
BEGIN
    FOR g IN 1..40 LOOP
        cols := cols || format(', %I %s',
            repeat(chr(122 - (g * 7) % 26), 1 + g % 5) || g,
            CASE g % 5 WHEN 0 THEN 'int' WHEN 1 THEN 'numeric' WHEN 2 THEN 'text'
                       WHEN 3 THEN 'boolean' ELSE 'jsonb' END);
    END LOOP;
    EXECUTE 'CREATE TABLE jw_wide (id int PRIMARY KEY' || cols || ')';
END
$$;
SELECT audit_softdelete.enable('jw_wide', stamps => false, soft_delete => 'off');

-- Values of every shape: strings of odd lengths before numerics (padding),
-- NULLs, nested documents, scalar and empty documents.
DO $$
DECLARE
    names text := 'id';
    vals text := '1';
    r record;
BEGIN
    FOR r IN SELECT attname, atttypid::regtype AS typ, attnum
               FROM pg_attribute WHERE attrelid = 'jw_wide'::regclass AND attnum > 1
              ORDER BY attnum
    LOOP
        names := names || ', ' || quote_ident(r.attname);
        vals := vals || ', ' || CASE
            WHEN r.attnum % 7 = 0 THEN 'NULL'
            WHEN r.typ = 'integer'::regtype THEN (r.attnum * -1000003)::text
            WHEN r.typ = 'numeric'::regtype THEN
                quote_literal((r.attnum * 1.5)::text || repeat('7', r.attnum % 4))
            WHEN r.typ = 'text'::regtype THEN quote_literal(repeat('x', r.attnum % 5))
            WHEN r.typ = 'boolean'::regtype THEN (r.attnum % 2 = 0)::text
            ELSE quote_literal((ARRAY['{"a": {"b": [1, "two", null, 3.25]}}', '"scalar"',
                                      '12.5', '{}', '[]', 'null', 'true',
                                      '[{"k": "v"}, 1.0, [2]]'])[1 + r.attnum % 8])
        END;
    END LOOP;
    EXECUTE format('INSERT INTO jw_wide (%s) VALUES (%s)', names, vals);
END
$$;

SELECT s.*
  FROM audit_softdelete.audit_logs l, jw_wide t, jw_same(l.new_values, to_jsonb(t)) s
 WHERE l.table_name = 'jw_wide' AND l.action = 'INSERT';

-- An UPDATE setting 35 columns, 34 of them to new values: 68 entries in
-- each object of the diff.
DO $$
DECLARE
    sets text := '';
    r record;
BEGIN
    FOR r IN SELECT attname, atttypid::regtype AS typ
               FROM pg_attribute WHERE attrelid = 'jw_wide'::regclass AND attnum BETWEEN 2 AND 36
    LOOP
        sets := sets || format(', %I = %s', r.attname, CASE
            WHEN r.typ = 'integer'::regtype THEN '42'
            WHEN r.typ = 'numeric'::regtype THEN '0.000001'
            WHEN r.typ = 'text'::regtype THEN quote_literal('changed')
            WHEN r.typ = 'boolean'::regtype THEN 'NULL'
            ELSE quote_literal('{"new": [true]}') END);
    END LOOP;
    EXECUTE 'UPDATE jw_wide SET ' || substr(sets, 3) || ' WHERE id = 1';
END
$$;

SELECT cardinality(l.changed_columns) AS changed,
       (SELECT count(*) FROM jsonb_object_keys(l.new_values)) AS keys,
       s.*
  FROM audit_softdelete.audit_logs l, jw_wide t,
       jw_same(l.new_values,
               (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(t)) e
                 WHERE e.key = ANY (l.changed_columns))) s
 WHERE l.table_name = 'jw_wide' AND l.action = 'UPDATE';

-- Arrays written directly: past the stride, NULL and empty elements,
-- empty arrays, every integer width; and nested ones through to_jsonb().
CREATE TABLE jw_arrays (id int PRIMARY KEY, txt text[], i2 smallint[], i4 int[],
                        i8 bigint[], vc varchar[], nested int[]);
SELECT audit_softdelete.enable('jw_arrays', stamps => false, soft_delete => 'off');
INSERT INTO jw_arrays VALUES
    (1, (SELECT array_agg(CASE WHEN g % 9 = 0 THEN NULL ELSE repeat('y', g % 4) END)
           FROM generate_series(1, 70) g),
        '{-32768,0,32767}',
        (SELECT array_agg(g * 1000) FROM generate_series(1, 40) g),
        '{-9223372036854775808,9223372036854775807,NULL}',
        '{}',
        '{{1,2},{3,4}}'),
    (2, '{}', NULL, '{NULL}', '{}', '{"a"}', '{}');
SELECT a.id, s.*
  FROM audit_softdelete.audit_logs l
  JOIN jw_arrays a ON l.row_pk = jsonb_build_object('id', a.id),
       jw_same(l.new_values, to_jsonb(a)) s
 WHERE l.table_name = 'jw_arrays'
 ORDER BY a.id;

-- A composite key: row_pk's keys in jsonb's order, whatever the columns' order.
CREATE TABLE jw_key (zz_long_name int, a text, bb numeric, v int,
                     PRIMARY KEY (zz_long_name, a, bb));
SELECT audit_softdelete.enable('jw_key', stamps => false, soft_delete => 'off');
INSERT INTO jw_key VALUES (1, 'odd', 2.50, 0);
SELECT l.row_pk, s.*
  FROM audit_softdelete.audit_logs l, jw_key t,
       jw_same(l.row_pk, jsonb_build_object('zz_long_name', t.zz_long_name,
                                            'a', t.a, 'bb', t.bb)) s
 WHERE l.table_name = 'jw_key';

SELECT audit_softdelete.disable('jw_wide');
SELECT audit_softdelete.disable('jw_arrays');
SELECT audit_softdelete.disable('jw_key');
DROP TABLE jw_wide, jw_arrays, jw_key;
DROP FUNCTION jw_same(jsonb, jsonb);
