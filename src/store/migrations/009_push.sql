-- Web Push subscriptions (issue 5 §3): the browsers of a user (a notifications recipient name)
-- that receive push notifications. One row per push-service endpoint (a browser profile); the
-- same endpoint registered again (keys rotated, another user signed in) replaces the row. A 404
-- or 410 from the push service deletes the row (the browser unsubscribed).
CREATE TABLE push_subscriptions (
    id          BIGSERIAL PRIMARY KEY,
    user_name   TEXT NOT NULL,
    endpoint    TEXT NOT NULL UNIQUE,
    -- the browser's ECDH public key and auth secret (base64url), from PushSubscription.toJSON()
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    user_agent  TEXT,
    created_at  TIMESTAMPTZ(3) NOT NULL,
    updated_at  TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_name);
