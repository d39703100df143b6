import { z } from 'zod';
import { cameraId, id, page, pageQuery, text, time, timeOut } from './types.ts';

export const eventQuery = z.object({
  camera: cameraId.optional(),
  class: text(32).optional().describe('object class, e.g. person'),
  from: time.optional().describe('events starting at or after this time (ISO 8601)'),
  to: time.optional().describe('events starting before this time (ISO 8601)'),
  late: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only events found late, by catch-up from the recording; false: only live ones'),
  ...pageQuery,
}).strict();

export const eventParams = z.object({ id: id('event id') }).strict();

export const snapshotQuery = z.object({
  boxes: z.enum(['1', '0']).default('1').describe('1: the event\'s objects framed and labelled with class and score; 0: the picture as taken'),
}).strict();

export const bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('x1, y1, x2, y2 in source-frame pixels');

export const eventSchema = z.object({
  id: z.number().int(),
  camera_id: z.string(),
  event_type: z.string(),
  class: z.string(),
  confidence: z.number(),
  bbox: bbox.nullable(),
  start_time: timeOut,
  end_time: timeOut.nullable(),
  severity: z.string().nullable(),
  snapshot_url: z.string().nullable(),
  clip_url: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  late: z.boolean().describe('found later from the recording (live analysis had skipped those frames)'),
});

export const eventPage = page(eventSchema);
