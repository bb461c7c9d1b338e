-- Every logged value equals to_jsonb() of the column's value, for every
-- kind of type, so jsonb_populate_record() rebuilds the row.

CREATE TYPE at_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE at_point AS (x int, y numeric);
CREATE DOMAIN at_positive AS int CHECK (VALUE > 0);
CREATE TABLE at_all (
    id          int PRIMARY KEY,
    i2          smallint,
    i8          bigint,
    f4          real,
    f8          double precision,
    num         numeric,
    num_special numeric,
    b           boolean,
    t           text,
    vc          varchar(20),
    ch          char(5),
    by          bytea,
    ts          timestamp,
    tstz        timestamptz,
    d           date,
    tm          time,
    iv          interval,
    u           uuid,
    j           json,
    jb          jsonb,
    jb_scalar   jsonb,
    arr         int[],
    tarr        text[][],
    mood        at_mood,
    pt          at_point,
    pos         at_positive,
    net         inet,
    g           int GENERATED ALWAYS AS (id * 10) STORED
);
SELECT audit_softdelete.enable('at_all', stamps => false, soft_delete => 'off');

SET TimeZone = 'UTC';
INSERT INTO at_all (id, i2, i8, f4, f8, num, num_special, b, t, vc, ch, by, ts, tstz, d, tm, iv, u,
                    j, jb, jb_scalar, arr, tarr, mood, pt, pos, net)
VALUES (1, -3, 9007199254740993, 1.5, '-0', 12.340, 'NaN', true,
        E'quote " backslash \\ tab \t newline \n unicode é', 'short', 'ab', '\xdeadbeef',
        '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.789+02', '2024-02-29', '23:59:59', '1 day 2 hours',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '{"b": 1,  "a": [true, null]}', '{"nested": {"k": [1, 2.5, "x"]}}', '"just a string"',
        '{1,NULL,3}', '{{a,b},{c,d}}', 'happy', ROW(1, 2.5), 7, '192.168.0.1/24'),
       (2, NULL, NULL, 'Infinity', 'NaN', 'Infinity', '-Infinity', NULL, NULL, NULL, NULL, NULL,
        'infinity', '-infinity', NULL, NULL, NULL, NULL,
        'null', 'null', '42', '{}', NULL, NULL, ROW(NULL, NULL), NULL, NULL);

-- The logged row is to_jsonb() of the stored row, key for key.
SELECT l.row_pk, l.new_values = to_jsonb(r) AS equals_to_jsonb
  FROM audit_softdelete.audit_logs l JOIN at_all r ON l.row_pk = jsonb_build_object('id', r.id)
 WHERE l.table_name = 'at_all' AND l.action = 'INSERT' ORDER BY r.id;
-- key by key, to show any difference
SELECT k.key, l.new_values -> k.key AS logged
  FROM audit_softdelete.audit_logs l, jsonb_object_keys(l.new_values) k(key)
 WHERE l.table_name = 'at_all' AND l.action = 'INSERT' AND l.row_pk = '{"id": 1}'
 ORDER BY k.key;
SELECT k.key, jsonb_typeof(l.new_values -> k.key) AS type, l.new_values -> k.key AS logged
  FROM audit_softdelete.audit_logs l, jsonb_object_keys(l.new_values) k(key)
 WHERE l.table_name = 'at_all' AND l.action = 'INSERT' AND l.row_pk = '{"id": 2}'
 ORDER BY k.key;

-- jsonb_populate_record() rebuilds each row.  The only columns that come
-- back different are the limits of JSON itself: to_jsonb() normalises a
-- json column's text, and writes a float's -0 as the number 0.
SELECT r.id, o.key, o.value AS stored, p.value AS rebuilt
  FROM audit_softdelete.audit_logs l
  JOIN at_all r ON l.row_pk = jsonb_build_object('id', r.id)
  CROSS JOIN LATERAL json_each_text(row_to_json(r)) o
  JOIN LATERAL json_each_text(row_to_json(jsonb_populate_record(NULL::at_all, l.new_values))) p
    ON p.key = o.key
 WHERE l.table_name = 'at_all' AND l.action = 'INSERT' AND o.value IS DISTINCT FROM p.value
 ORDER BY r.id, o.key;

-- UPDATE diffs of each kind of value; the generated column follows its
-- source and is logged with it.
UPDATE at_all SET arr = arr || 4, mood = 'ok', pt = ROW(2, 2.5), jb = jb || '{"z": 0}',
                  by = '\x00', tstz = tstz + interval '1 hour'
 WHERE id = 1;
UPDATE at_all SET id = 3 WHERE id = 2;
SELECT row_pk, changed_columns, old_values, new_values
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_all' AND action = 'UPDATE' ORDER BY id;

