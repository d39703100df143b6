-- Leases: where exactly one process of a fleet may act (the outbox relay, the escalation scheduler,
-- event partition upkeep, retention of shared buckets), every process that could act races for the
-- named lease. Its holder renews it well before it expires; once it has expired, another process takes
-- it. The database's clock decides expiry, so the processes' clocks need not agree. The epoch grows
-- with every new holder: a holder can tell that its lease went to someone else while it was paused.
CREATE TABLE leases (
  name        VARCHAR(64) PRIMARY KEY,
  holder      VARCHAR(200) NOT NULL,
  epoch       BIGINT NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
