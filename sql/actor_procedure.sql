-- set_actor() in a procedure or DO block that commits: each of its
-- transactions is not a transaction block, yet the actor lasts until its
-- COMMIT or ROLLBACK, as set_actor() promises; no warning that it would
-- last for one statement only (it warned once per batch).
CREATE TABLE actor_proc (id int PRIMARY KEY, v int NOT NULL);
SELECT audit_softdelete.enable('actor_proc', soft_delete => 'off');
INSERT INTO actor_proc VALUES (1, 0), (2, 0), (3, 0);

-- one actor per batch, each batch committed
CREATE PROCEDURE actor_proc_batches() LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..3 LOOP
        PERFORM audit_softdelete.set_actor('batch ' || i);
        UPDATE actor_proc SET v = v + 1 WHERE id = i;
        UPDATE actor_proc SET v = v + 1 WHERE id = i;
        COMMIT;
    END LOOP;
    -- the last COMMIT took the actor back
    UPDATE actor_proc SET v = v + 1 WHERE id = 1;
END
$$;
CALL actor_proc_batches();

-- a rolled-back transaction of a DO block takes its actor back too
DO $$
BEGIN
    PERFORM audit_softdelete.set_actor('rolled back');
    UPDATE actor_proc SET v = v + 10 WHERE id = 2;
    ROLLBACK;
    UPDATE actor_proc SET v = v + 1 WHERE id = 2;
    PERFORM audit_softdelete.set_actor('after the rollback');
    UPDATE actor_proc SET v = v + 1 WHERE id = 3;
    COMMIT;
END
$$;

SELECT row_pk, old_values->'v' AS old_v, new_values->'v' AS new_v,
       CASE WHEN actor = session_user THEN 'session_user' ELSE actor END AS actor
  FROM audit_softdelete.audit_logs
 WHERE table_name = 'actor_proc' AND action = 'UPDATE'
 ORDER BY id;
SELECT id, v, CASE WHEN updated_by = session_user THEN 'session_user' ELSE updated_by END AS updated_by
  FROM actor_proc ORDER BY id;

-- A plain statement outside a transaction block still warns: its actor is
-- gone before the next statement.
SELECT audit_softdelete.set_actor('erin');

DROP PROCEDURE actor_proc_batches();
DROP TABLE actor_proc;
