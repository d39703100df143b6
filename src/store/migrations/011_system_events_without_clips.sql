-- Events of system alerts (event_type 'system': video loss, disk, detector overload ...) have no
-- footage of their own to cut: a camera without video has none, and most are not about a camera.
-- The clip trigger leaves them out (it kept retrying a clip that cannot exist).
CREATE OR REPLACE FUNCTION schedule_event_clip() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_type = 'system' THEN
        RETURN NULL;
    END IF;
    INSERT INTO event_clip_jobs (event_key, event_id, camera_id, event_start, event_end)
    VALUES (NEW.event_key, NEW.id, NEW.camera_id, NEW.start_time, COALESCE(NEW.end_time, NEW.start_time))
    ON CONFLICT (event_key) DO UPDATE SET
        event_start = LEAST(event_clip_jobs.event_start, EXCLUDED.event_start),
        event_end = GREATEST(event_clip_jobs.event_end, EXCLUDED.event_end),
        status = 'pending', attempts = 0, not_before = NULL, last_error = NULL, updated_at = now()
    WHERE EXCLUDED.event_start < event_clip_jobs.event_start OR EXCLUDED.event_end > event_clip_jobs.event_end;
    RETURN NULL;
END;
$$;

DELETE FROM event_clip_jobs j USING events e WHERE e.event_key = j.event_key AND e.event_type = 'system';
