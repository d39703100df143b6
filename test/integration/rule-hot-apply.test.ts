import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, stream } from '../../src/analytics/rules/testing/stream.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { TOPICS } from '../../src/core/types.ts';
import { startAnalytics } from '../../src/roles/analytics.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext, type RoleContext, type RunningRole } from '../../src/roles/context.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { until } from '../fixtures/until.ts';

const CAMERA = 'cam_a';
const square = [[100, 100], [500, 100], [500, 600], [100, 600]];

/**
 * A rule edited through the API applies to the very next analysed frame, with no restart, and the
 * edit survives a restart of the analytics role whose YAML still says otherwise.
 */
describe('rule edited through the API, applied on the next frame', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rule-hot-apply-'));
  let ctx: RoleContext;
  let analytics: RunningRole | undefined;
  let api: (RunningRole & { url: string }) | undefined;
  let admin: AuthHeaders;
  const frame = stream(CAMERA, '2025-01-20T12:00:00Z');
  const person = (i: number) => frame(i, [{ id: 7, bbox: at(300, 400) }]);
  const frames = async () => (await ctx.store.query<{ n: number }>('SELECT count(*)::int AS n FROM rules_window')).rows[0]!.n;
  const alerts = async () => (await ctx.store.query<{ rule_key: string; triggered_at: Date }>('SELECT rule_key, triggered_at FROM alerts ORDER BY id')).rows;
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await fetch(`${api!.url}${url}`, { method, headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    const loaded = resolveConfig({
      storage: { data_dir: root }, api: { port: 0 }, live: { webrtc: false },
      sites: [{ id: 'main', cameras: [{ id: CAMERA, url: 'rtsp://127.0.0.1:1/none' }] }],
      // night mode off (factor 1), so the durations below hold whatever time the test runs at
      rules: { night: { time_factor: 1 }, cameras: { [CAMERA]: { zones: { yard: { polygon: square } }, rules: { stay: { type: 'loitering', zone: 'yard', params: { seconds: 600 } } } } } },
    }, 'rule-hot-apply-test', {}, root);
    ctx = await openContext(loaded, createLogger('silent'));
    analytics = await startAnalytics(ctx, { outboxIntervalMs: 200 });
    api = await startApiRole(ctx);
    admin = await authHeaders(api.url, ctx.repos, 'admin');
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await analytics?.stop();
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fires on the first frame after the edit, and keeps the edit across a restart', async () => {
    // the YAML's rule (10 min) does not fire on 20 s of a person in the yard
    for (let i = 0; i <= 20; i++) await ctx.bus.publish(TOPICS.aiDetections, CAMERA, person(i));
    await until('21 frames evaluated', 60_000, async () => ((await frames()) === 21 ? true : undefined));
    expect(await alerts()).toEqual([]);

    const stored = await call('GET', `/api/v1/rules/${CAMERA}/stay`);
    expect(stored.body).toMatchObject({ version: 1, updated_by: 'system:config-file' });
    const edited = await call('PUT', `/api/v1/rules/${CAMERA}/stay`, { definition: { type: 'loitering', zone: 'yard', params: { seconds: 10 } }, version: 1 });
    expect([edited.status, edited.body.version]).toEqual([200, 2]);

    // the person has been in the yard for 20 s: the edited rule fires on the next frame
    await ctx.bus.publish(TOPICS.aiDetections, CAMERA, person(21));
    const fired = await until('the edited rule\'s alert', 60_000, async () => ((await alerts()).length ? await alerts() : undefined));
    expect(fired).toEqual([{ rule_key: 'stay', triggered_at: new Date(person(21).timestamp) }]);

    // restarted with the same YAML (its entry unchanged): the API's edit stays
    await analytics!.stop();
    analytics = await startAnalytics(ctx, { outboxIntervalMs: 200 });
    expect((await call('GET', `/api/v1/rules/${CAMERA}/stay`)).body).toMatchObject({ version: 2, definition: { params: { seconds: 10 } } });
  }, 120_000);

  it('serves the camera\'s newest frame as its snapshot (503 before the first)', async () => {
    const snapshot = () => fetch(`${api!.url}/api/v1/cameras/${CAMERA}/snapshot.jpg`, { headers: admin });
    const before = await snapshot();
    expect([before.status, ((await before.json()) as { error: string }).error]).toEqual([503, 'no_frame']);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await ctx.bus.publish(TOPICS.streamsRaw, CAMERA, { camera_id: CAMERA, timestamp: new Date().toISOString(), seq: 1, width: 960, height: 1080, jpeg });
    const r = await until('the snapshot', 30_000, async () => { const s = await snapshot(); return s.status === 200 ? s : undefined; });
    expect([r.headers.get('content-type'), Buffer.from(await r.arrayBuffer())]).toEqual(['image/jpeg', jpeg]);
  }, 60_000);
});

describe('rules file edited while running', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rules-file-'));
  const file = path.join(root, 'rules.yaml');
  let ctx: RoleContext;
  let analytics: RunningRole | undefined;
  const rulesYaml = (seconds: number) => `night: { time_factor: 1 }
cameras:
  ${CAMERA}:
    zones: { yard: { polygon: ${JSON.stringify(square)} } }
    rules: { stay: { type: loitering, zone: yard, params: { seconds: ${seconds} } } }
`;

  beforeAll(async () => {
    fs.writeFileSync(file, rulesYaml(600));
    const loaded = resolveConfig({
      storage: { data_dir: root }, sites: [{ id: 'main', cameras: [{ id: CAMERA, url: 'rtsp://127.0.0.1:1/none' }] }], rules: { file: 'rules.yaml' },
    }, path.join(root, 'vigil.yaml'), {}, root);
    ctx = await openContext(loaded, createLogger('silent'));
    analytics = await startAnalytics(ctx, { outboxIntervalMs: 200 });
  }, 120_000);

  afterAll(async () => {
    await analytics?.stop();
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('goes through the configuration store (a new version by the config file) and applies', async () => {
    const system = { kind: 'system', id: 0, name: 'test', cameras: null } as const;
    const rule = () => ctx.settings.get(system, { kind: 'rule', scope: CAMERA, id: 'stay' });
    expect(await rule()).toMatchObject({ version: 1, definition: { params: { seconds: 600 } } });
    fs.writeFileSync(file, rulesYaml(10));
    const edited = await until('the file\'s edit stored', 30_000, async () => ((await rule()).version === 2 ? rule() : undefined));
    expect(edited).toMatchObject({ updated_by: 'system:config-file', definition: { params: { seconds: 10 } } });
    const frame = stream(CAMERA, '2025-01-20T12:00:00Z');
    for (let i = 0; i <= 12; i++) await ctx.bus.publish(TOPICS.aiDetections, CAMERA, frame(i, [{ id: 7, bbox: at(300, 400) }]));
    const alerts = async () => (await ctx.store.query<{ rule_key: string }>('SELECT rule_key FROM alerts')).rows;
    expect(await until('an alert of the edited rule', 60_000, async () => ((await alerts()).length ? alerts() : undefined))).toEqual([{ rule_key: 'stay' }]);
  }, 120_000);
});
