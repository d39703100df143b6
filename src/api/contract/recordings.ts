import { z } from 'zod';
import { cameraId, time, timeOut } from './types.ts';

export const rangeQuery = z.object({
  from: time.describe('start of the range (ISO 8601 with offset)'),
  to: time.describe('end of the range (ISO 8601 with offset), at most 24 h after from'),
}).strict();

/** An export is cut into a temp file first (for +faststart): this bounds its size and time. */
export const MAX_EXPORT_HOURS = 2;
/** A VOD playlist covers at most this much (a day's worth of segments is still a small playlist). */
export const MAX_VOD_HOURS = 24;

export const cameraParams = z.object({ id: cameraId }).strict();
export const vodParams = z.object({ cameraId }).strict();
export const vodSegmentParams = z.object({
  cameraId,
  segmentId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('segment id from the VOD playlist'),
}).strict();

const span = z.object({ start: timeOut, end: timeOut });

/**
 * Why a stretch was not recorded, grouped for a timeline's legend (the cause text says it in full):
 * the camera sent no video while its DVR answered; the DVR (or camera) did not answer; it refused
 * the credentials or the channel; the disk could not be written; Vigil was not recording; the
 * storage sweep deleted the footage (retention, storage budget); the recording is indexed but its
 * files are gone; no cause was stored (also before the oldest recording kept: deleted before the
 * sweep recorded deletions, or before recording started).
 */
export const GAP_KINDS = ['camera_offline', 'dvr_unreachable', 'refused', 'disk', 'recorder_down', 'deleted', 'files_missing', 'unknown'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

export const timelineSchema = z.object({
  camera_id: z.string(),
  from: timeOut,
  to: timeOut,
  coverage: z.array(span).describe('recorded spans'),
  gaps: z.array(span.extend({ cause: z.string(), kind: z.enum(GAP_KINDS) })).describe('unrecorded spans with their causes'),
  segments: z.number().int(),
  bytes: z.number(),
});

export const timelineDayQuery = z.object({
  date: z.iso.date().refine((d) => d >= '1970-01-01', 'must be 1970-01-01 or later').optional()
    .describe('the day (YYYY-MM-DD) on the site\'s clock; default: today there'),
}).strict();

export const eventMark = z.object({
  id: z.number().int(),
  time: timeOut.describe('when the event started'),
  end: timeOut.nullable(),
  class: z.string().describe('object class, e.g. person'),
  event_type: z.string(),
  severity: z.string().nullable(),
});

export const alertMark = z.object({
  id: z.number().int(),
  event_id: z.number().int(),
  time: timeOut.describe('when the alert fired'),
  rule_name: z.string(),
  rule_type: z.string(),
  severity: z.string(),
  status: z.string(),
  title: z.string(),
});

/** At most this many events (and as many alerts) are marked on one day; the rest is in /api/v1/events. */
export const MAX_DAY_MARKS = 1000;

export const timelineDaySchema = timelineSchema.extend({
  date: z.string().describe('the day shown, YYYY-MM-DD on the site\'s clock'),
  timezone: z.string().describe('IANA zone of the camera\'s site: from and to are its midnights'),
  events: z.array(eventMark).describe(`the day's events, oldest first (at most ${MAX_DAY_MARKS})`),
  alerts: z.array(alertMark).describe(`the day's alerts, oldest first (at most ${MAX_DAY_MARKS})`),
  marks_truncated: z.boolean().describe(`true when the day has more than ${MAX_DAY_MARKS} events or alerts (the newest are shown)`),
});
