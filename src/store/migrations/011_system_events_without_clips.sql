-- Events of system alerts (event_type 'system': video loss, disk, detector overload ...) have no
-- footage of their own to cut: a camera without video has none, and most are not about a camera.
-- The clip trigger now leaves them out (it kept retrying a clip that cannot exist).
DROP TRIGGER events_schedule_clip ON events;
CREATE TRIGGER events_schedule_clip AFTER INSERT OR UPDATE OF start_time, end_time ON events
    FOR EACH ROW WHEN (NEW.event_type <> 'system') EXECUTE FUNCTION schedule_event_clip();

DELETE FROM event_clip_jobs j USING events e WHERE e.event_key = j.event_key AND e.event_type = 'system';
