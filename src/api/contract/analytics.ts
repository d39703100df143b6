import { z } from 'zod';
import { ALERT_STATUSES, SEVERITIES } from './alerts.ts';
import { cameraId, text, time, timeOut } from './types.ts';

/**
 * Analytics and reports: counts, heat maps and response times over a time range, and the daily
 * report. Ranges are bounded so one request never aggregates years of rows.
 */
export const MAX_RANGE_DAYS = { hour: 31, day: 366, heatmap: 31, alerts: 92 } as const;

/** A duration as people read it (reports, the dashboard): 95 → "1 min 35 s"; null (nothing measured) → "–" */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '–';
  const total = Math.round(s);
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), sec = total % 60;
  return [h && `${h} h`, m && `${m} min`, (sec || total === 0) && `${sec} s`].filter(Boolean).join(' ');
}

/** A local hour of day as a clock reads: 7 → "07:00" */
export const hourLabel = (h: number): string => `${String(h).padStart(2, '0')}:00`;

const from = time.describe('start of the range, inclusive (ISO 8601)');
const to = time.describe('end of the range, exclusive (ISO 8601)');

export const eventCountsQuery = z.object({
  from, to,
  bucket: z.enum(['hour', 'day']).default('hour').describe('hour (range up to 31 days) or day (up to 366 days), in the site\'s time zone'),
  camera: cameraId.optional(),
  class: text(32).optional().describe('object class, e.g. person'),
  type: text(50).default('detection').describe('event type: detection (one per tracked object, default) or a rule type such as loitering'),
}).strict();

export const eventCountsSchema = z.object({
  bucket: z.enum(['hour', 'day']),
  timezone: z.string().describe('IANA zone the buckets are cut in'),
  from: timeOut,
  to: timeOut,
  buckets: z.array(timeOut).describe('start of every bucket of the range, in order (an instant; its local time is a full hour or midnight)'),
  series: z.array(z.object({
    camera_id: z.string(),
    class: z.string(),
    counts: z.array(z.number().int()).describe('events per bucket, aligned with `buckets`'),
    total: z.number().int(),
  })),
  total: z.number().int(),
});

export const heatmapQuery = z.object({
  camera: cameraId,
  from, to,
  class: text(32).default('person').describe('object class whose foot points are counted'),
  cols: z.coerce.number().int().min(4).max(64).default(32).describe('grid columns over the frame width'),
  rows: z.coerce.number().int().min(3).max(36).default(18).describe('grid rows over the frame height'),
}).strict();

export const heatmapSchema = z.object({
  camera_id: z.string(),
  class: z.string(),
  from: timeOut,
  to: timeOut,
  frame: z.object({ width: z.number().int(), height: z.number().int() }).nullable().describe('the camera frame the grid covers (null: nothing seen yet)'),
  cols: z.number().int(),
  rows: z.number().int(),
  cells: z.array(z.array(z.number().int())).describe('rows × cols: tracked objects whose foot point (bottom centre of the box) fell in each cell'),
  max: z.number().int(),
  total: z.number().int(),
  snapshot_url: z.string().nullable().describe('a recent picture of the camera (its newest event snapshot, without boxes) to draw the grid over'),
  live_snapshot_url: z.string().nullable().describe('what the camera sees now (its newest live frame), when it is streaming: a better picture to draw over'),
});

export const alertResponseQuery = z.object({
  from, to,
  camera: cameraId.optional(),
  severity: z.enum(SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200).describe('alerts listed (the statistics cover all of them)'),
}).strict();

const timingStat = z.object({
  count: z.number().int(),
  median_seconds: z.number().nullable(),
  p90_seconds: z.number().nullable(),
});

export const responseTimes = z.object({
  alerts: z.number().int(),
  triggered_to_ack: timingStat,
  ack_to_resolved: timingStat,
  triggered_to_resolved: timingStat,
});

export const alertTimingSchema = z.object({
  id: z.number().int(),
  camera_id: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ALERT_STATUSES),
  title: z.string(),
  rule_name: z.string(),
  false_positive: z.boolean(),
  triggered_at: timeOut,
  acked_at: timeOut.nullable(),
  resolved_at: timeOut.nullable(),
  ack_seconds: z.number().nullable(),
  resolve_seconds: z.number().nullable().describe('acknowledged → resolved'),
});

export const alertResponseSchema = z.object({
  from: timeOut,
  to: timeOut,
  overall: responseTimes,
  by_severity: z.array(responseTimes.extend({ severity: z.enum(SEVERITIES) })),
  by_camera: z.array(responseTimes.extend({ camera_id: z.string() })),
  items: z.array(alertTimingSchema).describe('oldest first'),
  truncated: z.boolean().describe('more alerts matched than `limit` listed'),
});

const FIRST_DAY = '1970-01-02';
const LAST_DAY = '9999-12-30';

export const REPORT_FORMATS = ['json', 'csv', 'pdf'] as const;

export const dailyReportQuery = z.object({
  // the days whose every instant the API can state (see MIN_TIME, MAX_TIME): ISO dates compare as text
  date: z.iso.date().refine((d) => d >= FIRST_DAY && d <= LAST_DAY, `must be a day from ${FIRST_DAY} to ${LAST_DAY}`).describe('the site-local day, YYYY-MM-DD'),
  format: z.enum(REPORT_FORMATS).optional().describe('json, csv or pdf (default: from the Accept header, else json); csv and pdf are sent as a download'),
}).strict();

export const dailyReportSchema = z.object({
  date: z.string(),
  timezone: z.string(),
  from: timeOut,
  to: timeOut,
  generated_at: timeOut,
  events: z.object({
    total: z.number().int(),
    by_camera_class: z.array(z.object({ camera_id: z.string(), class: z.string(), count: z.number().int() })),
  }),
  hours: z.array(z.object({ hour: z.number().int(), count: z.number().int() })).describe('events per local hour, 0-23'),
  busiest_hours: z.array(z.number().int()).describe('the (up to three) local hours with the most events, busiest first'),
  alerts: z.object({
    total: z.number().int(),
    false_positives: z.number().int(),
    by_severity: z.array(z.object({
      severity: z.enum(SEVERITIES),
      total: z.number().int(),
      new: z.number().int(),
      ack: z.number().int(),
      resolved: z.number().int(),
    })),
  }),
  response: responseTimes,
  cameras: z.array(z.object({
    camera_id: z.string(),
    name: z.string(),
    recorded_seconds: z.number(),
    coverage: z.number().nullable().describe('share of the day so far that was recorded (0-1); null for a day not begun'),
    gaps: z.array(z.object({ cause: z.string(), count: z.number().int(), seconds: z.number() })),
  })),
});
