import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { accountsApi } from '../../../test/fixtures/accounts-api.ts';
import { nightSchema } from '../../analytics/rules/schema.ts';
import { at, stream } from '../../analytics/rules/testing/stream.ts';
import { openSettings } from '../../settings/open.ts';
import { rulesWindowRepo } from '../../store/repositories/rules-window.ts';

const square = [[100, 100], [500, 100], [500, 600], [100, 600]];

describe('settings routes: zones, lines, rules, dry run, export', () => {
  let api: Awaited<ReturnType<typeof accountsApi>>;
  beforeAll(async () => {
    api = await accountsApi(['cam_a', 'cam_b'], (store) => ({
      configuration: {
        settings: openSettings(store, async () => ['cam_a', 'cam_b']), store,
        rules: { settings: () => ({ night: nightSchema.parse({}), track_expiry_seconds: 30 }), engine: { timezone: 'UTC' } },
      },
    }));
  }, 60_000);
  afterAll(() => api?.close());

  const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, role = 'admin', cameras?: string) =>
    api.app.inject({ method, url, payload, headers: { 'x-test-role': role, ...(cameras ? { 'x-test-cameras': cameras } : {}) } });

  it('creates, reads, replaces and deletes a zone with versions, refusing a stale one with 409', async () => {
    const created = await call('PUT', '/api/v1/zones/cam_a/yard', { definition: { name: 'Yard', polygon: square }, version: 0 });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ camera: 'cam_a', id: 'yard', version: 1, updated_by: 'user:test-admin', definition: { name: 'Yard', classes: ['person'] } });
    const replaced = await call('PUT', '/api/v1/zones/cam_a/yard', { definition: { name: 'Yard', polygon: square, inertia: 3 }, version: 1 });
    expect(replaced.json()).toMatchObject({ version: 2, definition: { inertia: 3 } });
    const stale = await call('PUT', '/api/v1/zones/cam_a/yard', { definition: { polygon: square }, version: 1 });
    expect([stale.statusCode, stale.json().error]).toEqual([409, 'version_conflict']);
    expect((await call('GET', '/api/v1/zones/cam_a/yard')).json()).toMatchObject({ version: 2 });
    await call('PUT', '/api/v1/zones/cam_b/dock', { definition: { polygon: square } });
    expect((await call('GET', '/api/v1/zones?camera=cam_b')).json().items.map((z: { id: string }) => z.id)).toEqual(['dock']);
    expect((await call('DELETE', '/api/v1/zones/cam_b/dock?version=9')).statusCode).toBe(409);
    expect((await call('DELETE', '/api/v1/zones/cam_b/dock?version=1')).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/zones/cam_b/dock')).statusCode).toBe(404);
    // every write left an audit row with the new version
    const { rows } = await api.store.query<{ action: string; details: { version?: number }; status: number }>(
      `SELECT action, details, status FROM audit_log WHERE resource LIKE '/api/v1/zones/%' ORDER BY id`);
    expect(rows.map((r) => [r.action, r.status, r.details.version ?? null])).toEqual([
      ['PUT /api/v1/zones/:cameraId/:id', 200, 1], ['PUT /api/v1/zones/:cameraId/:id', 200, 2], ['PUT /api/v1/zones/:cameraId/:id', 409, null],
      ['PUT /api/v1/zones/:cameraId/:id', 200, 1], ['DELETE /api/v1/zones/:cameraId/:id', 409, null], ['DELETE /api/v1/zones/:cameraId/:id', 204, null],
    ]);
  });

  it('answers bad geometry and references with 400s that say why, and a zone in use with 409', async () => {
    const bowTie = await call('PUT', '/api/v1/zones/cam_a/bad', { definition: { polygon: [[0, 0], [100, 100], [100, 0], [0, 100]] } });
    expect([bowTie.statusCode, bowTie.json().message]).toEqual([400, expect.stringMatching(/edges cross/)]);
    const twoPoints = await call('PUT', '/api/v1/zones/cam_a/bad', { definition: { polygon: [[0, 0], [1, 1]] } });
    expect([twoPoints.statusCode, twoPoints.json().message]).toEqual([400, expect.stringMatching(/definition\.polygon.*needs ≥ 3 points/)]);
    const sameLinePoints = await call('PUT', '/api/v1/lines/cam_a/l', { definition: { points: [[5, 5], [5, 5]] } });
    expect([sameLinePoints.statusCode, sameLinePoints.json().message]).toEqual([400, expect.stringMatching(/must differ/)]);
    const unknownZone = await call('PUT', '/api/v1/rules/cam_a/r', { definition: { type: 'loitering', zone: 'nope' } });
    expect([unknownZone.statusCode, unknownZone.json().message]).toEqual([400, expect.stringMatching(/no zone "nope" \(zones: yard\)/)]);
    expect((await call('PUT', '/api/v1/zones/cam_zz/z', { definition: { polygon: square } })).statusCode).toBe(404);
    expect((await call('PUT', '/api/v1/rules/cam_a/stay', { definition: { type: 'loitering', zone: 'yard', params: { seconds: 10 } } })).statusCode).toBe(200);
    const inUse = await call('DELETE', '/api/v1/zones/cam_a/yard');
    expect([inUse.statusCode, inUse.json().message]).toEqual([409, expect.stringMatching(/used by rule stay/)]);
  });

  it('lets viewers read only their cameras\' objects and only admins write', async () => {
    expect((await call('GET', '/api/v1/rules', undefined, 'viewer', 'cam_b')).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/rules', undefined, 'viewer', 'cam_a')).json().items.map((r: { id: string }) => r.id)).toEqual(['stay']);
    expect((await call('GET', '/api/v1/zones/cam_a/yard', undefined, 'viewer', 'cam_b')).statusCode).toBe(404);
    expect((await call('PUT', '/api/v1/zones/cam_a/x', { definition: { polygon: square } }, 'operator')).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/rules/dry-run', { camera: 'cam_a', rule: { type: 'loitering', zone: 'yard' } }, 'operator')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/config/export', undefined, 'viewer')).statusCode).toBe(403);
  });

  it('dry-runs a drafted rule over the stored detections: how often and when it would have fired', async () => {
    const now = Date.now();
    const window = rulesWindowRepo(api.store);
    // three visits of 30 s in the drafted zone, 5 h, 3 h and 1 h ago; one visit outside it
    for (const [hoursAgo, x] of [[5, 300], [3, 300], [1, 300], [2, 800]] as const) {
      const frame = stream('cam_a', new Date(now - hoursAgo * 3600_000).toISOString());
      for (let i = 0; i <= 30; i++) await window.append({ ...frame(i, [{ id: 100 + hoursAgo, bbox: at(x, 400) }]), frame_seq: hoursAgo * 1000 + i });
    }
    const draft = { camera: 'cam_a', rule: { type: 'loitering', zone: 'draft', params: { seconds: 10 } }, zones: { draft: { polygon: square } } };
    const r = await call('POST', '/api/v1/rules/dry-run', draft);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ camera: 'cam_a', frames: 124, count: 3 });
    expect(body.per_hour).toHaveLength(24);
    expect(body.per_hour.reduce((n: number, h: { count: number }) => n + h.count, 0)).toBe(3);
    const firedHoursAgo = body.times.map((t: string) => Math.round((now - Date.parse(t)) / 3600_000));
    expect(firedHoursAgo).toEqual([5, 3, 1]);
    // a longer dwell than any visit (even at night, when durations halve) never fires; nothing was saved
    expect((await call('POST', '/api/v1/rules/dry-run', { ...draft, rule: { ...draft.rule, params: { seconds: 120 } } })).json().count).toBe(0);
    expect((await call('GET', '/api/v1/zones/cam_a/draft')).statusCode).toBe(404);
    const dangling = await call('POST', '/api/v1/rules/dry-run', { camera: 'cam_a', rule: { type: 'line_cross', line: 'nope' } });
    expect([dangling.statusCode, dangling.json().message]).toEqual([400, expect.stringMatching(/unknown line "nope"/)]);
  });

  it('exports the stored zones and rules as a YAML config', async () => {
    const r = await call('GET', '/api/v1/config/export');
    expect([r.statusCode, r.headers['content-type']]).toEqual([200, 'application/yaml; charset=utf-8']);
    const doc = parseYaml(r.body) as { rules: { night: unknown; cameras: Record<string, { zones: object; rules: object }> } };
    expect(doc.rules.night).toEqual({ from: '22:00', to: '06:00', time_factor: 0.5 });
    expect(Object.keys(doc.rules.cameras.cam_a!.zones)).toEqual(['yard']);
    expect(doc.rules.cameras.cam_a!.rules).toEqual({ stay: expect.objectContaining({ type: 'loitering', zone: 'yard', params: { seconds: 10 } }) });
  });
});
