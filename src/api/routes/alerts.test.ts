import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { sampleTrigger } from '../../alerts/test-fixtures.ts';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import { createDiskObjects } from '../../objects/disk.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/port.ts';
import { createRepositories } from '../../store/repositories/index.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import type { Actor } from '../contract/actor.ts';
import { buildApi } from '../server.ts';
import { TestAuth } from '../../../test/fixtures/api-auth.ts';
import { useAuthenticator } from '../route.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

describe('alerts API (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerts-api-'));
  const objects = createDiskObjects(path.join(root, 'objects'));
  let store: Store;
  let repos: Repositories;
  let app: ReturnType<typeof buildApi>;
  let auth: TestAuth;
  let n = 0;
  const newAlert = async (o: Parameters<typeof sampleTrigger>[0] = {}) => {
    const startedAt = new Date(Date.parse('2025-01-20T23:00:00Z') + ++n * 1000);
    const t = sampleTrigger({ startedAt, at: new Date(startedAt.getTime() + 300_000), ...o });
    return (await repos.alerts.recordTrigger(t, { snapshotPath: 'cam_a/rules/7.jpg', drawnPath: null, boxes: [{ track_id: 7, class: t.label, confidence: t.confidence, bbox: t.bbox }] })).alertId!;
  };
  // who calls: a header picks one of these actors (sign-in is tested with the authenticator itself)
  const actors: Record<string, Actor> = {
    maria: { kind: 'user', id: 0, name: 'maria', role: 'operator', cameras: null, routes: null },
    gateway: { kind: 'api_key', id: 3, name: 'gate-gw', role: 'operator', cameras: null, routes: null },
    // sees camera cam_a only
    gate: { kind: 'user', id: 0, name: 'gate', role: 'operator', cameras: ['cam_a'], routes: null },
  };
  const as = (who: string) => ({ 'x-test-actor': who });
  const post = (url: string, payload?: unknown, who = 'maria') => app.inject({ method: 'POST', url, payload: payload as object, headers: as(who) });
  const get = (url: string, who = 'maria') => app.inject({ url, headers: as(who) });

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store);
    auth = await TestAuth.open({ repos });
    app = buildApi({
      cameras: new LiveCameras(), repos, objects, store, health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger,
      status: () => undefined, auth: auth.stack,
    } as unknown as Parameters<typeof buildApi>[0]);
    useAuthenticator(app, async (req: FastifyRequest) => actors[String(req.headers['x-test-actor'])] ?? null);
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
    const r = await get('/api/v1/alerts?camera=cam_x&limit=1');
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((x: { id: number }) => x.id)).toEqual([b]);
    const next = await get(`/api/v1/alerts?camera=cam_x&limit=1&cursor=${r.json().next_cursor}`);
    expect(next.json()).toMatchObject({ items: [{ id: a, severity: 'high', status: 'new', rule_id: 'loiter', event_url: expect.stringMatching(/^\/api\/v1\/events\/\d+$/) }], next_cursor: null });
    expect((await get('/api/v1/alerts?camera=cam_x&severity=high')).json().items).toHaveLength(1);
    const other = await newAlert({ cameraId: 'cam_x', ruleId: 'crowd' });
    expect((await get('/api/v1/alerts?camera=cam_x&rule=crowd')).json().items.map((x: { id: number }) => x.id)).toEqual([other]);
  });

  it('rejects bad filters with reasons', async () => {
    const bad = async (q: string, why: RegExp) => {
      const r = await get(`/api/v1/alerts?${q}`);
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(why);
    };
    await bad('status=open', /'status'/);
    await bad('severity=urgent', /'severity'/);
    await bad('sort=asc', /unknown query parameter 'sort'/);
    await bad('cursor=zzz', /'cursor' is not a cursor/);
    await bad('from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z', /'from'.*after 'to'/);
  });

  it('ack → resolve recorded as the signed-in caller with the note; illegal transitions are 409, unknown ids 404', async () => {
    const id = await newAlert();
    const ack = await post(`/api/v1/alerts/${id}/ack`, { note: 'checking camera' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id, status: 'ack', acked_by: 'user:maria', ack_note: 'checking camera' });
    const again = await post(`/api/v1/alerts/${id}/ack`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/acknowledged: cannot acknowledge/);
    // an API key's action is attributable to the key
    expect((await post(`/api/v1/alerts/${id}/resolve`, {}, 'gateway')).json()).toMatchObject({ status: 'resolved', resolved_by: 'api_key:gate-gw' });
    expect((await post(`/api/v1/alerts/${id}/resolve`)).statusCode).toBe(409);
    const detail = (await get(`/api/v1/alerts/${id}`)).json();
    expect(detail).toMatchObject({ status: 'resolved', acked_by: 'user:maria' });
    // who did what, oldest first, as the detail page shows it
    expect(detail.history.map((h: { change: string; by: string | null; note: string | null }) => [h.change, h.by, h.note])).toEqual([
      ['new', null, null], ['ack', 'user:maria', 'checking camera'], ['resolved', 'api_key:gate-gw', null],
    ]);
    const audit = (await store.query<{ action: string; details: { by: string } }>(`SELECT action, details FROM audit_log WHERE resource = $1 ORDER BY id`, [`alert/${id}`])).rows;
    expect(audit.map((r) => [r.action, r.details.by])).toEqual([['alert.ack', 'user:maria'], ['alert.resolved', 'api_key:gate-gw']]);
    expect((await post('/api/v1/alerts/999999/ack')).statusCode).toBe(404);
    expect((await get('/api/v1/alerts/999999')).statusCode).toBe(404);
  });

  it('refuses a free-text `by` (who acts comes from the credentials) and unknown fields', async () => {
    const id = await newAlert();
    const withBy = await post(`/api/v1/alerts/${id}/ack`, { by: 'someone else', note: 'x' });
    expect(withBy.statusCode).toBe(400);
    expect(withBy.json().message).toMatch(/unknown body field 'by'/);
    expect((await get(`/api/v1/alerts/${id}`)).json().status).toBe('new');
  });

  it('a caller scoped to camera cam_a never sees or acts on another camera\'s alert: 404, as for a missing one', async () => {
    const mine = await newAlert({ cameraId: 'cam_a' });
    const other = await newAlert({ cameraId: 'cam_x' });
    const ids = (await get('/api/v1/alerts?limit=500', 'gate')).json().items.map((a: { id: number; camera_id: string }) => a.camera_id);
    expect(new Set(ids)).toEqual(new Set(['cam_a']));
    expect((await get('/api/v1/alerts?camera=cam_x', 'gate')).json()).toEqual({ items: [], next_cursor: null });
    expect((await get(`/api/v1/alerts/${mine}`, 'gate')).statusCode).toBe(200);
    const hidden = await get(`/api/v1/alerts/${other}`, 'gate');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().message).toBe(`no alert with id ${other}`);
    for (const action of ['ack', 'resolve', 'false-positive']) expect((await post(`/api/v1/alerts/${other}/${action}`, {}, 'gate')).statusCode).toBe(404);
    expect((await get(`/api/v1/alerts/${other}`)).json().status).toBe('new');
    expect((await post(`/api/v1/alerts/${mine}/ack`, {}, 'gate')).json()).toMatchObject({ status: 'ack', acked_by: 'user:gate' });
  });

  it('false positive: resolved, event flagged, training-data file written', async () => {
    const id = await newAlert();
    const r = await post(`/api/v1/alerts/${id}/false-positive`, { note: 'a coat on a chair' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ status: 'resolved', false_positive: true, training_data_key: `false-positives/cam_a/${id}.json` });
    const saved = JSON.parse((await objects.get('training-data', body.training_data_key)).toString());
    expect(saved).toMatchObject({ label: 'false_positive', alert_id: id, class: 'person', marked_by: 'user:maria', note: 'a coat on a chair', snapshot: { bucket: 'snapshots', key: 'cam_a/rules/7.jpg' } });
    const event = await repos.events.get(body.event_id);
    expect(event?.metadata.false_positive).toMatchObject({ by: 'user:maria' });
    expect((await post(`/api/v1/alerts/${id}/false-positive`)).statusCode).toBe(409);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await get('/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/ack', '/api/v1/alerts/{id}/resolve', '/api/v1/alerts/{id}/false-positive']));
  });
});
