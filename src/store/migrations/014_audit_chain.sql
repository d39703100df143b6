-- Audit trail of who did what through the API, with a hash chain that makes tampering detectable.
--
-- Each row names its actor (a user or an API key; user_id is kept for rows of users), the outcome
-- and HTTP status of the call, and carries hash = sha256(prev_hash || canonical row text), where
-- prev_hash is the hash of the row before it (64 zeros for the first row: the genesis). A row
-- changed or removed behind the append-only triggers' back (by the database owner, who can disable
-- them) no longer matches its hash or breaks the link to the next row; `vigil audit verify` finds it.
-- Rows removed from the END leave no trace in the chain itself: the verifier reports the newest
-- hash so an operator can record it elsewhere and compare later.

ALTER TABLE audit_log
    -- a route template with its method ("POST /api/v1/notifications/dlq/:id/retry") can exceed 64 characters
    ALTER COLUMN action TYPE TEXT,
    ADD COLUMN actor_kind VARCHAR(8) CHECK (actor_kind IN ('user', 'api_key')),
    ADD COLUMN actor_name TEXT,
    ADD COLUMN api_key_id BIGINT,
    ADD COLUMN outcome    VARCHAR(8) NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'denied', 'failed', 'error')),
    ADD COLUMN status     SMALLINT,
    ADD COLUMN prev_hash  CHAR(64),
    ADD COLUMN hash       CHAR(64);

-- The text a row's hash covers: every column but the hashes, as a JSON array (jsonb's text form is
-- canonical: the same value always prints the same), with the time in UTC whatever the session's
-- time zone. The verifier reads this text and recomputes the hash outside the database.
CREATE FUNCTION audit_log_canonical(r audit_log) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(
        r.id, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        r.user_id, r.actor_kind, r.actor_name, r.api_key_id, r.action, r.resource, r.details,
        r.ip_address::text, r.outcome, r.status
    )::text
$$;

CREATE FUNCTION audit_log_row_hash(prev_hash text, r audit_log) RETURNS char(64) LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(prev_hash || audit_log_canonical(r), 'UTF8')), 'hex')
$$;

-- Rows already written (alert actions, face naming) join the chain in id order. The append-only
-- trigger is off only inside this migration's transaction, which nothing else can see.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
DO $$
DECLARE
    r    audit_log;
    prev char(64) := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        UPDATE audit_log SET prev_hash = prev, hash = audit_log_row_hash(prev, r) WHERE id = r.id
            RETURNING hash INTO prev;
    END LOOP;
END
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;

-- Every insert links to the newest row. Writers (several pool connections, several processes)
-- take one transaction-scoped lock, so each sees the previous writer's committed row and the chain
-- never forks; the id is drawn under that lock too, so id order is chain order. Writers must use
-- READ COMMITTED (the default): a REPEATABLE READ snapshot taken before the lock would miss the
-- previous row. Whatever a writer passes for id, prev_hash or hash is replaced.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev char(64);
BEGIN
    PERFORM pg_advisory_xact_lock(7262014);
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    SELECT hash INTO prev FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(prev, repeat('0', 64));
    NEW.hash := audit_log_row_hash(NEW.prev_hash, NEW);
    RETURN NEW;
END
$$;
-- the trigger draws the id: a column default would take a second number from the sequence per row
ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE INDEX audit_log_actor_idx ON audit_log (actor_name, id DESC);
