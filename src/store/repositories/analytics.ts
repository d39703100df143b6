import type { Sql } from '../port.ts';

/**
 * Aggregate queries over events, alerts and the recording index for analytics and the daily
 * report. Every query takes the cameras the caller may see (undefined = every camera) and a
 * half-open time range [from, to); times are grouped in the site's time zone `tz`, so a "day" is
 * the site's calendar day and an "hour" its wall-clock hour, whatever the server's zone.
 */
export interface AnalyticsScope {
  cameraIds?: readonly string[];
  from: Date;
  to: Date;
}

export interface EventCountFilter extends AnalyticsScope {
  bucket: 'hour' | 'day';
  tz: string;
  label?: string;
  eventType?: string;
}

export interface EventCountRow {
  bucket: Date;
  camera_id: string;
  label: string;
  count: number;
}

export interface FootPointFilter extends AnalyticsScope {
  cameraId: string;
  label: string;
  /** the frame the boxes are in, and the grid laid over it */
  width: number;
  height: number;
  cols: number;
  rows: number;
}

export interface HeatCell {
  col: number;
  row: number;
  count: number;
}

export interface AlertTimingRow {
  id: number;
  camera_id: string;
  severity: string;
  status: string;
  title: string;
  rule_name: string;
  false_positive: boolean;
  triggered_at: Date;
  acked_at: Date | null;
  resolved_at: Date | null;
}

export interface TimingStat {
  count: number;
  median: number | null;
  p90: number | null;
}

export interface AlertTimingGroup {
  /** null in the overall row and in the rows of the other grouping */
  severity: string | null;
  camera_id: string | null;
  alerts: number;
  triggered_to_ack: TimingStat;
  ack_to_resolved: TimingStat;
  triggered_to_resolved: TimingStat;
}

export interface AlertStatusCount {
  severity: string;
  status: string;
  false_positive: boolean;
  count: number;
}

export interface CoverageRow {
  camera_id: string;
  recorded_seconds: number;
}

export interface GapRowSummary {
  camera_id: string;
  cause: string;
  gaps: number;
  seconds: number;
}

export interface AnalyticsRepo {
  /** the instants the site-local calendar day `date` (YYYY-MM-DD) starts and ends */
  dayBounds(date: string, tz: string): Promise<{ from: Date; to: Date }>;
  /** events per bucket start (an instant), camera and class; empty buckets are absent */
  eventCounts(f: EventCountFilter): Promise<EventCountRow[]>;
  /** the bucket starts of [from, to) in the site's zone, in order */
  buckets(f: Pick<EventCountFilter, 'from' | 'to' | 'bucket' | 'tz'>): Promise<Date[]>;
  /** events per local hour of day (0-23) */
  eventsByHourOfDay(f: AnalyticsScope & { tz: string; eventType?: string }): Promise<{ hour: number; count: number }[]>;
  /** where the foot point (bottom centre) of each box of the class falls on a cols × rows grid over the frame */
  footPoints(f: FootPointFilter): Promise<HeatCell[]>;
  /** the largest right and bottom edge of the camera's boxes (a frame size when no picture tells it) */
  boxExtent(f: AnalyticsScope & { cameraId: string }): Promise<{ width: number; height: number } | null>;
  /** the newest event of the camera that has a snapshot, at or before `before` when given */
  newestSnapshot(cameraId: string, before?: Date): Promise<{ id: number; snapshot_path: string } | null>;
  /** alerts triggered in range, oldest first, at most `limit` (+1 to tell the caller there are more) */
  alertTimings(f: AnalyticsScope & { severity?: string; limit: number }): Promise<AlertTimingRow[]>;
  /** response time statistics (seconds): overall, per severity and per camera */
  alertTimingStats(f: AnalyticsScope & { severity?: string }): Promise<AlertTimingGroup[]>;
  alertStatusCounts(f: AnalyticsScope): Promise<AlertStatusCount[]>;
  /** seconds recorded per camera in range (open segments run until now) */
  coverage(f: AnalyticsScope & { now: Date }): Promise<CoverageRow[]>;
  /** recording gaps overlapping the range per camera and cause, the seconds clipped to it */
  gaps(f: AnalyticsScope & { now: Date }): Promise<GapRowSummary[]>;
}