-- Values equal by their type's equality are no change, even when their
-- bytes differ: -0 and 0 for floats, json whose text differs is a change
-- (json has no equality, so its text decides).
SELECT count(*) AS updates_before FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_all' AND action = 'UPDATE';
UPDATE at_all SET f8 = 0.0 WHERE id = 1;
SELECT f8::text AS f8_now FROM at_all WHERE id = 1;
SELECT count(*) AS updates_after_zero FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_all' AND action = 'UPDATE';
UPDATE at_all SET j = '{"b":1,"a":[true,null]}' WHERE id = 1;
SELECT changed_columns, old_values, new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_all' AND action = 'UPDATE' ORDER BY id DESC LIMIT 1;

-- TOASTed values: an UPDATE that does not touch one does not log it; one
-- that replaces it logs both versions.
CREATE TABLE at_big (id int PRIMARY KEY, small int, big text);
ALTER TABLE at_big ALTER COLUMN big SET STORAGE EXTERNAL;
SELECT audit_softdelete.enable('at_big', stamps => false, soft_delete => 'off');
INSERT INTO at_big VALUES (1, 0, repeat('x', 100000));
UPDATE at_big SET small = 1;
UPDATE at_big SET big = big || 'y';
SELECT action, changed_columns, length(old_values ->> 'big') AS old_big, length(new_values ->> 'big') AS new_big
  FROM audit_softdelete.audit_logs WHERE table_name = 'at_big' ORDER BY id;

-- Arrays of text and integers are converted directly when they have one
-- dimension; the result must still be to_jsonb()'s, whatever the bounds,
-- NULL elements, element type or number of dimensions.
CREATE TABLE at_arrays (
    id   int PRIMARY KEY,
    t    text[],
    vc   varchar(3)[],
    i2   smallint[],
    i4   int[],
    i8   bigint[]
);
SELECT audit_softdelete.enable('at_arrays', stamps => false, soft_delete => 'off');
INSERT INTO at_arrays VALUES
    (1, '{a,NULL,"quote \" é"}', '{abc,xy}', '{-32768,32767}', '{0,NULL}',
        '{-9223372036854775808,9223372036854775807}'),
    (2, '{}', '{}', '{}', '{}', '{}'),
    (3, '[0:1]={x,y}', '[-2:-2]={z}', '[5:6]={1,2}', '[2:2]={NULL}', '[3:3]={42}'),
    (4, '{{a,b},{c,NULL}}', '{{{v}}}', '{{1},{2}}', '{{1,2},{3,4}}', '{{{8}}}'),
    (5, '{NULL}', NULL, '{NULL,NULL}', NULL, '{1}');
SELECT l.row_pk, l.new_values = to_jsonb(r) AS equals_to_jsonb
  FROM audit_softdelete.audit_logs l JOIN at_arrays r ON l.row_pk = jsonb_build_object('id', r.id)
 WHERE l.table_name = 'at_arrays' ORDER BY l.id;
SELECT row_pk, new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_arrays' ORDER BY id;
-- an UPDATE logs the changed arrays, old and new, the same way
UPDATE at_arrays SET t = t || 'new'::text, i4 = '[7:7]={7}' WHERE id IN (1, 3);
SELECT l.row_pk, l.changed_columns,
       l.new_values = (SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(r)) e(k, v)
                        WHERE k = ANY (l.changed_columns)) AS equals_to_jsonb,
       l.old_values
  FROM audit_softdelete.audit_logs l JOIN at_arrays r ON l.row_pk = jsonb_build_object('id', r.id)
 WHERE l.table_name = 'at_arrays' AND l.action = 'UPDATE' ORDER BY l.id;

-- Timestamps: the same instant is written in the session's TimeZone, even
-- right after it was written in another; two different ones and a repeated
-- one in one row each keep their own text.
CREATE TABLE at_tz (id int PRIMARY KEY, a timestamptz, b timestamptz, c timestamptz, d date);
SELECT audit_softdelete.enable('at_tz', stamps => false, soft_delete => 'off');
INSERT INTO at_tz VALUES (1, '2024-01-01 12:00+00', '2024-06-01 08:30+00', '2024-01-01 12:00+00', '2024-01-01');
SET TimeZone = 'Asia/Tokyo';
INSERT INTO at_tz VALUES (2, '2024-01-01 12:00+00', '2024-06-01 08:30+00', '2024-01-01 12:00+00', '2024-01-01');
SELECT row_pk, new_values - 'id' AS new_values FROM audit_softdelete.audit_logs
 WHERE table_name = 'at_tz' ORDER BY id;
SET TimeZone = 'UTC';

RESET TimeZone;
DROP TABLE at_all, at_big, at_arrays, at_tz;
DROP TYPE at_mood, at_point;
DROP DOMAIN at_positive;
