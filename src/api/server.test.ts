import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { TestAuth } from '../../test/fixtures/api-auth.ts';
import type { ResolvedCamera } from '../config/load.ts';
import { Health } from '../core/health.ts';
import { rootLogger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import type { Objects } from '../objects/port.ts';
import { NotFoundError } from '../objects/port.ts';
import type { Store } from '../store/port.ts';
import { InvalidCursorError, type EventRow, type Repositories } from '../store/repositories/types.ts';
import { warnIfPlainHttpBeyondLoopback, buildApi } from './server.ts';
import { LiveCameras } from '../config/live-cameras.ts';

const camera: ResolvedCamera = {
  id: 'cam_001', name: 'Gate', siteId: 'main', dvrId: 'dvr1', channel: 1, stream: 0, retentionDays: 7, detect: true,
  url: 'rtsp://10.0.0.5:554/user=admin&password=hunter22&channel=1&stream=0.sdp?',
};
registerSecret('hunter22');

const event: EventRow = {
  id: 7, event_key: 'cam_001:1', camera_id: 'cam_001', event_type: 'detection', label: 'person', confidence: 0.91,
  bounding_box: [1, 2, 3, 4], snapshot_path: 'cam_001/1.jpg', clip_path: null, start_time: new Date('2026-01-01T00:00:00Z'), end_time: null,
  severity: null, metadata: {}, late: false, created_at: new Date(), face_embedding_id: null,
};

const calls: unknown[] = [];
const extraEvents = new Map<number, EventRow>();
const snapshots = new Map<string, Buffer>();
// In-memory stand-ins isolate the HTTP layer; the real repositories have their own contract suite.
const repos = {
  cameras: {} as Repositories['cameras'],
  segments: {
    stats: async () => ({ segments: 3, bytes: 100, first: null, last: new Date('2025-01-20T10:00:00Z') }),
    gaps: async () => [{ camera_id: 'cam_001', start_time: new Date('2025-01-20T10:00:00Z'), end_time: null, cause: 'camera cam_001: DVR unreachable' }],
  } as unknown as Repositories['segments'],
  events: {
    get: async (id: number) => (id === 7 ? event : extraEvents.get(id) ?? null),
    list: async (f: { cursor?: string }) => {
      calls.push(f);
      if (f.cursor === 'bad') throw new InvalidCursorError('bad');
      return { items: [event], nextCursor: null };
    },
  } as unknown as Repositories['events'],
  analysis: {
    state: async () => ({ liveUntil: new Date('2025-01-20T09:59:50Z'), cursor: new Date('2025-01-20T09:58:00Z'), holes: 1, unanalysedSeconds: 90.4 }),
  } as unknown as Repositories['analysis'],
} as Repositories;
const objects = {
  get: async (_b: string, k: string) => {
    if (k === 'cam_001/1.jpg') return Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    const stored = snapshots.get(k);
    if (stored) return stored;
    throw new NotFoundError(k);
  },
} as unknown as Objects;
const store = { ping: async () => true } as unknown as Store;
const health = new Health();
const auth = await TestAuth.open();
const app = buildApi({
  auth: auth.stack, cameras: new LiveCameras([camera]), repos, objects, store, health, version: 'test', startedAt: new Date(), log: rootLogger,
  status: () => ({ state: 'streaming', connected: true, lastFrameAt: null, lastSegmentAt: null, reconnects: 2, currentBackoffMs: 0, lastError: 'DVR said 401 for password=hunter22', sourceFps: 25, analysisFps: 1, bitrateKbps: 2000 }),
});
const api = await auth.as(app, 'admin');
afterAll(async () => {
  await app.close();
  await auth.close();
});

describe('API', () => {
  it('lists cameras', async () => {
    const r = await api.inject('/api/v1/cameras');
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toContain('hunter22');
    expect(r.json().items[0]).toMatchObject({ id: 'cam_001', connected: true });
  });

  it('camera details carry health and recording state, redacted', async () => {
    const r = await api.inject('/api/v1/cameras/cam_001');
    expect(r.json()).toMatchObject({ health: { reconnects: 2, source_fps: 25, analysis_fps: 1 }, recording: { state: 'recording', segments: 3, open_gap: { since: '2025-01-20T10:00:00.000Z', cause: 'camera cam_001: DVR unreachable' } } });
    // lag: from the cursor to the newest recorded video
    expect(r.json().analysis).toEqual({ cursor: '2025-01-20T09:58:00.000Z', live_until: '2025-01-20T09:59:50.000Z', lag_seconds: 120, holes: 1, unanalysed_seconds: 90 });
    expect(r.body).not.toContain('hunter22');
    expect((await api.inject('/api/v1/cameras/nope')).statusCode).toBe(404);
  });

  it('rejects unknown query keys naming them', async () => {
    const r = await api.inject('/api/v1/events?clas=person');
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain("'clas'");
  });

  it('validates times and ranges', async () => {
    expect((await api.inject('/api/v1/events?from=yesterday')).json().message).toContain("'from'");
    const r = await api.inject('/api/v1/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain('after');
    expect((await api.inject('/api/v1/events?limit=0')).statusCode).toBe(400);
    expect((await api.inject('/api/v1/events?cursor=bad')).statusCode).toBe(400);
  });

  it('passes filters to the repository and shapes events', async () => {
    const r = await api.inject('/api/v1/events?class=person&camera=cam_001&limit=5');
    expect(r.statusCode).toBe(200);
    expect(calls.at(-1)).toMatchObject({ label: 'person', cameraIds: ['cam_001'], limit: 5 });
    expect(r.json().items[0]).toMatchObject({ id: 7, class: 'person', snapshot_url: '/api/v1/events/7/snapshot', late: false });
    await api.inject('/api/v1/events?late=true');
    expect(calls.at(-1)).toMatchObject({ late: true });
    const bad = await api.inject('/api/v1/events?late=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/late/);
  });

  it('serves snapshots and 404s', async () => {
    const r = await api.inject('/api/v1/events/7/snapshot');
    expect(r.headers['content-type']).toBe('image/jpeg');
    // a stored picture that cannot be drawn on is still sent, as taken
    expect(r.rawPayload).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect((await api.inject('/api/v1/events/8')).statusCode).toBe(404);
    expect((await api.inject('/api/v1/events/abc')).statusCode).toBe(400);
  });

  it('draws the event\'s box on its snapshot unless boxes=0, and rejects other values with a 400', async () => {
    const clean = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
    const boxed = { ...event, id: 9, snapshot_path: 'cam_001/9.jpg', bounding_box: [40, 30, 160, 140] as EventRow['bounding_box'] };
    snapshots.set('cam_001/9.jpg', clean);
    extraEvents.set(9, boxed);
    const plain = await api.inject('/api/v1/events/9/snapshot?boxes=0');
    expect(plain.rawPayload.equals(clean)).toBe(true);
    const drawn = await api.inject('/api/v1/events/9/snapshot');
    expect(drawn.headers['content-type']).toBe('image/jpeg');
    const { data, info } = await sharp(drawn.rawPayload).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [r, g, b] = at(40, 90);
    expect(r! - Math.max(g!, b!), 'left edge of the box is drawn in the person colour').toBeGreaterThan(100);
    expect(at(100, 90).every((v) => Math.abs(v - 90) < 15), 'inside the box untouched').toBe(true);
    const bad = await api.inject('/api/v1/events/9/snapshot?boxes=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/boxes/);
  });

  it('probes: startup and ready wait for markStarted', async () => {
    expect((await api.inject('/health/live')).statusCode).toBe(200);
    expect((await api.inject('/health/startup')).statusCode).toBe(503);
    health.markStarted();
    expect((await api.inject('/health/ready')).statusCode).toBe(200);
    health.set('edge', 'critical', 'disk full');
    expect((await api.inject('/health/ready')).statusCode).toBe(503);
  });

  it('exposes metrics and an OpenAPI document from the route schemas', async () => {
    expect((await api.inject('/metrics')).body).toContain('stream_active');
    const doc = (await api.inject('/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toContain('/api/v1/events/{id}');
    expect(doc.paths['/api/v1/events'].get.parameters.map((p: { name: string }) => p.name)).toContain('class');
    const camera = doc.paths['/api/v1/cameras/{id}'].get.responses[200].content['application/json'].schema;
    expect(camera.properties.health.properties.source_fps.description).toMatch(/frames per second the camera sends/);
    expect(Object.keys(camera.properties.health.properties)).toEqual(['reconnects', 'current_backoff_ms', 'last_error', 'source_fps', 'analysis_fps', 'bitrate_kbps']);
  });

  it('binds any address (every caller signs in), warning once about plain HTTP beyond loopback', () => {
    const warnings: unknown[] = [];
    const log = { warn: (...a: unknown[]) => warnings.push(a) } as unknown as typeof rootLogger;
    const plain = { tls: false, trustedProxies: false };
    warnIfPlainHttpBeyondLoopback('127.0.0.1', plain, log);
    warnIfPlainHttpBeyondLoopback('0.0.0.0', { ...plain, tls: true }, log);
    warnIfPlainHttpBeyondLoopback('0.0.0.0', { ...plain, trustedProxies: true }, log);
    expect(warnings).toHaveLength(0);
    warnIfPlainHttpBeyondLoopback('0.0.0.0', plain, log);
    expect(warnings).toHaveLength(1);
  });

  it('refuses a body a route does not take before reading it, with a short reason', async () => {
    const photo = Buffer.alloc(10 * 1024 * 1024, 7);
    const png = await api.inject({ method: 'POST', url: '/api/v1/alerts/1/ack', headers: { 'content-type': 'image/png' }, payload: photo });
    expect(png.statusCode).toBe(415);
    expect(png.json().message).toBe('this route takes a body of type application/json (got image/png)');
    const big = await api.inject({ method: 'POST', url: '/api/v1/alerts/1/ack', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ by: 'x', note: 'y'.repeat(100_000) }) });
    expect([big.statusCode, big.json().error]).toEqual([413, 'too_large']);
  });

  it('names a body with thousands of unknown fields in a bounded message', async () => {
    const fields = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, 1]));
    const r = await api.inject({ method: 'POST', url: '/api/v1/alerts/1/ack', payload: { note: 'checked', ...fields } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain("unknown body fields 'f0', 'f1', 'f2', 'f3', 'f4' and 4995 more");
    expect(r.body.length).toBeLessThan(1200);
  });
});
