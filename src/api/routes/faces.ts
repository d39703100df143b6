/**
 * Face search (issue 4 §6, seed §4.2.6): search every stored face — named or not — by an uploaded
 * photo or by a stored face, and name the identities faces are grouped into.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readImageHeader } from '../../vision/frame-input.ts';
import { BadImageError, NoFaceError, type FaceEmbedder } from '../../vision/faces/types.ts';
import { FaceDimensionError, type FaceIdentityRow, type FaceMatch, type FaceSearchOptions } from '../../store/repositories/faces.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { addRoute, badRequest, checkTimeOrder, describeIssues, HttpError, mediaType, notFound, withCursor } from '../route.ts';
import { isoTime } from './events.ts';

export interface FaceRouteDeps {
  repos: Repositories;
  /** the face embedder, started on first use; absent when face analysis is off (searching by photo is then a 503) */
  faceEmbedder?: () => Promise<FaceEmbedder>;
}

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png'];
const MULTIPART = 'multipart/form-data';
const SEARCH_URL = '/api/v1/search/faces';

const searchQuery = z.object({
  k: z.coerce.number().int().min(1).max(100).default(10).describe('number of matches (1-100)'),
  camera: z.string().max(64).optional().describe('only faces seen by this camera'),
  from: isoTime.optional().describe('only faces seen at or after this time (ISO 8601)'),
  to: isoTime.optional().describe('only faces seen before this time (ISO 8601)'),
  min_similarity: z.coerce.number().min(-1).max(1).optional().describe('cosine similarity floor (-1..1)'),
}).strict();

const identityQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  named: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('only named (true) or unnamed (false) identities'),
}).strict();

const nameBody = z.object({ name: z.string().trim().min(1).max(200).nullable().describe('the person\'s name; null removes it') }).strict();

const snapshotUrl = (eventId: number | null, path: string | null): string | null => (eventId !== null && path ? `/api/v1/events/${eventId}/snapshot` : null);
const unavailable = (why: string): HttpError => new HttpError(503, 'unavailable', why);

function publicMatch(m: FaceMatch) {
  return {
    similarity: Number(m.similarity.toFixed(4)),
    embedding_id: m.embedding_id,
    identity_id: m.identity_id,
    identity_name: m.identity_name,
    camera_id: m.camera_id,
    track_id: m.track_id,
    seen_at: m.seen_at,
    quality: m.quality,
    bbox: m.bbox,
    event_id: m.event_id,
    snapshot_url: snapshotUrl(m.event_id, m.snapshot_path),
  };
}

function publicIdentity(i: FaceIdentityRow) {
  return {
    id: i.id, name: i.person_name, first_seen: i.first_seen, last_seen: i.last_seen, occurrence_count: i.occurrence_count,
    best_embedding_id: i.best_embedding_id, snapshot_url: snapshotUrl(i.best_event_id, i.best_snapshot_path),
  };
}

function searchOptions(q: z.infer<typeof searchQuery>): FaceSearchOptions {
  checkTimeOrder(q);
  return { k: q.k, cameraId: q.camera, from: q.from, to: q.to, minSimilarity: q.min_similarity };
}

/** The first part of a multipart body that carries a file (buffered: the body is at most MAX_UPLOAD_BYTES). */
export function multipartFile(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw badRequest('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  for (let at = body.indexOf(delimiter); at !== -1;) {
    const after = at + delimiter.length;
    if (body.subarray(after, after + 2).toString('latin1') === '--') break;
    const headersEnd = body.indexOf('\r\n\r\n', after);
    const next = headersEnd === -1 ? -1 : body.indexOf(delimiter, headersEnd + 4);
    if (next === -1) break;
    // the part's content ends with the CRLF that precedes the next delimiter
    if (/filename=/i.test(body.subarray(after, headersEnd).toString('latin1'))) return body.subarray(headersEnd + 4, next - 2);
    at = next;
  }
  throw badRequest('the multipart body has no file part: send the photo as a file field, e.g. curl -F image=@face.jpg');
}

/** Reads only the image header: a 20000×20000 upload is refused without decoding its pixels. */
async function checkImage(image: Buffer): Promise<void> {
  const { format } = await readImageHeader(image, (reason) => badRequest(`the upload is refused: ${reason}`));
  if (format !== 'jpeg' && format !== 'png') throw badRequest(`the upload is a ${format} image; send a JPEG or PNG`);
}

