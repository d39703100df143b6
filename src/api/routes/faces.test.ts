import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import { FaceDimensionError, type FaceIdentityRow, type FaceMatch, type FaceRepo, type FaceSearchOptions } from '../../store/repositories/faces.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { NoFaceError, type FaceEmbedder } from '../../vision/faces/types.ts';
import { buildApi } from '../server.ts';
import { TestAuth, type Injector } from '../../../test/fixtures/api-auth.ts';
import { MAX_UPLOAD_BYTES, multipartFile } from './faces.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

const match: FaceMatch = {
  embedding_id: 11, identity_id: 3, identity_name: 'Ann', camera_id: 'cam_001', track_id: 42, seen_at: new Date('2025-01-20T10:00:00Z'),
  quality: 0.7, bbox: [1, 2, 3, 4], similarity: 0.812345, event_id: 7, snapshot_path: 'cam_001/42.jpg',
};
const identity: FaceIdentityRow = {
  id: 3, person_name: null, first_seen: new Date('2025-01-20T09:00:00Z'), last_seen: new Date('2025-01-20T10:00:00Z'), occurrence_count: 4,
  best_embedding_id: 11, best_event_id: 7, best_snapshot_path: 'cam_001/42.jpg',
};

const searches: FaceSearchOptions[] = [];
const faces = {
  dim: 4, model: 'fake',
  searchSimilar: async (_e: ArrayLike<number>, o: FaceSearchOptions) => (searches.push(o), [match]),
  similarTo: async (id: number, o: FaceSearchOptions) => {
    searches.push(o);
    if (id === 99) throw new FaceDimensionError('face 99 was embedded by face-api (128-d); the configured embedder is fake (4-d)');
    return id === 11 ? [{ ...match, embedding_id: 12, event_id: null, snapshot_path: null }] : null;
  },
  listIdentities: async () => ({ items: [identity], nextCursor: null }),
  nameIdentity: async (id: number, name: string | null) => (id === 3 ? { ...identity, person_name: name } : null),
} as unknown as FaceRepo;

// a photo "has a face" when it is at least 32 px wide: the HTTP layer only maps the embedder's answers
const embedder: FaceEmbedder = {
  model: 'faceres', dim: 4,
  embedImage: async (jpeg) => {
    const { width = 0 } = await sharp(jpeg).metadata();
    if (width < 32) throw new NoFaceError('largest face 0 px');
    return { embedding: [1, 0, 0, 0], box: [5, 6, 25, 30], quality: { score: 0.66, sizePx: 24, sharpness: 500, frontal: 0.9, detScore: 0.95 } };
  },
  embedFaceInCrop: async () => { throw new Error('unused'); },
  close: async () => {},
};

const auth = await TestAuth.open();

function build(withEmbedder: boolean) {
  return buildApi({
    auth: auth.stack, cameras: new LiveCameras(), repos: { faces } as unknown as Repositories, objects: {} as Objects, store: { ping: async () => true } as unknown as Store,
    health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger, status: () => undefined,
    faceEmbedder: withEmbedder ? async () => embedder : undefined,
  });
}