// $1 = camera ids or NULL (every camera), $2 = from, $3 = to
const IN_SCOPE = (time: string) => `($1::text[] IS NULL OR camera_id = ANY($1)) AND ${time} >= $2 AND ${time} < $3`;
const scopeParams = (f: AnalyticsScope): unknown[] => [f.cameraIds ? [...f.cameraIds] : null, f.from, f.to];

const seconds = (later: string, earlier: string) => `extract(epoch FROM ${later} - ${earlier})`;
const stat = (name: string, later: string, earlier: string, when: string) => `
  count(*) FILTER (WHERE ${when})::int AS ${name}_count,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds(later, earlier)}) FILTER (WHERE ${when}) AS ${name}_median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds(later, earlier)}) FILTER (WHERE ${when}) AS ${name}_p90`;

// the part of a row's [start_time, end_time or now) inside [$2, $3), never negative
const clippedSeconds = `greatest(0, ${seconds('least(COALESCE(end_time, $4), $3)', 'greatest(start_time, $2)')})`;

type TimingDbRow = { severity: string | null; camera_id: string | null; alerts: number } & Record<string, number | null>;

const timing = (r: TimingDbRow, name: string): TimingStat => ({
  count: Number(r[`${name}_count`] ?? 0), median: r[`${name}_median`] ?? null, p90: r[`${name}_p90`] ?? null,
});

