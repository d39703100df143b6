-- The recording index: segments on disk are the source of truth (DESIGN §2.1), these rows index
-- them. camera_id has no foreign key: recording must never stop because of database state.

CREATE TABLE recording_segments (
    id         BIGSERIAL PRIMARY KEY,
    camera_id  VARCHAR(32) NOT NULL,
    start_time TIMESTAMPTZ(3) NOT NULL,
    end_time   TIMESTAMPTZ(3),
    path       TEXT NOT NULL UNIQUE,        -- relative to the recordings dir
    bytes      BIGINT NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    status     VARCHAR(10) NOT NULL CHECK (status IN ('open', 'closed', 'missing')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX recording_segments_camera_start_idx ON recording_segments (camera_id, start_time);
CREATE INDEX recording_segments_closed_start_idx ON recording_segments (start_time) WHERE status = 'closed';
CREATE INDEX recording_segments_open_idx ON recording_segments (camera_id) WHERE status = 'open';

-- end_time NULL while the gap is open (source lost); at most one open gap per camera
CREATE TABLE recording_gaps (
    id         BIGSERIAL PRIMARY KEY,
    camera_id  VARCHAR(32) NOT NULL,
    start_time TIMESTAMPTZ(3) NOT NULL,
    end_time   TIMESTAMPTZ(3),
    cause      TEXT NOT NULL
);
CREATE INDEX recording_gaps_camera_start_idx ON recording_gaps (camera_id, start_time);
CREATE UNIQUE INDEX recording_gaps_one_open_idx ON recording_gaps (camera_id) WHERE end_time IS NULL;
