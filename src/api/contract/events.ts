import { z } from 'zod';
import { cameraId, id, page, pageQuery, text, time, timeOut } from './types.ts';

export const eventQuery = z.object({
  camera: cameraId.optional(),
  class: text(32).optional().describe('object class, e.g. person'),
  from: time.optional().describe('events starting at or after this time (ISO 8601)'),
  to: time.optional().describe('events starting before this time (ISO 8601)'),
  late: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only events found late, by catch-up from the recording; false: only live ones'),
  zone: text(64).optional().describe('only rule events of this zone id'),
  ...pageQuery,
}).strict();

export const eventParams = z.object({ id: id('event id') }).strict();

export const snapshotQuery = z.object({
  boxes: z.enum(['1', '0']).default('1').describe('1: the event\'s objects framed and labelled with class and score; 0: the picture as taken'),
}).strict();

export const bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('x1, y1, x2, y2 in source-frame pixels');

/** One of a rule event's objects in the frame that fired. */
export const subjectBoxSchema = z.object({ track_id: z.number().int().optional(), class: z.string(), confidence: z.number(), bbox });

export const trackPointSchema = z.object({ at: timeOut, x: z.number(), y: z.number() }).describe('the object\'s box centre in source-frame pixels at that time');

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
  zone_id: z.string().nullable().describe('the zone of a rule event'),
  boxes: z.array(subjectBoxSchema).describe('a rule event\'s objects in the frame that fired (the boxes of its snapshot); empty for a track\'s event'),
  track: z.array(trackPointSchema).describe('where a tracked object went, a point a second (its first 10 minutes)'),
  face_embedding_id: z.number().int().nullable().describe('the face stored of this track: GET /api/v1/search/faces/{face_embedding_id} finds it elsewhere'),
});

export const eventPage = page(eventSchema);
