-- The audit trigger follows ALTER TABLE with no re-enable: added, dropped,
-- renamed and retyped columns show in the very next audit row of the same
-- session.

CREATE TABLE ddl_t (id int PRIMARY KEY, a text, b int);
SELECT audit_softdelete.enable('ddl_t', stamps => false, soft_delete => 'off');
INSERT INTO ddl_t VALUES (1, 'x', 1);
UPDATE ddl_t SET b = 2;

ALTER TABLE ddl_t ADD COLUMN c numeric DEFAULT 1.5;
UPDATE ddl_t SET c = 2.5;
INSERT INTO ddl_t (id, a, b) VALUES (2, 'y', 3);

ALTER TABLE ddl_t DROP COLUMN a;
UPDATE ddl_t SET b = 4 WHERE id = 1;
INSERT INTO ddl_t (id, b) VALUES (3, 5);

ALTER TABLE ddl_t RENAME COLUMN b TO bee;
UPDATE ddl_t SET bee = 6 WHERE id = 1;

ALTER TABLE ddl_t ALTER COLUMN bee TYPE text USING 'v' || bee;
UPDATE ddl_t SET bee = bee || '!' WHERE id = 1;

-- and a renamed table
ALTER TABLE ddl_t RENAME TO ddl_renamed;
DELETE FROM ddl_renamed WHERE id = 3;

SELECT table_name, action, row_pk, old_values, new_values, changed_columns
  FROM audit_softdelete.audit_logs
 WHERE table_id = (SELECT table_id FROM audit_softdelete.tracked_tables
                    WHERE relid = 'ddl_renamed'::regclass)
 ORDER BY id;

DROP TABLE ddl_renamed;
