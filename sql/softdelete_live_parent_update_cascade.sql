-- ON UPDATE CASCADE keeps a row referencing the row it referenced: when a
-- soft-deleted row's key changes, the rows still referencing it (left by
-- a SET NULL or SET DEFAULT key, or in a table without soft delete) follow
-- it, and that is no new reference to a soft-deleted row.  A row the
-- application moves onto a soft-deleted row is refused as ever.
\set VERBOSITY default

CREATE TABLE lpu_country (code text PRIMARY KEY, name text);
SELECT audit_softdelete.enable('lpu_country', stamps => false);
-- a table without soft delete, whose rows stay when their country goes
CREATE TABLE lpu_city (id int PRIMARY KEY, name text,
                       country text REFERENCES lpu_country
                           ON DELETE CASCADE ON UPDATE CASCADE);
-- a soft-delete table whose key SET NULL leaves its rows as they are
CREATE TABLE lpu_office (id int PRIMARY KEY,
                         country text REFERENCES lpu_country
                             ON DELETE SET NULL ON UPDATE CASCADE);
SELECT audit_softdelete.enable('lpu_office', stamps => false);
INSERT INTO lpu_country VALUES ('fr', 'France'), ('de', 'Germany'), ('it', 'Italy');
INSERT INTO lpu_city VALUES (1, 'Paris', 'fr'), (2, 'Berlin', 'de');
INSERT INTO lpu_office VALUES (1, 'fr'), (2, 'de');
DELETE FROM lpu_country WHERE code = 'fr';
SELECT id, country FROM lpu_city ORDER BY id;
SELECT id, country, deleted_at IS NOT NULL AS deleted FROM lpu_office ORDER BY id;

-- the keys of every country change, the soft-deleted one's too: the rows
-- referencing it follow it
UPDATE lpu_country SET code = upper(code);
SELECT code, deleted_at IS NOT NULL AS deleted FROM lpu_country ORDER BY code;
SELECT id, country FROM lpu_city ORDER BY id;
SELECT id, country, deleted_at IS NOT NULL AS deleted FROM lpu_office ORDER BY id;
UPDATE lpu_country SET code = 'FRA' WHERE code = 'FR';
SELECT id, country FROM lpu_city ORDER BY id;

-- a row moved onto the soft-deleted country, from a row still there: refused
UPDATE lpu_city SET country = 'FRA' WHERE id = 2;
UPDATE lpu_office SET country = 'FRA' WHERE id = 2;
INSERT INTO lpu_city VALUES (3, 'Lyon', 'FRA');
-- from no country at all: refused too
INSERT INTO lpu_city VALUES (4, 'Rome', NULL);
UPDATE lpu_city SET country = 'FRA' WHERE id = 4;
SELECT id, country FROM lpu_city ORDER BY id;

-- restored, its rows are there with its new key
SELECT audit_softdelete.restore('lpu_country', '{"code": "FRA"}');
INSERT INTO lpu_city VALUES (3, 'Lyon', 'FRA');
SELECT id, country FROM lpu_city ORDER BY id;

DROP TABLE lpu_city, lpu_office, lpu_country;
