-- Events partitioned by month on start_time (seed §7.4), plus our columns event_key and label.
--
-- camera_id has no foreign key to cameras: detections from a camera that is not (yet) in the
-- cameras table — config reloaded, camera removed, fleet ingest ahead of the camera sync — must
-- never be lost, and removing a camera must not delete its evidence.
-- Times are TIMESTAMPTZ(3): millisecond precision round-trips exactly through JavaScript Dates,
-- which keeps (start_time, id) pagination cursors exact.
CREATE TABLE events (
    id            BIGSERIAL,
    event_key     TEXT NOT NULL,
    camera_id     VARCHAR(32) NOT NULL,
    event_type    VARCHAR(50) NOT NULL,
    label         TEXT,
    confidence    DECIMAL(4,3) CHECK (confidence BETWEEN 0 AND 1),
    bounding_box  BOX,
    snapshot_path VARCHAR(512),
    start_time    TIMESTAMPTZ(3) NOT NULL,
    end_time      TIMESTAMPTZ(3),
    severity      VARCHAR(20),
    metadata      JSONB NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id, start_time),
    -- a unique constraint on a partitioned table must contain the partition key; the repository
    -- keeps event_key unique on its own (per-key advisory lock, lookup by event_key)
    UNIQUE (event_key, start_time)
) PARTITION BY RANGE (start_time);

-- catches any row whose month has no partition yet, so no insert ever fails
CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE INDEX events_event_key_idx ON events (event_key);
CREATE INDEX events_start_idx ON events (start_time DESC, id DESC);
CREATE INDEX events_camera_start_idx ON events (camera_id, start_time DESC);
CREATE INDEX events_label_start_idx ON events (label, start_time DESC);

-- Creates the monthly partitions events_YYYY_MM (UTC months) for `months` months from the month
-- of from_month. Rows that already sit in the default partition for such a month are moved into
-- the new partition (PostgreSQL refuses to create it while the default holds them).
CREATE FUNCTION ensure_event_partitions(from_month date, months int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    first_month date := date_trunc('month', from_month)::date;
    month_start date;
    lo timestamptz;
    hi timestamptz;
    part text;
    created int := 0;
BEGIN
    -- serialise concurrent callers (several fleet processes start at once)
    PERFORM pg_advisory_xact_lock(7262001);  -- arbitrary key reserved for this function
    FOR i IN 0 .. months - 1 LOOP
        month_start := (first_month + make_interval(months => i))::date;
        part := 'events_' || to_char(month_start, 'YYYY_MM');
        CONTINUE WHEN to_regclass(quote_ident(part)) IS NOT NULL;
        lo := month_start::timestamp AT TIME ZONE 'UTC';
        hi := (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        IF EXISTS (SELECT 1 FROM events_default WHERE start_time >= lo AND start_time < hi) THEN
            ALTER TABLE events DETACH PARTITION events_default;
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            INSERT INTO events SELECT * FROM events_default WHERE start_time >= lo AND start_time < hi;
            DELETE FROM events_default WHERE start_time >= lo AND start_time < hi;
            ALTER TABLE events ATTACH PARTITION events_default DEFAULT;
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        END IF;
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;
