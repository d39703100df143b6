import { z } from 'zod';
import { bbox } from './events.ts';
import { cameraId, id, page, pageQuery, requiredText, time, timeOut } from './types.ts';

export const faceSearchQuery = z.object({
  k: z.coerce.number().int().min(1).max(100).default(10).describe('number of matches (1-100)'),
  camera: cameraId.optional().describe('only faces seen by this camera'),
  from: time.optional().describe('only faces seen at or after this time (ISO 8601)'),
  to: time.optional().describe('only faces seen before this time (ISO 8601)'),
  min_similarity: z.coerce.number().min(-1).max(1).optional().describe('cosine similarity floor (-1..1)'),
}).strict();

export const embeddingParams = z.object({ embeddingId: id('embedding_id of a stored face') }).strict();
export const identityParams = z.object({ id: id('identity id') }).strict();

export const identityQuery = z.object({
  ...pageQuery,
  named: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('only named (true) or unnamed (false) identities'),
}).strict();

export const nameBody = z.object({ name: requiredText(200).nullable().describe('the person\'s name; null removes it') }).strict();

export const faceMatchSchema = z.object({
  similarity: z.number(),
  embedding_id: z.number().int(),
  identity_id: z.number().int(),
  identity_name: z.string().nullable(),
  camera_id: z.string(),
  track_id: z.number().int(),
  seen_at: timeOut,
  quality: z.number(),
  bbox: bbox.nullable(),
  event_id: z.number().int().nullable(),
  snapshot_url: z.string().nullable(),
});

export const photoSearchResponse = z.object({
  query_face: z.object({ box: z.unknown().describe('the face found in the photo'), quality: z.number() }),
  matches: z.array(faceMatchSchema),
});

export const similarResponse = z.object({ embedding_id: z.number().int(), matches: z.array(faceMatchSchema) });

export const identitySchema = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  first_seen: timeOut,
  last_seen: timeOut,
  occurrence_count: z.number().int(),
  best_embedding_id: z.number().int().nullable(),
  snapshot_url: z.string().nullable(),
});

export const identityPage = page(identitySchema);
