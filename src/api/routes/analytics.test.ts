import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BBox } from '../../core/types.ts';
import type { Actor } from '../contract/actor.ts';
import type { ResolvedCamera } from '../../config/load.ts';
import { LiveCameras } from '../../config/live-cameras.ts';
import { openActorApi, type ActorApi } from '../../../test/fixtures/actor-api.ts';

const at = (iso: string): Date => new Date(iso);

describe('analytics and reports API (PGlite)', () => {
  let api: ActorApi;
  let n = 0;
  const actors: Record<string, Actor> = {
    vera: { kind: 'user', id: 0, name: 'vera', role: 'viewer', cameras: null, routes: null },
    // sees camera cam_b only
    gate: { kind: 'user', id: 0, name: 'gate', role: 'viewer', cameras: ['cam_b'], routes: null },
  };
  const get = (url: string, who = 'vera', headers: Record<string, string> = {}) => api.get(url, who, headers);
  const person = (cameraId: string, start: string, bbox: BBox, snapshotPath: string | null = null) => api.repos.events.upsert({
    eventKey: `e${++n}`, cameraId, eventType: 'detection', label: 'person', confidence: 0.9, bbox, snapshotPath, startTime: at(start), endTime: at(start),
  });

  beforeAll(async () => {
    const cameras = new LiveCameras([{ id: 'cam_a', name: 'Gate' }, { id: 'cam_b', name: 'Yard' }] as ResolvedCamera[]);
    // cam_b streams 1280 × 720 now
    const live = { jpeg: await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#202020' } }).jpeg().toBuffer(), at: new Date(), width: 1280, height: 720 };
    const latestFrames = { get: (id: string) => (id === 'cam_b' ? live : undefined), stop: async () => undefined };
    api = await openActorApi(actors, { cameras, timezone: 'Asia/Kolkata', latestFrames });
    // cam_a's frame is 640 × 360: a snapshot of that size tells the heat map so
    await api.objects.put('snapshots', 'cam_a/tracks/1.jpg', await sharp({ create: { width: 640, height: 360, channels: 3, background: '#404040' } }).jpeg().toBuffer());
    await person('cam_a', '2025-01-21T03:00:00Z', [0, 0, 40, 350], 'cam_a/tracks/1.jpg');
    await person('cam_a', '2025-01-21T03:20:00Z', [600, 100, 639, 200]);
    await person('cam_b', '2025-01-21T04:00:00Z', [10, 10, 20, 20]);
    await api.store.query(
      `INSERT INTO alerts (event_key, camera_id, severity, status, title, rule_name, triggered_at, acked_at, resolved_at)
       VALUES ('a1', 'cam_a', 'high', 'resolved', 'Loitering at the gate', 'loiter', $1, $2, $3), ('a2', 'cam_b', 'critical', 'new', 'Intrusion', 'fence', $1, NULL, NULL)`,
      [at('2025-01-21T05:00:00Z'), at('2025-01-21T05:01:30Z'), at('2025-01-21T05:11:30Z')],
    );
  }, 60_000);
  afterAll(async () => api?.close());

  const DAY = 'from=2025-01-21T00:00:00%2B05:30&to=2025-01-22T00:00:00%2B05:30';

  it('counts events per site-local hour by camera and class, aligned with the buckets', async () => {
    const r = await get(`/api/v1/analytics/events?${DAY}&bucket=hour`);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ bucket: 'hour', timezone: 'Asia/Kolkata', total: 3 });
    expect(body.buckets).toHaveLength(24);
    expect(body.buckets[0]).toBe('2025-01-20T18:30:00.000Z');
    const camA = body.series.find((s: { camera_id: string }) => s.camera_id === 'cam_a');
    // 03:00 and 03:20 UTC are 08:30 and 08:50 in India: both in the 08:00 bucket
    expect(camA).toMatchObject({ class: 'person', total: 2 });
    expect(camA.counts[8]).toBe(2);
  });

  it('shows a camera-scoped caller only its cameras', async () => {
    const r = await get(`/api/v1/analytics/events?${DAY}&bucket=day`, 'gate');
    expect(r.json().series.map((s: { camera_id: string }) => s.camera_id)).toEqual(['cam_b']);
    expect((await get(`/api/v1/analytics/events?${DAY}&camera=cam_a`, 'gate')).json()).toMatchObject({ series: [], total: 0 });
    expect((await get(`/api/v1/analytics/heatmap?camera=cam_a&${DAY}`, 'gate')).statusCode).toBe(404);
    const alerts = (await get(`/api/v1/analytics/alert-response?${DAY}`, 'gate')).json();
    expect(alerts.items.map((a: { camera_id: string }) => a.camera_id)).toEqual(['cam_b']);
    const report = (await get('/api/v1/reports/daily?date=2025-01-21', 'gate')).json();
    expect(report.cameras.map((c: { camera_id: string }) => c.camera_id)).toEqual(['cam_b']);
    expect(report.events.total).toBe(1);
  });

  it('refuses bad ranges with a reason', async () => {
    const bad = async (url: string, why: RegExp) => {
      const r = await get(url);
      expect([url, r.statusCode]).toEqual([url, 400]);
      expect(r.json().message).toMatch(why);
    };
    await bad('/api/v1/analytics/events?from=2025-01-22T00:00:00Z&to=2025-01-21T00:00:00Z', /'to' .* must be after 'from'/);
    await bad('/api/v1/analytics/events?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z&bucket=hour', /longer than 31 days/);
    await bad('/api/v1/analytics/heatmap?camera=cam_a&from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z', /longer than 31 days/);
    await bad('/api/v1/analytics/alert-response?from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', /must be after/);
    await bad('/api/v1/analytics/events?to=2025-01-21T00:00:00Z', /'from'/);
    await bad('/api/v1/analytics/heatmap?from=2025-01-21T00:00:00Z&to=2025-01-22T00:00:00Z', /'camera'/);
    await bad('/api/v1/analytics/events?from=2025-01-21T00:00:00Z&to=2025-01-22T00:00:00Z&bucket=week', /'bucket'/);
    await bad('/api/v1/reports/daily?date=2025-02-30', /'date'/);
    await bad('/api/v1/reports/daily?date=2025-01-21&format=xls', /'format'/);
  });

  it('draws the heat map on the camera frame from the foot points of person boxes', async () => {
    const r = await get(`/api/v1/analytics/heatmap?camera=cam_a&${DAY}&cols=32&rows=18`);
    expect(r.statusCode).toBe(200);
    const map = r.json();
    expect(map).toMatchObject({ frame: { width: 640, height: 360 }, cols: 32, rows: 18, total: 2, max: 1, snapshot_url: expect.stringMatching(/^\/api\/v1\/events\/\d+\/snapshot\?boxes=0$/) });
    // feet at (20, 350) → col 1, row 17; at (619.5, 200) → col 30, row 10
    expect(map.cells[17][1]).toBe(1);
    expect(map.cells[10][30]).toBe(1);
    const snapshot = await get(map.snapshot_url);
    expect(snapshot.headers['content-type']).toBe('image/jpeg');
    expect(map.live_snapshot_url).toBeNull();
  });

  it('lays the heat map over the live frame of a streaming camera', async () => {
    const map = (await get(`/api/v1/analytics/heatmap?camera=cam_b&${DAY}`)).json();
    // feet at (15, 20) of 1280 × 720
    expect(map).toMatchObject({ frame: { width: 1280, height: 720 }, total: 1, live_snapshot_url: '/api/v1/cameras/cam_b/snapshot.jpg', snapshot_url: null });
    expect(map.cells[0][0]).toBe(1);
    const still = await get(map.live_snapshot_url);
    expect([still.statusCode, still.headers['content-type']]).toEqual([200, 'image/jpeg']);
  });

  it('reports alert response times and lists the alerts', async () => {
    const r = (await get(`/api/v1/analytics/alert-response?${DAY}`)).json();
    expect(r.overall).toMatchObject({ alerts: 2, triggered_to_ack: { count: 1, median_seconds: 90, p90_seconds: 90 }, ack_to_resolved: { count: 1, median_seconds: 600 } });
    expect(r.by_severity.map((s: { severity: string }) => s.severity)).toEqual(['critical', 'high']);
    expect(r.by_camera.find((c: { camera_id: string }) => c.camera_id === 'cam_b')).toMatchObject({ alerts: 1, triggered_to_ack: { count: 0, median_seconds: null } });
    expect(r.items[0]).toMatchObject({ camera_id: 'cam_a', title: 'Loitering at the gate', ack_seconds: 90, resolve_seconds: 600 });
    expect((await get(`/api/v1/analytics/alert-response?${DAY}&limit=1`)).json()).toMatchObject({ truncated: true, items: [{ camera_id: 'cam_a' }] });
  });

  it('builds the daily report of a site-local day as JSON', async () => {
    const r = await get('/api/v1/reports/daily?date=2025-01-21');
    expect(r.statusCode).toBe(200);
    const report = r.json();
    expect(report).toMatchObject({
      date: '2025-01-21', timezone: 'Asia/Kolkata', from: '2025-01-20T18:30:00.000Z', to: '2025-01-21T18:30:00.000Z',
      events: { total: 3, by_camera_class: [{ camera_id: 'cam_a', class: 'person', count: 2 }, { camera_id: 'cam_b', class: 'person', count: 1 }] },
      busiest_hours: [8, 9],
      alerts: { total: 2, false_positives: 0, by_severity: [{ severity: 'high', total: 1, resolved: 1 }, { severity: 'critical', total: 1, new: 1 }] },
      response: { triggered_to_ack: { median_seconds: 90 } },
    });
    expect(report.hours).toHaveLength(24);
    expect(report.cameras).toEqual([
      { camera_id: 'cam_a', name: 'Gate', recorded_seconds: 0, coverage: 0, gaps: [] },
      { camera_id: 'cam_b', name: 'Yard', recorded_seconds: 0, coverage: 0, gaps: [] },
    ]);
  });

  it('sends the daily report as a CSV or PDF download, by format= or Accept', async () => {
    const csv = await get('/api/v1/reports/daily?date=2025-01-21&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="vigil-daily-report-2025-01-21.csv"');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('section,camera_id,subject,measure,value');
    expect(lines).toContain('events,cam_a,person,count,2');
    expect(lines).toContain('alerts,,critical,new,1');
    expect(lines).toContain('response,,triggered_to_ack,median_seconds,90');

    const pdf = await get('/api/v1/reports/daily?date=2025-01-21', 'vera', { accept: 'application/pdf' });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/filename="vigil-daily-report-2025-01-21\.pdf"/);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.rawPayload.length).toBeGreaterThan(1000);
  });

  it('answers for any calendar day it can state, never a 5xx', async () => {
    expect((await get('/api/v1/reports/daily?date=0001-01-01')).json().message).toMatch(/'date': must be a day from 1970-01-02 to 9999-12-30/);
    expect((await get('/api/v1/reports/daily?date=9999-12-31')).statusCode).toBe(400);
    for (const date of ['1970-01-02', '9999-12-30', '2024-02-29']) {
      for (const format of ['json', 'csv', 'pdf']) {
        const r = await get(`/api/v1/reports/daily?date=${date}&format=${format}`);
        expect([date, format, r.statusCode]).toEqual([date, format, 200]);
      }
    }
  });

  it('documents the CSV and PDF downloads beside the JSON', async () => {
    const doc = (await get('/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths['/api/v1/reports/daily'].get.responses['200'].content)).toEqual(['application/json', 'text/csv; charset=utf-8', 'application/pdf']);
  });

  it('asks for credentials', async () => {
    expect((await get('/api/v1/reports/daily?date=2025-01-21', 'nobody')).statusCode).toBe(401);
  });
});
