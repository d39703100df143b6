-- Analysis is never lost: what each camera's detector has seen, durably, so frames it skipped
-- (overload, a crashed or restarted inference role) are analysed later from the recording.
--
-- analysis_cursors.live_until: capture time of the newest live frame the camera's analysis
-- finished. After a restart, everything between it and the first live frame analysed again is a
-- hole. camera_id has no foreign key, as for recordings: analysis state must never block a camera.
CREATE TABLE analysis_cursors (
    camera_id  VARCHAR(32) PRIMARY KEY,
    live_until TIMESTAMPTZ(3) NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Capture-time ranges [start_time, end_time) not yet analysed. Catch-up works through a camera's
-- holes oldest first and moves start_time forward as it goes, so a crash resumes where it was;
-- a finished hole is deleted. The camera's analysis cursor is its oldest hole's start, else live_until.
CREATE TABLE analysis_holes (
    id         BIGSERIAL PRIMARY KEY,
    camera_id  VARCHAR(32) NOT NULL,
    start_time TIMESTAMPTZ(3) NOT NULL,
    end_time   TIMESTAMPTZ(3) NOT NULL CHECK (end_time > start_time),
    cause      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX analysis_holes_camera_start_idx ON analysis_holes (camera_id, start_time);

-- events found by catch-up (from the recording, after the fact) rather than live
ALTER TABLE events ADD COLUMN late BOOLEAN NOT NULL DEFAULT false;
