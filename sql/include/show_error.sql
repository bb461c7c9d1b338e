-- show_error(statement): runs a statement and returns its error with its
-- SQLSTATE, DETAIL and HINT, the process ids and times of the DETAIL
-- masked (they are read in ISO style, UTC), or 'no error'.  Included (\i)
-- after own_database.sql.
SET DateStyle = ISO;
SET TimeZone = UTC;
CREATE FUNCTION show_error(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    detail := regexp_replace(detail, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00', '<time>', 'g');
    detail := regexp_replace(detail, 'process \d+', 'process <pid>', 'g');
    RETURN state || ': ' || message || coalesce(E'\nDETAIL: ' || nullif(detail, ''), '')
           || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;
