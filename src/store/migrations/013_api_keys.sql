-- API keys for machines (edge gateways, integrations, scripts): created by an admin, shown once,
-- stored as a SHA-256 of the whole key (the secret is 256 random bits, so a fast hash is as strong
-- as a slow one), scoped by role, cameras and routes, expiring and revocable. `prefix` is the
-- public part of the key (`vgl_<prefix>_<secret>`) used to find its row without scanning hashes.
CREATE TABLE api_keys (
    id            BIGSERIAL PRIMARY KEY,
    name          VARCHAR(64) NOT NULL UNIQUE,
    prefix        VARCHAR(32) NOT NULL UNIQUE,
    key_hash      CHAR(64) NOT NULL,  -- hex
    role          VARCHAR(20) NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    -- NULL = every camera
    cameras       TEXT[],
    -- NULL = every route the role allows; entries are route templates such as 'GET /api/v1/events'
    routes        TEXT[],
    -- who created it, as audit rows name actors ('user:alice', 'user:cli:root')
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    last_used_ip  INET
);

-- Sign-in (migration 012) adds these too; IF NOT EXISTS keeps this file correct with or without it.
ALTER TABLE users ADD COLUMN IF NOT EXISTS cameras TEXT[];
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
