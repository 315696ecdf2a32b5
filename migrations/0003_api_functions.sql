-- The API's timestamp format, RFC 3339 in UTC with milliseconds, made by
-- the database so a response is one statement's text. STABLE like to_char,
-- so the planner inlines it.
CREATE FUNCTION api_ts(ts timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- A LIKE pattern that matches its argument literally, anywhere.
CREATE FUNCTION api_like_any(needle text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN '%' || replace(replace(replace(needle, '\', '\\'), '%', '\%'), '_', '\_') || '%';
