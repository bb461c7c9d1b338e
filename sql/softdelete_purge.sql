-- purge(): physically remove rows deleted long enough ago, each recorded
-- in full in audit_logs first.
\set SHOW_CONTEXT never
SET audit_softdelete.actor = 'setup';

CREATE TABLE pu_customers (id int PRIMARY KEY, name text);
CREATE TABLE pu_orders (id int PRIMARY KEY, customer_id int REFERENCES pu_customers ON DELETE CASCADE);
SELECT audit_softdelete.enable('pu_customers', stamps => false);
SELECT audit_softdelete.enable('pu_orders', stamps => false);
INSERT INTO pu_customers VALUES (1, 'old'), (2, 'recent'), (3, 'live');
INSERT INTO pu_orders VALUES (10, 1), (20, 2);
DELETE FROM pu_customers WHERE id IN (1, 2);
-- pretend customer 1 (and its order) was deleted 40 days ago
UPDATE pu_customers SET deleted_at = deleted_at - interval '40 days' WHERE id = 1;
UPDATE pu_orders SET deleted_at = deleted_at - interval '40 days' WHERE id = 10;

SELECT audit_softdelete.purge('pu_customers', interval '30 days') AS purged;
SELECT id, deleted_at IS NOT NULL AS deleted FROM pu_customers ORDER BY id;
-- the order of the purged customer went with it, physically: no orphan
SELECT id, deleted_at IS NOT NULL AS deleted FROM pu_orders ORDER BY id;
SELECT table_name, action, row_pk, old_values ->> 'name' AS name
  FROM audit_softdelete.audit_logs
 WHERE table_name IN ('pu_customers', 'pu_orders') AND action = 'DELETE' ORDER BY id;
-- nothing left to purge at that age; live rows are never purged
SELECT audit_softdelete.purge('pu_customers', interval '30 days') AS purged;
SELECT audit_softdelete.purge('pu_customers', interval '0') AS purged;
SELECT id FROM pu_customers ORDER BY id;

-- Errors.
SELECT audit_softdelete.purge('pu_customers', interval '-1 day');
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.purge('pu_customers', NULL);
\echo SQLSTATE :SQLSTATE
SELECT audit_softdelete.purge(NULL, interval '1 day');
\echo SQLSTATE :SQLSTATE
CREATE TABLE pu_plain (id int);
SELECT audit_softdelete.purge('pu_plain', interval '1 day');
\echo SQLSTATE :SQLSTATE

-- purge runs with the caller's rights: it needs DELETE on the table.
CREATE ROLE pu_reader;
GRANT SELECT ON pu_customers TO pu_reader;
SET ROLE pu_reader;
SELECT audit_softdelete.purge('pu_customers', interval '0');
\echo SQLSTATE :SQLSTATE
RESET ROLE;

DROP TABLE pu_orders, pu_customers, pu_plain;
DROP ROLE pu_reader;
RESET audit_softdelete.actor;
