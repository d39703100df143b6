import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTrigger } from '../../alerts/test-fixtures.ts';
import { UNRECORDED_CAUSE } from '../../media/vod/timeline.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { type Injector, TestAuth } from '../../../test/fixtures/api-auth.ts';
import { fullTestApi, testCamera } from '../../../test/fixtures/auth-test-api.ts';

describe('camera timeline API (PGlite)', () => {
  let auth: TestAuth;
  let app: FastifyInstance;
  let repos: Repositories;
  let viewer: Injector;
  let gate: Injector;
  const get = (url: string, who?: Injector) => (who ?? viewer).inject(url);
  const z = (s: string) => new Date(`2025-01-${s}Z`);
  const segment = (cam: string, from: string, to: string) =>
    repos.segments.upsert({ cameraId: cam, path: `${cam}/${from}.ts`, startTime: z(from), endTime: z(to), bytes: 1000, status: 'closed' });

  beforeAll(async () => {
    auth = await TestAuth.open();
    repos = auth.store!.repos;
    app = fullTestApi(auth, [{ ...testCamera('cam_in'), timezone: 'Asia/Kolkata' }, testCamera('cam_utc')]);
    viewer = await auth.as(app, 'viewer');
    // sees cam_utc only
    gate = await auth.as(app, 'viewer', { cameras: ['cam_utc'] });

    // the site day of 2025-01-20 in India is 2025-01-19T18:30Z .. 2025-01-20T18:30Z
    await segment('cam_in', '19T18:30:00', '19T19:00:00');
    await repos.segments.removeDeleted('cam_in/19T18:30:00.ts', 'deleted by retention');
    await segment('cam_in', '19T19:00:00', '19T20:00:00');
    await repos.segments.openGap('cam_in', z('19T20:00:00'), 'camera cam_in: DVR unreachable (connection refused)', 'unreachable');
    await repos.segments.closeGap('cam_in', z('19T20:30:00'));
    await segment('cam_in', '19T20:30:00', '19T21:00:00');
    await repos.events.upsert({ eventKey: 'tl-person', cameraId: 'cam_in', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: null, startTime: z('19T19:30:00'), endTime: z('19T19:31:00') });
    // the next site day (00:30 on the 21st in India): not on the 20th
    await repos.events.upsert({ eventKey: 'tl-later', cameraId: 'cam_in', eventType: 'detection', label: 'car', confidence: 0.9, bbox: null, snapshotPath: null, startTime: z('20T19:00:00'), endTime: null });
    await repos.alerts.recordTrigger(sampleTrigger({ cameraId: 'cam_in', key: 'tl-alert', at: z('19T20:45:00'), startedAt: z('19T20:40:00') }), { snapshotPath: null, drawnPath: null, boxes: [] });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
  });

  it('shows a day on the site clock: coverage, gaps by cause, events and alerts as marks', async () => {
    const r = await get('/api/v1/cameras/cam_in/timeline?date=2025-01-20');
    expect(r.statusCode).toBe(200);
    const tl = r.json();
    expect(tl).toMatchObject({ camera_id: 'cam_in', date: '2025-01-20', timezone: 'Asia/Kolkata', from: '2025-01-19T18:30:00.000Z', to: '2025-01-20T18:30:00.000Z', marks_truncated: false });
    expect(tl.coverage).toEqual([{ start: '2025-01-19T19:00:00.000Z', end: '2025-01-19T20:00:00.000Z' }, { start: '2025-01-19T20:30:00.000Z', end: '2025-01-19T21:00:00.000Z' }]);
    expect(tl.gaps.map((g: { start: string; end: string; kind: string; cause: string }) => [g.start, g.end, g.kind, g.cause])).toEqual([
      ['2025-01-19T18:30:00.000Z', '2025-01-19T19:00:00.000Z', 'deleted', 'deleted by retention'],
      ['2025-01-19T20:00:00.000Z', '2025-01-19T20:30:00.000Z', 'dvr_unreachable', 'camera cam_in: DVR unreachable (connection refused)'],
      ['2025-01-19T21:00:00.000Z', '2025-01-20T18:30:00.000Z', 'unknown', UNRECORDED_CAUSE],
    ]);
    const classes = tl.events.map((e: { class: string; time: string }) => [e.class, e.time]);
    expect(classes).toContainEqual(['person', '2025-01-19T19:30:00.000Z']);
    expect(classes.map(([c]: [string]) => c)).not.toContain('car');
    expect(tl.alerts).toEqual([expect.objectContaining({ time: '2025-01-19T20:45:00.000Z', rule_name: 'Plaza loitering', rule_type: 'loitering', severity: 'critical', status: 'new' })]);
  });

  it('defaults to today on the site clock, and a camera without a site zone uses UTC', async () => {
    const r = await get('/api/v1/cameras/cam_utc/timeline', gate);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ timezone: 'UTC', date: new Date().toISOString().slice(0, 10), coverage: [], events: [], alerts: [] });
  });

  it('refuses an impossible date with a reason and hides cameras the caller may not see', async () => {
    for (const date of ['2025-02-30', 'yesterday', '0999-01-01', '2025-1-5']) {
      const r = await get(`/api/v1/cameras/cam_in/timeline?date=${date}`);
      expect(r.statusCode, date).toBe(400);
      expect(r.json().message).toMatch(/'date'/);
    }
    expect((await get('/api/v1/cameras/cam_in/timeline?date=2025-01-20', gate)).statusCode).toBe(404);
    expect((await get('/api/v1/cameras/nope/timeline')).statusCode).toBe(404);
  });
});
