-- Alert actions are taken by signed-in users and API keys, not by a free-text name. acked_by and
-- resolved_by keep the actor's label (`user:alice`, `api_key:gate-gw`, `system`) so an API key's
-- action stays attributable; acknowledged_by (001) and resolved_by_user point at the user.
ALTER TABLE alerts ADD COLUMN resolved_by_user BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Who re-sent a dead-lettered notification (the same labels).
ALTER TABLE notification_dlq ADD COLUMN retried_by TEXT;
