-- Sign-in: what a user needs beyond a password, and login sessions with rotating refresh tokens.

-- mfa_secret is the TOTP secret sealed with the data dir's key (never returned by the API);
-- it is set, with mfa_enabled false, between enrolment and its confirmation.
-- mfa_last_step: the last TOTP time step accepted, so a code is never accepted twice.
-- recovery_codes: sha256 of each unused recovery code (a used one is removed).
-- cameras NULL = every camera.
ALTER TABLE users
    ADD COLUMN mfa_secret     TEXT,
    ADD COLUMN mfa_enabled    BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN mfa_last_step  BIGINT,
    ADD COLUMN recovery_codes TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN disabled       BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN cameras        TEXT[],
    ADD COLUMN updated_at     TIMESTAMPTZ NOT NULL DEFAULT now();

-- One row per sign-in: the family of its refresh tokens. Revoking it ends every token of the family
-- and, through the access tokens' `sid` claim, the access tokens issued from it.
CREATE TABLE auth_sessions (
    id             UUID PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent     TEXT,
    ip             TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id, created_at DESC);

-- Refresh tokens are opaque random strings; only their sha256 is stored. A token is used once:
-- used_at set means it was exchanged already, and presenting it again revokes its session.
CREATE TABLE refresh_tokens (
    token_hash  CHAR(64) PRIMARY KEY,
    session_id  UUID NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    parent_hash CHAR(64),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
