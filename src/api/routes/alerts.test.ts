import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTrigger } from '../../alerts/test-fixtures.ts';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import { createDiskObjects } from '../../objects/disk.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/port.ts';
import { createRepositories } from '../../store/repositories/index.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { buildApi } from '../server.ts';
import { TestAuth, type Injector } from '../../../test/fixtures/api-auth.ts';

describe('alerts API (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerts-api-'));
  const objects = createDiskObjects(path.join(root, 'objects'));
  let store: Store;
  let repos: Repositories;
  let app: ReturnType<typeof buildApi>;
  let auth: TestAuth;
  let api: Injector;
  let n = 0;
  const newAlert = async (o: Parameters<typeof sampleTrigger>[0] = {}) => {
    const startedAt = new Date(Date.parse('2025-01-20T23:00:00Z') + ++n * 1000);
    const t = sampleTrigger({ startedAt, at: new Date(startedAt.getTime() + 300_000), ...o });
    return (await repos.alerts.recordTrigger(t, { snapshotPath: 'cam_a/rules/7.jpg', drawnPath: null, boxes: [{ track_id: 7, class: t.label, confidence: t.confidence, bbox: t.bbox }] })).alertId!;
  };
  const post = (url: string, payload?: unknown) => api.inject({ method: 'POST', url, payload: payload as object });

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store, { alerts: { publicUrl: 'http://vigil.test' } });
    auth = await TestAuth.open({ repos });
    app = buildApi({
      auth: auth.stack, cameras: [], repos, objects, store, health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger,
      status: () => undefined,
    } as unknown as Parameters<typeof buildApi>[0]);
    api = await auth.as(app, 'operator');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('lists newest first with filters and pages', async () => {
    const a = await newAlert({ cameraId: 'cam_x', severity: 'high' });
    const b = await newAlert({ cameraId: 'cam_x', severity: 'critical' });
    const r = await api.inject('/api/v1/alerts?camera=cam_x&limit=1');
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((x: { id: number }) => x.id)).toEqual([b]);
    const next = await api.inject(`/api/v1/alerts?camera=cam_x&limit=1&cursor=${r.json().next_cursor}`);
    expect(next.json()).toMatchObject({ items: [{ id: a, severity: 'high', status: 'new', rule_id: 'loiter', event_url: expect.stringMatching(/^\/api\/v1\/events\/\d+$/) }], next_cursor: null });
    expect((await api.inject('/api/v1/alerts?camera=cam_x&severity=high')).json().items).toHaveLength(1);
  });

  it('rejects bad filters with reasons', async () => {
    const bad = async (q: string, why: RegExp) => {
      const r = await api.inject(`/api/v1/alerts?${q}`);
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(why);
    };
    await bad('status=open', /'status'/);
    await bad('severity=urgent', /'severity'/);
    await bad('sort=asc', /unknown query parameter 'sort'/);
    await bad('cursor=zzz', /'cursor' is not a cursor/);
    await bad('from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z', /'from'.*after 'to'/);
  });

  it('ack → resolve with who and note; illegal transitions are 409, unknown ids 404', async () => {
    const id = await newAlert();
    const ack = await post(`/api/v1/alerts/${id}/ack`, { by: 'maria', note: 'checking camera' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id, status: 'ack', acked_by: 'maria', ack_note: 'checking camera' });
    const again = await post(`/api/v1/alerts/${id}/ack`, { by: 'joe' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/acknowledged: cannot acknowledge/);
    expect((await post(`/api/v1/alerts/${id}/resolve`, { by: 'maria' })).json()).toMatchObject({ status: 'resolved', resolved_by: 'maria' });
    expect((await post(`/api/v1/alerts/${id}/resolve`, { by: 'maria' })).statusCode).toBe(409);
    expect((await api.inject(`/api/v1/alerts/${id}`)).json()).toMatchObject({ status: 'resolved', acked_by: 'maria' });
    expect((await post('/api/v1/alerts/999999/ack', { by: 'x' })).statusCode).toBe(404);
    expect((await api.inject('/api/v1/alerts/999999')).statusCode).toBe(404);
  });

  it('rejects a body without `by` or with unknown fields', async () => {
    const id = await newAlert();
    const noBy = await post(`/api/v1/alerts/${id}/ack`, { note: 'x' });
    expect(noBy.statusCode).toBe(400);
    expect(noBy.json().message).toMatch(/body field 'by'/);
    const extra = await post(`/api/v1/alerts/${id}/ack`, { by: 'x', user: 'y' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/unknown body field 'user'/);
    expect((await post(`/api/v1/alerts/${id}/ack`)).statusCode).toBe(400);
    expect((await api.inject(`/api/v1/alerts/${id}`)).json().status).toBe('new');
  });

  it('false positive: resolved, event flagged, training-data file written', async () => {
    const id = await newAlert();
    const r = await post(`/api/v1/alerts/${id}/false-positive`, { by: 'joe', note: 'a coat on a chair' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ status: 'resolved', false_positive: true, training_data_key: `false-positives/cam_a/${id}.json` });
    const saved = JSON.parse((await objects.get('training-data', body.training_data_key)).toString());
    expect(saved).toMatchObject({ label: 'false_positive', alert_id: id, class: 'person', marked_by: 'joe', note: 'a coat on a chair', snapshot: { bucket: 'snapshots', key: 'cam_a/rules/7.jpg' } });
    const event = await repos.events.get(body.event_id);
    expect(event?.metadata.false_positive).toMatchObject({ by: 'joe' });
    expect((await post(`/api/v1/alerts/${id}/false-positive`, { by: 'joe' })).statusCode).toBe(409);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await api.inject('/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/ack', '/api/v1/alerts/{id}/resolve', '/api/v1/alerts/{id}/false-positive']));
  });
});
