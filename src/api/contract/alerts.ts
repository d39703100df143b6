import { z } from 'zod';
import { cameraId, id, page, pageQuery, requiredText, text, time, timeOut } from './types.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const ALERT_STATUSES = ['new', 'ack', 'resolved'] as const;

export const alertQuery = z.object({
  status: z.enum(ALERT_STATUSES).optional().describe('new (unacknowledged), ack, resolved'),
  severity: z.enum(SEVERITIES).optional().describe('low, medium, high, critical'),
  camera: cameraId.optional(),
  rule: text(64).optional().describe('only alerts of this rule id'),
  from: time.optional().describe('alerts triggered at or after this time (ISO 8601)'),
  to: time.optional().describe('alerts triggered before this time (ISO 8601)'),
  ...pageQuery,
}).strict();

export const alertParams = z.object({ id: id('alert id') }).strict();

/** Who acts comes from the credentials; the body only says why. */
export const alertActionBody = z.object({
  note: requiredText(2000).optional().describe('why, what was done'),
}).strict();

const actor = z.string().nullable().describe('who: `user:<name>`, `api_key:<name>` or `system`');

export const alertSchema = z.object({
  id: z.number().int(),
  event_id: z.number().int(),
  camera_id: z.string(),
  rule_id: z.string(),
  rule_name: z.string(),
  rule_type: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ALERT_STATUSES),
  night: z.boolean(),
  title: z.string(),
  triggered_at: timeOut,
  created_at: timeOut,
  updated_at: timeOut,
  acked_by: actor,
  acked_at: timeOut.nullable(),
  ack_note: z.string().nullable(),
  resolved_by: actor,
  resolved_at: timeOut.nullable(),
  resolve_note: z.string().nullable(),
  false_positive: z.boolean(),
  escalated_at: timeOut.nullable(),
  escalated_to: z.string().nullable(),
  event_url: z.string(),
  snapshot_url: z.string().nullable(),
});

export const alertPage = page(alertSchema);

export const alertHistoryEntry = z.object({
  seq: z.number().int().describe('position in the change feed (/ws/alerts)'),
  change: z.enum(['new', 'ack', 'resolved', 'false_positive', 'escalated']),
  at: timeOut,
  by: actor,
  note: z.string().nullable(),
});

/** One alert with who did what to it, oldest change first. */
export const alertDetailSchema = alertSchema.extend({ history: z.array(alertHistoryEntry) });
export const falsePositiveResponse = alertSchema.extend({
  training_data_key: z.string().nullable().describe('training-data object written for the detector\'s retraining; null when it could not be written'),
});

/** What /ws/alerts sends: `hello` first (the feed's head), then camera states and alert changes in seq order. */
export const alertFeedFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), seq: z.number().int().describe('the last change committed; a client resumes with since=<the last seq it saw>') }),
  z.object({ type: z.literal('alert'), seq: z.number().int(), change: alertHistoryEntry.shape.change, alert: alertSchema }),
  z.object({
    type: z.literal('camera_status'), camera_id: z.string(),
    status: z.object({
      state: z.string(), connected: z.boolean(), source_fps: z.number().nullable(), analysis_fps: z.number(), bitrate_kbps: z.number(),
      reconnects: z.number().int(), last_frame_at: z.string().nullable(), last_error: z.string().nullable(),
    }),
  }),
]);
