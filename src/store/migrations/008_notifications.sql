-- Notification deliveries (issue 5 §3, seed §4.2.8): one row per (alert, kind, recipient,
-- channel, target). The row is written before anything is sent, so a redelivered alerts.critical
-- message never sends twice, a restart resumes what was pending, and rate limits are counted
-- from it (they survive a restart). alert_id has no foreign key: the message carries everything
-- a send needs (`message`), and a fleet's notifier may see an alert before its replica does.
CREATE TABLE notification_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    alert_id        BIGINT NOT NULL,
    kind            VARCHAR(16) NOT NULL CHECK (kind IN ('new', 'escalation')),
    recipient       TEXT NOT NULL,
    channel         VARCHAR(16) NOT NULL,
    -- address, phone, webhook endpoint id, push user or '-' (never a secret)
    target          TEXT NOT NULL,
    -- rate-limit bucket, e.g. 'sms:+15550001' (NULL: not limited)
    rate_key        TEXT,
    -- pending: to send; failed: last attempt failed, retry due at next_attempt_at; sent;
    -- suppressed: over a rate limit (counted, never sent); dead: retries exhausted (see notification_dlq)
    status          VARCHAR(12) NOT NULL CHECK (status IN ('pending', 'failed', 'sent', 'suppressed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ(3),
    last_error      TEXT,
    message         JSONB NOT NULL,
    created_at      TIMESTAMPTZ(3) NOT NULL,
    updated_at      TIMESTAMPTZ(3) NOT NULL,
    sent_at         TIMESTAMPTZ(3),
    UNIQUE (alert_id, kind, recipient, channel, target)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX notification_deliveries_rate_idx ON notification_deliveries (rate_key, created_at) WHERE rate_key IS NOT NULL;
CREATE INDEX notification_deliveries_suppressed_idx ON notification_deliveries (created_at) WHERE status = 'suppressed';

-- Dead letters: a delivery whose retries are exhausted (or whose error is not retryable).
-- open → retrying (manual retry or automatic recovery re-queued it) → delivered, or open again.
CREATE TABLE notification_dlq (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL UNIQUE REFERENCES notification_deliveries (id) ON DELETE CASCADE,
    alert_id    BIGINT NOT NULL,
    channel     VARCHAR(16) NOT NULL,
    target      TEXT NOT NULL,
    error       TEXT NOT NULL,
    retryable   BOOLEAN NOT NULL,
    attempts    INTEGER NOT NULL,
    status      VARCHAR(10) NOT NULL CHECK (status IN ('open', 'retrying', 'delivered')),
    created_at  TIMESTAMPTZ(3) NOT NULL,
    retried_at  TIMESTAMPTZ(3)
);
CREATE INDEX notification_dlq_status_idx ON notification_dlq (status, id DESC);
