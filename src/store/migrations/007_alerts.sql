-- Alerts of the rules engine (issue 5 §2): lifecycle, escalation, transactional outbox, change feed.
-- Actors (`*_by`) are free-text names until authentication exists.

-- rule_id (001) refers to alert_rules rows; rules now live in the rules YAML, whose string id is rule_key.
-- event_key = the trigger key = events.event_key: one alert per event, and a replayed trigger finds it.
ALTER TABLE alerts
    ADD COLUMN event_key     TEXT,
    ADD COLUMN camera_id     VARCHAR(32),
    ADD COLUMN title         TEXT,
    ADD COLUMN rule_key      VARCHAR(64),
    ADD COLUMN rule_name     TEXT,
    ADD COLUMN rule_type     VARCHAR(50),
    ADD COLUMN night         BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN triggered_at  TIMESTAMPTZ(3),
    ADD COLUMN snapshot_path VARCHAR(512),
    ADD COLUMN acked_by      TEXT,
    ADD COLUMN ack_note      TEXT,
    ADD COLUMN resolved_by   TEXT,
    ADD COLUMN resolved_at   TIMESTAMPTZ(3),
    ADD COLUMN resolve_note  TEXT,
    ADD COLUMN false_positive BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN escalated_at  TIMESTAMPTZ(3),
    ADD COLUMN escalated_to  TEXT,
    ADD COLUMN updated_at    TIMESTAMPTZ(3) NOT NULL DEFAULT now();
CREATE UNIQUE INDEX alerts_event_key_idx ON alerts (event_key);
CREATE INDEX alerts_camera_idx ON alerts (camera_id, id DESC);
-- escalation scan: unacknowledged critical alerts not escalated yet
CREATE INDEX alerts_escalation_idx ON alerts (created_at) WHERE status = 'new' AND severity = 'critical' AND escalated_at IS NULL;

-- Transactional outbox: rows written with the event and alert, published by the relay in id order
-- and then marked (at-least-once; consumers are idempotent by alert_id and kind).
CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    topic        TEXT NOT NULL,
    key          TEXT NOT NULL,
    payload      JSONB NOT NULL,
    created_at   TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ(3)
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- One row per alert change, in the transaction of the change: the WebSocket replays from a seq.
-- Writers take one advisory lock before inserting, so seq order is commit order (a reader resuming
-- after seq N never misses a row with a smaller seq committed later).
CREATE TABLE alert_changes (
    seq      BIGSERIAL PRIMARY KEY,
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    change   VARCHAR(16) NOT NULL CHECK (change IN ('new', 'ack', 'resolved', 'false_positive', 'escalated')),
    at       TIMESTAMPTZ(3) NOT NULL,
    actor    TEXT,
    note     TEXT
);
CREATE INDEX alert_changes_alert_idx ON alert_changes (alert_id, seq);

-- The analytics role's recent ai.detections per camera (longest rule duration + margin), replayed
-- through the rules engine after a restart so a loitering dwell or a forming crowd is not forgotten.
CREATE TABLE rules_window (
    camera_id VARCHAR(32) NOT NULL,
    frame_at  TIMESTAMPTZ(3) NOT NULL,
    frame_seq BIGINT NOT NULL,
    message   JSONB NOT NULL,
    PRIMARY KEY (camera_id, frame_at, frame_seq)
);
CREATE INDEX rules_window_at_idx ON rules_window (frame_at);
