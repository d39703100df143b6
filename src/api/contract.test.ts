import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCamera } from '../config/load.ts';
import { Health } from '../core/health.ts';
import { rootLogger } from '../core/log.ts';
import { createDiskObjects } from '../objects/disk.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { createRepositories } from '../store/repositories/index.ts';
import type { Repositories } from '../store/repositories/types.ts';
import type { Actor } from './contract/actor.ts';
import { registeredRoutes } from './route.ts';
import { buildApi } from './server.ts';
import { useAuthenticator } from './route.ts';
import { TestAuth } from '../../test/fixtures/api-auth.ts';
import { LiveCameras } from '../config/live-cameras.ts';

const cam = (id: string): ResolvedCamera => ({ id, name: id, siteId: 'main', stream: 0, url: `rtsp://127.0.0.1:1/${id}`, retentionDays: 7, detect: true });
const DIM = 4;
const T = new Date('2025-01-20T10:00:00Z');

// the API as a site runs it (real repositories on PGlite), with callers picked by a header
const actors: Record<string, Actor> = {
  admin: { kind: 'user', id: 0, name: 'root', role: 'admin', cameras: null, routes: null },
  // sees the gate camera only
  gate: { kind: 'user', id: 0, name: 'gate-guard', role: 'operator', cameras: ['cam_a'], routes: null },
};

