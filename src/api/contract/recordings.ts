import { z } from 'zod';
import { cameraId, time, timeOut } from './types.ts';

export const rangeQuery = z.object({
  from: time.describe('start of the range (ISO 8601 with offset)'),
  to: time.describe('end of the range (ISO 8601 with offset), at most 24 h after from'),
}).strict();

export const cameraParams = z.object({ id: cameraId }).strict();
export const vodParams = z.object({ cameraId }).strict();
export const vodSegmentParams = z.object({
  cameraId,
  segmentId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('segment id from the VOD playlist'),
}).strict();

const span = z.object({ start: timeOut, end: timeOut });

export const timelineSchema = z.object({
  camera_id: z.string(),
  from: timeOut,
  to: timeOut,
  coverage: z.array(span).describe('recorded spans'),
  gaps: z.array(span.extend({ cause: z.string() })).describe('unrecorded spans with their causes'),
  segments: z.number().int(),
  bytes: z.number(),
});