export function analyticsRepo(sql: Sql): AnalyticsRepo {
  return {
    async dayBounds(date, tz) {
      const { rows } = await sql.query<{ from: Date; to: Date }>(
        'SELECT $1::date::timestamp AT TIME ZONE $2 AS "from", ($1::date + 1)::timestamp AT TIME ZONE $2 AS "to"', [date, tz]);
      return rows[0]!;
    },

    async eventCounts(f) {
      const { rows } = await sql.query<EventCountRow>(
        `SELECT date_trunc($4, start_time AT TIME ZONE $5) AT TIME ZONE $5 AS bucket, camera_id, label, count(*)::int AS count
         FROM events
         WHERE ${IN_SCOPE('start_time')} AND ($6::text IS NULL OR label = $6) AND ($7::text IS NULL OR event_type = $7)
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [...scopeParams(f), f.bucket, f.tz, f.label ?? null, f.eventType ?? null],
      );
      return rows;
    },

    async buckets(f) {
      const { rows } = await sql.query<{ at: Date }>(
        `SELECT DISTINCT local AT TIME ZONE $4 AS at
         FROM generate_series(date_trunc($3, $1::timestamptz AT TIME ZONE $4), $2::timestamptz AT TIME ZONE $4, ('1 ' || $3)::interval) AS local
         WHERE local AT TIME ZONE $4 < $2 ORDER BY 1`,
        [f.from, f.to, f.bucket, f.tz],
      );
      return rows.map((r) => r.at);
    },

    async eventsByHourOfDay(f) {
      const { rows } = await sql.query<{ hour: number; count: number }>(
        `SELECT extract(hour FROM start_time AT TIME ZONE $4)::int AS hour, count(*)::int AS count
         FROM events WHERE ${IN_SCOPE('start_time')} AND ($5::text IS NULL OR event_type = $5)
         GROUP BY 1 ORDER BY 1`,
        [...scopeParams(f), f.tz, f.eventType ?? null],
      );
      return rows;
    },

    async footPoints(f) {
      // BOX prints its upper-right corner first: (bounding_box[0])[1] is the larger y, the bottom
      // edge in image coordinates, where a person's feet touch the floor
      const { rows } = await sql.query<HeatCell>(
        `SELECT least($9 - 1, greatest(0, floor((center(bounding_box))[0] / $7 * $9)))::int AS col,
                least($10 - 1, greatest(0, floor((bounding_box[0])[1] / $8 * $10)))::int AS row,
                count(*)::int AS count
         FROM events
         WHERE ${IN_SCOPE('start_time')} AND camera_id = $4 AND label = $5 AND event_type = $6 AND bounding_box IS NOT NULL
         GROUP BY 1, 2`,
        [...scopeParams(f), f.cameraId, f.label, 'detection', f.width, f.height, f.cols, f.rows],
      );
      return rows;
    },

    async boxExtent(f) {
      const { rows } = await sql.query<{ width: number | null; height: number | null }>(
        `SELECT max((bounding_box[0])[0]) AS width, max((bounding_box[0])[1]) AS height
         FROM events WHERE ${IN_SCOPE('start_time')} AND camera_id = $4 AND bounding_box IS NOT NULL`,
        [...scopeParams(f), f.cameraId],
      );
      const r = rows[0];
      return r?.width && r.height ? { width: Math.ceil(r.width), height: Math.ceil(r.height) } : null;
    },

    async newestSnapshot(cameraId, before) {
      const { rows } = await sql.query<{ id: number; snapshot_path: string }>(
        `SELECT id, snapshot_path FROM events
         WHERE camera_id = $1 AND snapshot_path IS NOT NULL AND ($2::timestamptz IS NULL OR start_time <= $2)
         ORDER BY start_time DESC, id DESC LIMIT 1`,
        [cameraId, before ?? null],
      );
      return rows[0] ?? null;
    },

    async alertTimings(f) {
      const { rows } = await sql.query<AlertTimingRow>(
        `SELECT id, camera_id, severity, status, title, rule_name, false_positive, triggered_at, acked_at, resolved_at
         FROM alerts WHERE ${IN_SCOPE('triggered_at')} AND ($4::text IS NULL OR severity = $4)
         ORDER BY triggered_at, id LIMIT $5`,
        [...scopeParams(f), f.severity ?? null, f.limit],
      );
      return rows;
    },

    async alertTimingStats(f) {
      const { rows } = await sql.query<TimingDbRow>(
        `SELECT severity, camera_id, count(*)::int AS alerts,
           ${stat('triggered_to_ack', 'acked_at', 'triggered_at', 'acked_at IS NOT NULL')},
           ${stat('ack_to_resolved', 'resolved_at', 'acked_at', 'acked_at IS NOT NULL AND resolved_at IS NOT NULL')},
           ${stat('triggered_to_resolved', 'resolved_at', 'triggered_at', 'resolved_at IS NOT NULL')}
         FROM alerts WHERE ${IN_SCOPE('triggered_at')} AND ($4::text IS NULL OR severity = $4)
         GROUP BY GROUPING SETS ((), (severity), (camera_id))
         ORDER BY severity NULLS FIRST, camera_id NULLS FIRST`,
        [...scopeParams(f), f.severity ?? null],
      );
      return rows.map((r) => ({
        severity: r.severity, camera_id: r.camera_id, alerts: Number(r.alerts),
        triggered_to_ack: timing(r, 'triggered_to_ack'), ack_to_resolved: timing(r, 'ack_to_resolved'), triggered_to_resolved: timing(r, 'triggered_to_resolved'),
      }));
    },

    async alertStatusCounts(f) {
      const { rows } = await sql.query<AlertStatusCount>(
        `SELECT severity, status, false_positive, count(*)::int AS count
         FROM alerts WHERE ${IN_SCOPE('triggered_at')} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        scopeParams(f),
      );
      return rows;
    },

    async coverage(f) {
      const { rows } = await sql.query<CoverageRow>(
        `SELECT camera_id, sum(${clippedSeconds})::float8 AS recorded_seconds
         FROM recording_segments
         WHERE ($1::text[] IS NULL OR camera_id = ANY($1)) AND status <> 'missing' AND start_time < $3 AND COALESCE(end_time, $4) > $2
         GROUP BY 1 ORDER BY 1`,
        [...scopeParams(f), f.now],
      );
      return rows;
    },

    async gaps(f) {
      const { rows } = await sql.query<GapRowSummary>(
        `SELECT camera_id, cause, count(*)::int AS gaps, sum(${clippedSeconds})::float8 AS seconds
         FROM recording_gaps
         WHERE ($1::text[] IS NULL OR camera_id = ANY($1)) AND start_time < $3 AND COALESCE(end_time, $4) > $2
         GROUP BY 1, 2 ORDER BY 1, 2`,
        [...scopeParams(f), f.now],
      );
      return rows;
    },
  };
}