describe('the API contract on the real routes (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-contract-'));
  const objects = createDiskObjects(path.join(root, 'objects'));
  let store: Store;
  let repos: Repositories;
  let app: ReturnType<typeof buildApi>;
  let auth: TestAuth | undefined;
  const ids = { eventA: 0, eventB: 0, faceA: 0, faceB: 0, identityA: 0, identityB: 0 };

  const call = (who: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: string | object, type = 'application/json') =>
    app.inject({ method, url, headers: { 'x-test-actor': who, ...(payload === undefined ? {} : { 'content-type': type }) }, payload });
  const get = (url: string, who = 'admin') => call(who, 'GET', url);

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store, { faces: { dim: DIM, model: 'test', identitySimilarity: 0.9, efSearch: 40 } });
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#456' } }).jpeg().toBuffer();
    for (const c of ['cam_a', 'cam_b']) {
      await objects.put('snapshots', `${c}/1.jpg`, jpeg, 'image/jpeg');
      const eventId = await repos.events.upsert({
        eventKey: `${c}:1`, cameraId: c, eventType: 'detection', label: 'person', confidence: 0.9, bbox: [1, 2, 10, 20],
        snapshotPath: `${c}/1.jpg`, startTime: T, endTime: null,
      });
      // two people far apart: one identity each
      const face = await repos.faces.recordTrackFace({
        cameraId: c, trackId: 1, eventKey: `${c}:1`, seenAt: T, embedding: c === 'cam_a' ? [1, 0, 0, 0] : [0, 1, 0, 0], quality: 0.8, bbox: [1, 2, 5, 6],
      });
      if (c === 'cam_a') Object.assign(ids, { eventA: eventId, faceA: face.embeddingId, identityA: face.identityId });
      else Object.assign(ids, { eventB: eventId, faceB: face.embeddingId, identityB: face.identityId });
    }
    app = buildApi({
      cameras: new LiveCameras([cam('cam_a'), cam('cam_b')]), repos, objects, store, health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger,
      status: () => undefined, recordings: { dir: path.join(root, 'recordings'), tmpDir: path.join(root, 'tmp') },
      auth: (auth = await TestAuth.open({ repos })).stack,
    });
    useAuthenticator(app, async (req: FastifyRequest) => actors[String(req.headers['x-test-actor'])] ?? null);
    await app.ready();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await auth?.close();
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('a caller scoped to camera cam_a never sees camera cam_b', () => {
    it('camera lists and details: another camera is reported like an unknown one', async () => {
      expect((await get('/api/v1/cameras', 'gate')).json().items.map((c: { id: string }) => c.id)).toEqual(['cam_a']);
      expect((await get('/api/v1/cameras')).json().items).toHaveLength(2);
      const hidden = await get('/api/v1/cameras/cam_b', 'gate');
      const unknown = await get('/api/v1/cameras/cam_z', 'gate');
      expect([hidden.statusCode, unknown.statusCode]).toEqual([404, 404]);
      expect(hidden.json().message).toBe(unknown.json().message.replace('cam_z', 'cam_b'));
      expect((await get('/api/v1/cameras/cam_a', 'gate')).statusCode).toBe(200);
    });

    it('live HLS, the live URLs, the player page and WHEP', async () => {
      for (const url of ['/live/cam_b/index.m3u8', '/live/cam_b/sub/index.m3u8', '/api/v1/cameras/cam_b/live', '/player/cam_b']) {
        const r = await get(url, 'gate');
        expect([url, r.statusCode, r.json().message]).toEqual([url, 404, "no camera with id 'cam_b'"]);
      }
      expect((await get('/api/v1/cameras/cam_a/live', 'gate')).statusCode).toBe(200);
      const offer = (id: string) => call('gate', 'POST', `/api/v1/cameras/${id}/whep`, 'v=0\r\n', 'application/sdp');
      expect((await offer('cam_b')).statusCode).toBe(404);
      // its own camera gets past the scope: WebRTC is off in this API
      expect((await offer('cam_a')).statusCode).toBe(503);
    });

    it('recordings: timeline, VOD and export', async () => {
      const range = 'from=2025-01-20T10:00:00Z&to=2025-01-20T11:00:00Z';
      for (const url of [`/api/v1/cameras/cam_b/recordings?${range}`, `/vod/cam_b.m3u8?${range}`, '/vod/cam_b/seg/1.ts', `/api/v1/cameras/cam_b/export.mp4?${range}`]) {
        const r = await get(url, 'gate');
        expect([url, r.statusCode, r.json().message]).toEqual([url, 404, "no camera with id 'cam_b'"]);
      }
      expect((await get(`/api/v1/cameras/cam_a/recordings?${range}`, 'gate')).statusCode).toBe(200);
    });

    it('events: list, filter, details, snapshot and clip', async () => {
      const cameras = (await get('/api/v1/events?limit=500', 'gate')).json().items.map((e: { camera_id: string }) => e.camera_id);
      expect(new Set(cameras)).toEqual(new Set(['cam_a']));
      expect((await get('/api/v1/events?camera=cam_b', 'gate')).json()).toEqual({ items: [], next_cursor: null });
      for (const url of [`/api/v1/events/${ids.eventB}`, `/api/v1/events/${ids.eventB}/snapshot`, `/api/v1/events/${ids.eventB}/clip`]) {
        const r = await get(url, 'gate');
        expect([url, r.statusCode, r.json().message]).toEqual([url, 404, `no event with id ${ids.eventB}`]);
      }
      expect((await get(`/api/v1/events/${ids.eventA}/snapshot`, 'gate')).headers['content-type']).toBe('image/jpeg');
      expect((await get(`/api/v1/events/${ids.eventB}/snapshot`)).statusCode).toBe(200);
    });

    it('faces: identities, search by a stored face, naming', async () => {
      const listed = (await get('/api/v1/faces/identities', 'gate')).json().items.map((i: { id: number }) => i.id);
      expect(listed).toEqual([ids.identityA]);
      expect((await get('/api/v1/faces/identities')).json().items).toHaveLength(2);
      expect((await get(`/api/v1/search/faces/${ids.faceB}`, 'gate')).statusCode).toBe(404);
      // searching from its own camera's face never returns the other camera's faces
      const matches = (await get(`/api/v1/search/faces/${ids.faceA}?min_similarity=-1`, 'gate')).json().matches;
      expect(matches).toEqual([]);
      expect((await get(`/api/v1/search/faces/${ids.faceA}?min_similarity=-1`)).json().matches.map((m: { camera_id: string }) => m.camera_id)).toEqual(['cam_b']);
      const rename = await call('gate', 'PATCH', `/api/v1/faces/identities/${ids.identityB}`, { name: 'Bob' });
      expect([rename.statusCode, rename.json().message]).toEqual([404, `no face identity with id ${ids.identityB}`]);
      expect((await repos.faces.getIdentity(ids.identityB))!.person_name).toBeNull();
      const named = await call('gate', 'PATCH', `/api/v1/faces/identities/${ids.identityA}`, { name: 'Ann' });
      expect(named.json()).toMatchObject({ id: ids.identityA, name: 'Ann' });
      const audit = await store.query<{ details: { by: string } }>(`SELECT details FROM audit_log WHERE resource = $1`, [`face_identities/${ids.identityA}`]);
      expect(audit.rows.map((r) => r.details.by)).toEqual(['user:gate-guard']);
    });
  });

  describe('strings and times the database cannot store are a 400 naming the parameter, never a 500', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad: Array<[string, () => ReturnType<typeof get>, RegExp]> = [
      ['NUL in a query value', () => get('/api/v1/events?class=per%00son'), /'class'.*NUL/],
      ['NUL in a camera id', () => get('/api/v1/alerts?camera=cam%00'), /'camera'.*NUL/],
      ['NUL in a path parameter', () => get('/api/v1/cameras/cam%00a'), /'id'.*NUL/],
      ['year 0000', () => get('/api/v1/events?from=0000-01-01T00:00:00Z'), /'from'.*1970/],
      ['year 0000 in a face search', () => get(`/api/v1/search/faces/1?to=0000-06-01T00:00:00Z`), /'to'.*1970/],
      ['year 10000', () => get('/api/v1/alerts?to=%2B010000-01-01T00:00:00Z'), /'to'/],
      ['a forged event cursor of year 0000', () => get(`/api/v1/events?cursor=${forged(['0000-01-01T00:00:00.000Z', 1])}`), /'cursor' is not a cursor/],
      ['a forged identity cursor of year 10000', () => get(`/api/v1/faces/identities?cursor=${forged(['+010000-01-01T00:00:00.000Z', 1])}`), /'cursor' is not a cursor/],
      ['a forged alert cursor', () => get(`/api/v1/alerts?cursor=${forged(1e30)}`), /'cursor' is not a cursor/],
      ['a cursor that is not base64url', () => get('/api/v1/events?cursor=a%2Fb'), /'cursor'/],
      ['a forged dead-letter cursor', () => get('/api/v1/notifications/dlq?cursor=99999999999999999999'), /'cursor' is not a cursor/],
      ['NUL in a note', () => call('admin', 'POST', '/api/v1/alerts/1/ack', '{"note":"a\\u0000b"}'), /'note'.*NUL/],
      ['a lone surrogate in a note', () => call('admin', 'POST', '/api/v1/alerts/1/ack', '{"note":"\\ud800"}'), /'note'.*surrogate/],
      ['a lone low surrogate in a key', () => call('admin', 'POST', '/api/v1/alerts/1/resolve', '{"\\udc00":1}'), /surrogate/],
      ['NUL in an identity name', () => call('admin', 'PATCH', `/api/v1/faces/identities/${ids.identityA}`, '{"name":"Ann\\u0000"}'), /'name'.*NUL/],
      ['NUL in a push endpoint', () => call('admin', 'DELETE', '/api/v1/push/subscriptions', '{"endpoint":"https://push.example/\\u0000"}'), /'endpoint'.*NUL/],
      ['a __proto__ key', () => call('admin', 'POST', '/api/v1/alerts/1/ack', '{"__proto__":{"x":1}}'), /forbidden key/],
      ['malformed JSON', () => call('admin', 'POST', '/api/v1/alerts/1/ack', '{"note":'), /not valid JSON/],
    ];
    it.each(bad)('%s', async (_what, send, why) => {
      const r = await send();
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(why) });
    });

    it('a surrogate pair (a real character) is stored as sent', async () => {
      const r = await call('admin', 'PATCH', `/api/v1/faces/identities/${ids.identityB}`, { name: 'Bob 🙂' });
      expect(r.json()).toMatchObject({ name: 'Bob 🙂' });
    });
  });

  describe('the OpenAPI document', () => {
    type Operation = {
      security: unknown[]; requestBody?: { content: Record<string, { schema?: { type?: string; properties?: object } }> };
      responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
    };
    let doc: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { type: string; name?: string; scheme?: string }> } };
    beforeAll(async () => {
      doc = (await get('/api/v1/openapi.json')).json();
    });
    const op = (method: string, url: string) => doc.paths[url.replace(/:([A-Za-z_]+)/g, '{$1}')]![method.toLowerCase()]!;

    it('declares bearer JWT, X-API-Key and the session cookie, required on every route but the public ones', () => {
      expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', name: 'X-API-Key' }, session: { type: 'apiKey' } });
      for (const r of registeredRoutes(app)) {
        const security = op(r.method, r.url).security;
        expect([r.url, security.length > 0]).toEqual([r.url, r.permission !== 'public']);
      }
    });

    it('declares the request body of every route that reads one: JSON fields, or the raw type', () => {
      expect(Object.keys(op('POST', '/api/v1/alerts/:id/ack').requestBody!.content['application/json']!.schema!.properties!)).toEqual(['note']);
      expect(Object.keys(op('PATCH', '/api/v1/faces/identities/:id').requestBody!.content)).toEqual(['application/json']);
      expect(Object.keys(op('POST', '/api/v1/search/faces').requestBody!.content)).toEqual(['image/jpeg', 'image/png', 'multipart/form-data']);
      expect(op('POST', '/api/v1/cameras/:id/whep').requestBody!.content['application/sdp']!.schema).toEqual({ type: 'string' });
      for (const r of registeredRoutes(app)) if (r.body || r.consumes) expect([r.url, op(r.method, r.url).requestBody !== undefined]).toEqual([r.url, true]);
    });

    it('declares the response body of every JSON route and every failure with the error schema', () => {
      // routes that never succeed with a JSON body: a WebSocket endpoint (426 without Upgrade) and trickle ICE (405)
      const noJsonSuccess = new Set(['GET /ws/alerts', 'PATCH /api/v1/cameras/:id/whep/:session']);
      for (const r of registeredRoutes(app)) {
        const responses = op(r.method, r.url).responses;
        const success = responses[String(r.status ?? 200)]!;
        if ((r.produces ?? 'application/json') === 'application/json' && r.status !== 204 && !noJsonSuccess.has(`${r.method} ${r.url}`)) {
          expect([r.method, r.url, Object.keys(success.content?.['application/json']?.schema ?? {}).length > 0]).toEqual([r.method, r.url, true]);
        }
        expect([r.url, responses['400']?.content?.['application/json']?.schema]).toEqual([r.url, { $ref: '#/components/schemas/Error' }]);
        if (r.permission !== 'public') expect([r.url, Object.keys(responses).filter((s) => s === '401' || s === '403')]).toEqual([r.url, ['401', '403']]);
      }
      expect(Object.keys(op('POST', '/api/v1/alerts/:id/ack').responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '413', '415', '429']));
      expect(op('GET', '/api/v1/alerts').responses['200']!.content!['application/json']!.schema).toMatchObject({
        properties: { items: { type: 'array' }, next_cursor: { type: ['string', 'null'] } },
      });
      expect(Object.keys(op('POST', '/api/v1/notifications/dlq/:id/retry').responses)).toContain('202');
    });
  });
});