/** A PNG claiming width × height with only a few bytes of pixels: decoding it would fail, reading its header does not. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

const image = (width: number, format: 'jpeg' | 'png' | 'gif' = 'jpeg') =>
  sharp({ create: { width, height: width, channels: 3, background: '#888' } }).toFormat(format).toBuffer();

describe('face search routes', () => {
  const app = build(true);
  let api: Injector;
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await image(64);
    api = await auth.as(app, 'operator');
  });
  afterAll(async () => {
    await app.close();
    await auth.close();
  });

  const post = (payload: Buffer | string, contentType?: string, query = '') =>
    api.inject({ method: 'POST', url: `/api/v1/search/faces${query}`, payload, headers: contentType ? { 'content-type': contentType } : {} });

  it('searches by a JPEG or PNG photo and returns matches with event and snapshot links', async () => {
    const res = await post(jpeg, 'image/jpeg', '?k=5&camera=cam_001&from=2025-01-20T00:00:00Z&to=2025-01-21T00:00:00Z&min_similarity=0.5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      query_face: { box: [5, 6, 25, 30], quality: 0.66 },
      matches: [{
        similarity: 0.8123, embedding_id: 11, identity_id: 3, identity_name: 'Ann', camera_id: 'cam_001', track_id: 42, seen_at: '2025-01-20T10:00:00.000Z',
        quality: 0.7, bbox: [1, 2, 3, 4], event_id: 7, snapshot_url: '/api/v1/events/7/snapshot',
      }],
    });
    expect(searches.at(-1)).toEqual({ k: 5, cameraIds: ['cam_001'], from: new Date('2025-01-20T00:00:00Z'), to: new Date('2025-01-21T00:00:00Z'), minSimilarity: 0.5 });
    expect((await post(await image(64, 'png'), 'image/png')).statusCode).toBe(200);
  });

  it('accepts a multipart form with a file field', async () => {
    const boundary = 'vigil-test-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="face.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      jpeg, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(multipartFile(body, `multipart/form-data; boundary=${boundary}`).equals(jpeg)).toBe(true);
    const res = await post(body, `multipart/form-data; boundary=${boundary}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().matches).toHaveLength(1);
    const noFile = await post(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--${boundary}--\r\n`), `multipart/form-data; boundary=${boundary}`);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().message).toMatch(/no file part/);
  });

  it('refuses other content types with 415 and bodies over 10 MB with 413', async () => {
    for (const type of ['text/plain', 'application/json', 'image/gif']) {
      const res = await post('{}', type);
      expect(res.statusCode).toBe(415);
      expect(res.json().message).toMatch(/image\/jpeg, image\/png, multipart\/form-data/);
    }
    expect((await post(jpeg)).statusCode).toBe(415);
    const big = await post(Buffer.alloc(MAX_UPLOAD_BYTES + 1), 'image/jpeg');
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/at most 10485760 bytes/);
  });

  it('names what is wrong with an unusable upload (400) or a photo without a face (422)', async () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(0), /empty/],
      [Buffer.from('this is not an image at all'), /not a decodable image/],
      [await image(64, 'gif'), /gif image; send a JPEG or PNG/],
      [pngHeaderOnly(20000, 20000), /image too large \(20000x20000, max side 8192\)/],
    ];
    for (const [payload, reason] of cases) {
      const res = await post(payload, 'image/jpeg');
      expect(res.statusCode, String(reason)).toBe(400);
      expect(res.json().message).toMatch(reason);
    }
    // no body at all (nor a content type): a 400, not a crash
    const bodiless = await api.inject({ method: 'POST', url: '/api/v1/search/faces' });
    expect([bodiless.statusCode, bodiless.json().message]).toEqual([400, expect.stringMatching(/the body must be a photo/)]);
    const noFace = await post(await image(16), 'image/jpeg');
    expect(noFace.statusCode).toBe(422);
    expect(noFace.json()).toEqual({ error: 'no_face', message: 'no face found: largest face 0 px' });
  });

  it('checks k and the other query parameters', async () => {
    for (const q of ['?k=0', '?k=101', '?k=two', '?min_similarity=2', '?from=yesterday', '?colour=red', '?from=2025-01-21T00:00:00Z&to=2025-01-20T00:00:00Z']) {
      const res = await post(jpeg, 'image/jpeg', q);
      expect(res.statusCode, q).toBe(400);
    }
    expect((await post(jpeg, 'image/jpeg', '?colour=red')).json().message).toMatch(/unknown query parameter 'colour'/);
    expect((await api.inject({ url: '/api/v1/search/faces/11?k=1000' })).statusCode).toBe(400);
  });

  it('finds faces like a stored one; unknown id → 404, another embedder → 409', async () => {
    const res = await api.inject({ url: '/api/v1/search/faces/11?k=3' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ embedding_id: 11, matches: [{ embedding_id: 12, event_id: null, snapshot_url: null }] });
    expect(searches.at(-1)).toMatchObject({ k: 3 });
    const unknown = await api.inject({ url: '/api/v1/search/faces/12345' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toBe('no face with embedding id 12345');
    expect((await api.inject({ url: '/api/v1/search/faces/abc' })).statusCode).toBe(400);
    const other = await api.inject({ url: '/api/v1/search/faces/99' });
    expect(other.statusCode).toBe(409);
    expect(other.json().message).toMatch(/face-api \(128-d\)/);
  });

  it('lists and names identities', async () => {
    const list = await api.inject({ url: '/api/v1/faces/identities?named=false&limit=10' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      items: [{ id: 3, name: null, first_seen: '2025-01-20T09:00:00.000Z', last_seen: '2025-01-20T10:00:00.000Z', occurrence_count: 4, best_embedding_id: 11, snapshot_url: '/api/v1/events/7/snapshot' }],
      next_cursor: null,
    });
    expect((await api.inject({ url: '/api/v1/faces/identities?named=maybe' })).statusCode).toBe(400);

    const patch = (id: number, payload: unknown) => api.inject({ method: 'PATCH', url: `/api/v1/faces/identities/${id}`, payload: payload as object });
    const named = await patch(3, { name: '  Ann Lee ' });
    expect(named.statusCode).toBe(200);
    expect(named.json()).toMatchObject({ id: 3, name: 'Ann Lee' });
    expect((await patch(3, { name: null })).json().name).toBeNull();
    for (const bad of [{ name: '' }, { name: 5 }, { nom: 'x' }, {}]) {
      const res = await patch(3, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().message).toMatch(/body field '(name|\(body\))'|unknown body field 'nom'/);
    }
    expect((await patch(404, { name: 'x' })).statusCode).toBe(404);
  });

  it('documents the face routes in OpenAPI', async () => {
    const paths = Object.keys((await api.inject({ url: '/api/v1/openapi.json' })).json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/search/faces', '/api/v1/search/faces/{embeddingId}', '/api/v1/faces/identities', '/api/v1/faces/identities/{id}']));
  });

  it('answers 503 naming the cause when face analysis is off', async () => {
    const off = build(false);
    const res = await (await auth.as(off, 'operator')).inject({ method: 'POST', url: '/api/v1/search/faces', payload: jpeg, headers: { 'content-type': 'image/jpeg' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toMatch(/face analysis is off/);
    await off.close();
  });
});
