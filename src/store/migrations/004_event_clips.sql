-- Event clips (issue 3 §4): every event gets a clip cut from the recording once its post-roll is
-- recorded. The job queue is durable (a restart between the event and its clip loses nothing) and
-- is filled by a trigger, so every writer of events — tracks, rules, replays — schedules clips in
-- the same transaction as the event itself.

-- object key in the event-clips bucket, set when the clip is stored
ALTER TABLE events ADD COLUMN clip_path VARCHAR(512);

-- One job per event (event_key is the event's natural key). event_start/event_end follow the
-- event as it is extended; the scheduler runs a job once event_end + post-roll + one segment
-- length has passed (that wait comes from the config, so it is applied when claiming).
CREATE TABLE event_clip_jobs (
    event_key   TEXT PRIMARY KEY,
    event_id    BIGINT NOT NULL,
    camera_id   VARCHAR(32) NOT NULL,
    event_start TIMESTAMPTZ(3) NOT NULL,
    event_end   TIMESTAMPTZ(3) NOT NULL,
    status      VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    -- retry backoff: not claimed before this time
    not_before  TIMESTAMPTZ(3),
    last_error  TEXT,
    clip_key    TEXT,
    updated_at  TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX event_clip_jobs_due_idx ON event_clip_jobs (event_end) WHERE status IN ('pending', 'running');

-- A new event, or an event whose span grew, (re)schedules its clip; a done clip is cut again
-- with the longer span. Rows moved between partitions (ensure_event_partitions) change nothing.
CREATE FUNCTION schedule_event_clip() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
CREATE TRIGGER events_schedule_clip AFTER INSERT OR UPDATE OF start_time, end_time ON events
    FOR EACH ROW EXECUTE FUNCTION schedule_event_clip();
