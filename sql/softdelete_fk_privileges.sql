-- A refused soft delete shows the key in its DETAIL only to a role that
-- may read it, as PostgreSQL's own foreign-key errors do: SELECT on the
-- table or on every key column, and no row-level security on the table.
\set SHOW_CONTEXT never
CREATE ROLE fkp_clerk;
CREATE SCHEMA fkp;
GRANT USAGE ON SCHEMA fkp TO fkp_clerk;

CREATE TABLE fkp.salaries (who text, grade int, note text, PRIMARY KEY (who, grade));
CREATE TABLE fkp.payslips (id int PRIMARY KEY, who text, grade int,
                           FOREIGN KEY (who, grade) REFERENCES fkp.salaries ON DELETE RESTRICT);
SELECT audit_softdelete.enable('fkp.salaries', stamps => false);
INSERT INTO fkp.salaries VALUES ('ceo-350k', 1, 'secret');
INSERT INTO fkp.payslips VALUES (1, 'ceo-350k', 1);

-- DELETE alone: the key is not shown.
GRANT DELETE ON fkp.salaries TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.salaries;
\echo SQLSTATE :SQLSTATE
RESET ROLE;

-- SELECT on one key column of two: still not shown.
GRANT SELECT (who) ON fkp.salaries TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.salaries;
RESET ROLE;

-- SELECT on every key column: shown.
GRANT SELECT (grade) ON fkp.salaries TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.salaries;
RESET ROLE;

-- SELECT on the table: shown.
REVOKE SELECT (who, grade) ON fkp.salaries FROM fkp_clerk;
GRANT SELECT ON fkp.salaries TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.salaries;
RESET ROLE;

-- Row-level security on the table: not shown, whatever the grants.
ALTER TABLE fkp.salaries ENABLE ROW LEVEL SECURITY;
CREATE POLICY everything ON fkp.salaries USING (true);
SET ROLE fkp_clerk;
DELETE FROM fkp.salaries;
RESET ROLE;
-- the owner is not subject to it, and sees the key
DELETE FROM fkp.salaries;
SELECT who, deleted_at IS NOT NULL AS deleted FROM fkp.salaries;

-- A refusal further down a cascade is reported to the role that deleted
-- the first row, not to the owner the cascade runs as.
CREATE TABLE fkp.teams (id int PRIMARY KEY);
CREATE TABLE fkp.members (id int PRIMARY KEY, team int REFERENCES fkp.teams ON DELETE CASCADE);
CREATE TABLE fkp.badges (id int PRIMARY KEY, member int REFERENCES fkp.members ON DELETE RESTRICT);
SELECT audit_softdelete.enable(t, stamps => false)
  FROM unnest(ARRAY['fkp.teams', 'fkp.members']) t;
INSERT INTO fkp.teams VALUES (1);
INSERT INTO fkp.members VALUES (7, 1);
INSERT INTO fkp.badges VALUES (1, 7);
GRANT DELETE ON fkp.teams TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.teams;
RESET ROLE;
GRANT SELECT (id) ON fkp.members TO fkp_clerk;
SET ROLE fkp_clerk;
DELETE FROM fkp.teams;
RESET ROLE;
SELECT 'team' AS t, id, deleted_at IS NOT NULL AS deleted FROM fkp.teams
UNION ALL SELECT 'member', id, deleted_at IS NOT NULL FROM fkp.members ORDER BY 1;

DROP TABLE fkp.payslips, fkp.salaries, fkp.badges, fkp.members, fkp.teams;
DROP SCHEMA fkp;
DROP ROLE fkp_clerk;
