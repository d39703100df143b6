import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.ts';
import { TestAuth, type Injector } from '../fixtures/api-auth.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Health } from '../../src/core/health.ts';
import { rootLogger } from '../../src/core/log.ts';
import type { Objects } from '../../src/objects/port.ts';
import { faceStoreOptions } from '../../src/roles/context.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories, type RecordedFace, type Repositories } from '../../src/store/repositories/index.ts';
import { createFaceEmbedder } from '../../src/vision/faces/embedder.ts';
import type { FaceEmbedder } from '../../src/vision/faces/types.ts';
import { LiveCameras } from '../../src/config/live-cameras.ts';

const IMAGES = '.cache/faces/images';
const havePhotos = existsSync(`${IMAGES}/obama.jpg`) && existsSync(`${IMAGES}/biden.jpg`);
if (!havePhotos) console.warn(`skipping face search integration: face photos not found in ${IMAGES} (run scripts/fetch-face-pairs.sh)`);

/** Faces "seen by cameras" (one track each), then searched with other photos through the HTTP API. */
describe.skipIf(!havePhotos)('face search: stored track faces found by photo (real embedder, PGlite)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-face-search-'));
  const seenAt = new Date('2025-01-20T10:00:00Z');
  let store: Store;
  let repos: Repositories;
  let embedder: FaceEmbedder;
  let app: ReturnType<typeof buildApi>;
  let auth: TestAuth;
  let api: Injector;
  const recorded = new Map<string, RecordedFace>();

  beforeAll(async () => {
    [store, embedder] = await Promise.all([openStore({ kind: 'pglite' }, path.join(root, 'db')), createFaceEmbedder()]);
    repos = createRepositories(store, { faces: faceStoreOptions(configSchema.parse({})) });
    const seen = ['obama.jpg', 'obama2.jpg', 'biden.jpg', 'sample1-face1.jpg', 'sample2-face1.jpg', 'sample3-face1.jpg'];
    for (const [i, file] of seen.entries()) {
      const face = await embedder.embedImage(await readFile(`${IMAGES}/${file}`));
      const eventKey = `cam_door:${i + 1}`;
      await repos.events.upsert({
        eventKey, cameraId: 'cam_door', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null,
        snapshotPath: `cam_door/${i + 1}.jpg`, startTime: new Date(seenAt.getTime() + i * 60_000), endTime: null,
      });
      recorded.set(file, await repos.faces.recordTrackFace({
        cameraId: 'cam_door', trackId: i + 1, eventKey, seenAt: new Date(seenAt.getTime() + i * 60_000),
        embedding: face.embedding, quality: face.quality.score, bbox: face.box,
      }));
    }
    auth = await TestAuth.open({ repos });
    app = buildApi({
      auth: auth.stack, cameras: new LiveCameras(), repos, objects: {} as Objects, store, health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger,
      status: () => undefined, faceEmbedder: async () => embedder,
    });
    api = await auth.as(app, 'operator');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
    await embedder?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const search = async (file: string, query = '') => api.inject({
    method: 'POST', url: `/api/v1/search/faces${query}`, headers: { 'content-type': 'image/jpeg' }, payload: await readFile(`${IMAGES}/${file}`),
  });

  it('groups the two sightings of one person into one identity, and someone else into another', () => {
    const obama = recorded.get('obama.jpg')!;
    expect(recorded.get('obama2.jpg')!.identityId).toBe(obama.identityId);
    expect(recorded.get('biden.jpg')!.identityId).not.toBe(obama.identityId);
  });

  it('finds the person of an unseen photo among the stored faces, with camera, time, event and snapshot', async () => {
    const res = await search('obama3.jpg', '?k=3');
    expect(res.statusCode).toBe(200);
    const { query_face, matches } = res.json();
    expect(query_face.box).toHaveLength(4);
    expect(matches).toHaveLength(3);
    const obama = recorded.get('obama.jpg')!;
    expect(matches.slice(0, 2).map((m: { identity_id: number }) => m.identity_id)).toEqual([obama.identityId, obama.identityId]);
    expect(matches[0]).toMatchObject({ camera_id: 'cam_door', identity_name: null, snapshot_url: expect.stringMatching(/^\/api\/v1\/events\/\d+\/snapshot$/) });
    expect(matches[0].similarity).toBeGreaterThan(matches[2].similarity);
  });

  it('names the identity; later searches carry the name', async () => {
    const { identityId } = recorded.get('obama.jpg')!;
    const named = await api.inject({ method: 'PATCH', url: `/api/v1/faces/identities/${identityId}`, payload: { name: 'Barack Obama' } });
    expect(named.json()).toMatchObject({ id: identityId, name: 'Barack Obama', occurrence_count: 2 });
    expect((await search('obama3.jpg', '?k=1')).json().matches[0].identity_name).toBe('Barack Obama');
  });

  it('finds faces like a stored face by its embedding id', async () => {
    const res = await api.inject({ url: `/api/v1/search/faces/${recorded.get('obama.jpg')!.embeddingId}?k=1` });
    expect(res.json().matches[0].embedding_id).toBe(recorded.get('obama2.jpg')!.embeddingId);
  });

  it('answers 422 naming the cause for a photo without a face', async () => {
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a7a7a' } }).jpeg().toBuffer();
    const res = await api.inject({ method: 'POST', url: '/api/v1/search/faces', headers: { 'content-type': 'image/jpeg' }, payload: blank });
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toMatch(/^no face found/);
  });
});
