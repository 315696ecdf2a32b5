-- The API's view of webhook deliveries (SPEC "Events, webhooks and
-- reminders"): GET /users/me/deliveries, POST .../deliveries/{id}/retry
-- and POST /users/me/webhook/test (src/api/deliveries.c).

-- A delivery as the API answers it, keys in this order. Never the lease
-- (which worker holds it is nobody's business) nor anything of the
-- user's webhook. next_attempt_at only while the delivery is open.
CREATE FUNCTION api_delivery_json(d deliveries) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN json_build_object(
        'id', d.id, 'event_id', d.event_id::text,
        'event_type', d.event_type, 'status', d.status,
        'attempts', d.attempts, 'last_status_code', d.last_status_code,
        'last_error', d.last_error,
        'next_attempt_at', CASE WHEN d.status IN ('pending', 'failed')
            THEN api_ts(d.next_attempt_at) END,
        'created_at', api_ts(d.created_at),
        'delivered_at', api_ts(d.delivered_at));

-- POST /users/me/webhook/test: a ping event, queued like any other
-- (events_emit), and its delivery as the API answers it; NULL when the
-- user has no webhook_url. A function, so the delivery events_emit
-- wrote is visible to the statement that answers it.
CREATE FUNCTION api_webhook_ping(p_user text) RETURNS json
    LANGUAGE plpgsql AS $$
DECLARE
    url text;
    eid bigint;
BEGIN
    SELECT webhook_url INTO url FROM users WHERE id = p_user;
    IF url IS NULL THEN
        RETURN NULL;
    END IF;
    eid := events_emit(p_user, 'ping',
                       json_build_object('user_id', p_user, 'webhook_url', url));
    RETURN (SELECT api_delivery_json(d) FROM deliveries d
            WHERE d.event_id = eid);
END
$$;