export function faceRoutes(app: FastifyInstance, deps: FaceRouteDeps): void {
  const faces = deps.repos.faces;

  // photos arrive as raw image bodies or as a multipart form, buffered up to MAX_UPLOAD_BYTES
  app.addContentTypeParser([...IMAGE_TYPES, MULTIPART], { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body));

  addRoute(app, {
    method: 'POST', url: SEARCH_URL, permission: 'faces:search', tag: 'faces', consumes: [...IMAGE_TYPES, MULTIPART], maxBodyBytes: MAX_UPLOAD_BYTES,
    summary: 'Search stored faces (everyone seen, named or not) by a photo: body image/jpeg, image/png or multipart/form-data with a file (≤ 10 MB, ≤ 8192 px per side)',
    query: searchQuery,
    handler: async ({ query, req }) => {
      const options = searchOptions(query);
      if (!deps.faceEmbedder) throw unavailable('face analysis is off (faces.enabled: false): searching by photo needs the face embedder');
      const body = req.body;
      if (!Buffer.isBuffer(body)) throw badRequest('the body must be a photo: image/jpeg, image/png, or multipart/form-data with a file');
      const type = mediaType(req.headers['content-type'])!;
      const image = type === MULTIPART ? multipartFile(body, req.headers['content-type']!) : body;
      await checkImage(image);
      const embedder = await deps.faceEmbedder().catch((err: unknown) => {
        throw unavailable(`the face embedder cannot start: ${(err as Error).message}`);
      });
      let face;
      try {
        // a copy: the embedder transfers its input to a worker thread
        face = await embedder.embedImage(new Uint8Array(image));
      } catch (err) {
        if (err instanceof BadImageError) throw badRequest(err.message);
        if (err instanceof NoFaceError) throw new HttpError(422, 'no_face', err.message);
        if (/queue full/.test((err as Error).message)) throw unavailable(`${(err as Error).message}; retry shortly`);
        throw err;
      }
      const matches = await faces.searchSimilar(face.embedding, options);
      return { query_face: { box: face.box, quality: face.quality.score }, matches: matches.map(publicMatch) };
    },
  });

  addRoute(app, {
    method: 'GET', url: `${SEARCH_URL}/:embeddingId`, permission: 'faces:search', tag: 'faces', summary: 'Faces similar to a stored face (itself excluded)',
    params: z.object({ embeddingId: z.coerce.number().int().positive().describe('embedding_id of a stored face') }).strict(),
    query: searchQuery,
    handler: async ({ params, query }) => {
      try {
        const matches = await faces.similarTo(params.embeddingId, searchOptions(query));
        if (!matches) throw notFound(`no face with embedding id ${params.embeddingId}`);
        return { embedding_id: params.embeddingId, matches: matches.map(publicMatch) };
      } catch (err) {
        if (err instanceof FaceDimensionError) throw new HttpError(409, 'other_embedder', err.message);
        throw err;
      }
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/faces/identities', permission: 'faces:search', tag: 'faces', summary: 'Face identities (people grouped from their faces), most recently seen first',
    query: identityQuery,
    handler: async ({ query }) => {
      const page = await withCursor(() => faces.listIdentities({ limit: query.limit, cursor: query.cursor, named: query.named }));
      return { items: page.items.map(publicIdentity), next_cursor: page.nextCursor };
    },
  });

  addRoute(app, {
    method: 'PATCH', url: '/api/v1/faces/identities/:id', permission: 'faces:name', tag: 'faces', summary: 'Name an identity (body {"name": "…"} or {"name": null}); audited',
    params: z.object({ id: z.coerce.number().int().positive().describe('identity id') }).strict(),
    query: z.object({}).strict(),
    handler: async ({ params, req }) => {
      const body = nameBody.safeParse(req.body);
      if (!body.success) throw badRequest(`${describeIssues('body', body.error)} (expected {"name": string | null})`);
      const identity = await faces.nameIdentity(params.id, body.data.name, { ip: req.ip });
      if (!identity) throw notFound(`no face identity with id ${params.id}`);
      return publicIdentity(identity);
    },
  });
}
