-- Live updates (SPEC "Live updates"): every committed event wakes the
-- listening connection of each instance. The notification carries ids
-- only, "<event id>:<user id>"; the event itself is read from the events
-- table, so a payload limit never truncates one and a listener that was
-- away reads what it missed with the same query.
CREATE FUNCTION live_events_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('live_events', NEW.id::text || ':' || NEW.user_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_live_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION live_events_notify();
