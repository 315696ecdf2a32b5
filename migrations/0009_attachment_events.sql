-- Attachment events (SPEC "Events, webhooks and reminders") in the
-- outbox of 0007: attachment.created when an upload's last statement
-- makes its row ready (attachment_commit, 0006), attachment.deleted with
-- the row's last state when a ready row goes (DELETE /attachments/{id},
-- or its task's deletion by cascade), in the same transaction as the
-- change. Rows never made ready were never announced and go silently;
-- DELETE /users/me removes the user's events anyway (0007).
CREATE FUNCTION attachments_event() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM events_emit(NEW.user_id, 'attachment.created',
                            api_attachment_json(NEW));
    ELSIF EXISTS (SELECT FROM users WHERE id = OLD.user_id) THEN
        PERFORM events_emit(OLD.user_id, 'attachment.deleted',
                            api_attachment_json(OLD));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER attachments_ready_event AFTER UPDATE OF ready ON attachments
    FOR EACH ROW WHEN (NEW.ready AND NOT OLD.ready)
    EXECUTE FUNCTION attachments_event();

CREATE TRIGGER attachments_delete_event AFTER DELETE ON attachments
    FOR EACH ROW WHEN (OLD.ready)
    EXECUTE FUNCTION attachments_event();
