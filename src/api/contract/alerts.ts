import { z } from 'zod';
import { cameraId, id, page, pageQuery, requiredText, time, timeOut } from './types.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const ALERT_STATUSES = ['new', 'ack', 'resolved'] as const;

export const alertQuery = z.object({
  status: z.enum(ALERT_STATUSES).optional().describe('new (unacknowledged), ack, resolved'),
  severity: z.enum(SEVERITIES).optional().describe('low, medium, high, critical'),
  camera: cameraId.optional(),
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
export const falsePositiveResponse = alertSchema.extend({
  training_data_key: z.string().nullable().describe('training-data object written for the detector\'s retraining; null when it could not be written'),
});
