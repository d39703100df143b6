-- Storage tiers (seed §7.3): the archive sync keeps a durable cursor over the recording index
-- (DESIGN §2.1), and legal holds protect footage from retention and from the archive policy.

-- One row per synced stream (e.g. 'video-segments/cam_001'). last_id is the recording_segments.id
-- of the last segment whose copy was confirmed: rows are synced in id order (insertion order, so a
-- clock stepping back or a row indexed late by reconcile is never skipped); last_start says how far
-- the archive reaches in time.
CREATE TABLE archive_cursors (
    stream     TEXT PRIMARY KEY,
    last_id    BIGINT NOT NULL,
    last_start TIMESTAMPTZ(3) NOT NULL,
    synced_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A hold names one object (bucket + key) or a camera's time range; released_at ends it.
CREATE TABLE legal_holds (
    id          BIGSERIAL PRIMARY KEY,
    bucket      VARCHAR(32),
    object_key  TEXT,
    camera_id   VARCHAR(32),
    from_time   TIMESTAMPTZ(3),
    to_time     TIMESTAMPTZ(3),
    reason      TEXT NOT NULL,
    source      VARCHAR(16) NOT NULL DEFAULT 'api',   -- 'config' rows are replaced from the config file at start
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at TIMESTAMPTZ,
    CHECK (
        (bucket IS NOT NULL AND object_key IS NOT NULL AND camera_id IS NULL AND from_time IS NULL AND to_time IS NULL)
        OR (bucket IS NULL AND object_key IS NULL AND camera_id IS NOT NULL AND from_time IS NOT NULL AND to_time > from_time)
    )
);
CREATE INDEX legal_holds_camera_idx ON legal_holds (camera_id, from_time) WHERE released_at IS NULL AND camera_id IS NOT NULL;
CREATE UNIQUE INDEX legal_holds_object_idx ON legal_holds (bucket, object_key) WHERE released_at IS NULL AND bucket IS NOT NULL;

-- the sync reads a camera's rows after its cursor in id order
CREATE INDEX recording_segments_camera_id_idx ON recording_segments (camera_id, id);
