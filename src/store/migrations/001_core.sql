-- Core schema of seed §4.2.9 (everything except events, which 002 partitions).
-- Portable SQL: the same files run on PGlite and on PostgreSQL 16 + pgvector.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE cameras (
    id          VARCHAR(32) PRIMARY KEY,
    name        TEXT NOT NULL,
    site_id     VARCHAR(32) NOT NULL DEFAULT 'default',
    dvr_channel INTEGER,
    rtsp_url    TEXT NOT NULL,              -- always redacted: credentials live in config/secrets only
    location    TEXT,
    status      VARCHAR(20) NOT NULL DEFAULT 'unknown',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      VARCHAR(64) NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          VARCHAR(20) NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    email         TEXT,
    phone         TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- camera_id NULL = the rule applies to every camera
CREATE TABLE alert_rules (
    id         BIGSERIAL PRIMARY KEY,
    camera_id  VARCHAR(32) REFERENCES cameras (id) ON DELETE CASCADE,
    rule_type  VARCHAR(50) NOT NULL,
    config     JSONB NOT NULL DEFAULT '{}',
    schedule   JSONB,
    severity   VARCHAR(20) NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- event_id has no foreign key: events is partitioned with primary key (id, start_time), and an
-- event's start_time may still move earlier while its track is upserted.
CREATE TABLE alerts (
    id                    BIGSERIAL PRIMARY KEY,
    event_id              BIGINT,
    rule_id               BIGINT REFERENCES alert_rules (id) ON DELETE SET NULL,
    severity              VARCHAR(20) NOT NULL,
    status                VARCHAR(10) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'ack', 'resolved')),
    acknowledged_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    acked_at              TIMESTAMPTZ,
    notification_channels TEXT[] NOT NULL DEFAULT '{}',
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alerts_status_created_idx ON alerts (status, created_at DESC);
CREATE INDEX alerts_event_idx ON alerts (event_id);

-- Face identities (seed §4.2.12). camera_id has no foreign key: a face seen on a camera that was
-- later removed from the config stays searchable.
CREATE TABLE face_embeddings (
    id               BIGSERIAL PRIMARY KEY,
    person_name      TEXT,
    embedding        vector(512) NOT NULL,
    camera_id        VARCHAR(32),
    first_seen       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen        TIMESTAMPTZ NOT NULL DEFAULT now(),
    occurrence_count INTEGER NOT NULL DEFAULT 1,
    metadata         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX face_embeddings_embedding_hnsw ON face_embeddings
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- Append-only: user_id has no foreign key so that deleting a user never touches the trail.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT,
    action     VARCHAR(64) NOT NULL,
    resource   TEXT NOT NULL,
    details    JSONB NOT NULL DEFAULT '{}',
    ip_address INET,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The seed uses PostGIS GEOMETRY(POLYGON); PostGIS is not available in PGlite, so the zone is
-- PostgreSQL's native `polygon` type in frame pixel coordinates (point-in-polygon: polygon @> point).
CREATE TABLE perimeter_zones (
    id             BIGSERIAL PRIMARY KEY,
    camera_id      VARCHAR(32) NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    polygon        POLYGON NOT NULL,
    alert_on_enter BOOLEAN NOT NULL DEFAULT true,
    alert_on_exit  BOOLEAN NOT NULL DEFAULT false,
    schedule       JSONB,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (camera_id, name)
);
