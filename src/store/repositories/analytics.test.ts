import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import type { BBox } from '../../core/types.ts';
import type { Store } from '../port.ts';
import { analyticsRepo, type AnalyticsRepo } from './analytics.ts';
import { createRepositories, type Repositories } from './index.ts';

const at = (iso: string): Date => new Date(iso);
// India is 5:30 ahead of UTC: a local day or hour does not start on a UTC hour
const TZ = 'Asia/Kolkata';

describe('analytics repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let repos: Repositories;
  let analytics: AnalyticsRepo;
  let n = 0;
  const event = (cameraId: string, label: string, start: string, bbox: BBox | null = null, eventType = 'detection') => repos.events.upsert({
    eventKey: `e${++n}`, cameraId, eventType, label, confidence: 0.9, bbox, snapshotPath: bbox ? `${cameraId}/tracks/${n}.jpg` : null, startTime: at(start), endTime: at(start),
  });
  const alert = (cameraId: string, severity: string, triggered: string, acked: string | null, resolved: string | null, status = resolved ? 'resolved' : acked ? 'ack' : 'new') => store.query(
    `INSERT INTO alerts (event_key, camera_id, severity, status, title, rule_name, triggered_at, acked_at, resolved_at)
     VALUES ($1, $2, $3, $4, 'Loitering', 'loiter', $5, $6, $7)`,
    [`a${++n}`, cameraId, severity, status, at(triggered), acked && at(acked), resolved && at(resolved)],
  );

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('analytics-repo'));
    repos = createRepositories(store);
    analytics = analyticsRepo(store);
    // 23:50 and 00:10 site time on either side of local midnight (18:30 UTC)
    await event('cam_a', 'person', '2025-01-20T18:20:00Z', [100, 100, 200, 700]);
    await event('cam_a', 'person', '2025-01-20T18:40:00Z', [1800, 500, 1900, 1079]);
    await event('cam_a', 'person', '2025-01-20T18:45:00Z', [1800, 500, 1900, 1079]);
    await event('cam_a', 'car', '2025-01-20T18:50:00Z', [0, 0, 50, 50]);
    await event('cam_b', 'person', '2025-01-20T18:55:00Z');
    await event('cam_a', 'person', '2025-01-20T18:56:00Z', null, 'loitering');
    // acked after 60 s and resolved 120 s later; acked after 30 s; resolved without an ack; open
    await alert('cam_a', 'high', '2025-01-20T19:00:00Z', '2025-01-20T19:01:00Z', '2025-01-20T19:03:00Z');
    await alert('cam_a', 'high', '2025-01-20T19:10:00Z', '2025-01-20T19:10:30Z', null);
    await alert('cam_b', 'critical', '2025-01-20T19:20:00Z', null, '2025-01-20T19:30:00Z');
    await alert('cam_b', 'low', '2025-01-20T19:40:00Z', null, null);
    // cam_a recorded 18:30-19:00 and from 19:10 on (open); a gap between
    await repos.segments.upsert({ cameraId: 'cam_a', path: 'cam_a/1.ts', startTime: at('2025-01-20T18:00:00Z'), endTime: at('2025-01-20T19:00:00Z'), bytes: 1, status: 'closed' });
    await repos.segments.upsert({ cameraId: 'cam_a', path: 'cam_a/2.ts', startTime: at('2025-01-20T19:10:00Z'), endTime: null, bytes: 1, status: 'open' });
    await store.query(`INSERT INTO recording_gaps (camera_id, start_time, end_time, cause) VALUES ('cam_a', $1, $2, 'source lost')`, [at('2025-01-20T19:00:00Z'), at('2025-01-20T19:10:00Z')]);
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  const range = { from: at('2025-01-20T00:00:00Z'), to: at('2025-01-21T12:00:00Z') };

  it('counts events per site-local day, camera and class', async () => {
    const rows = await analytics.eventCounts({ ...range, bucket: 'day', tz: TZ, eventType: 'detection' });
    expect(rows).toEqual([
      { bucket: at('2025-01-19T18:30:00Z'), camera_id: 'cam_a', label: 'person', count: 1 },
      { bucket: at('2025-01-20T18:30:00Z'), camera_id: 'cam_a', label: 'car', count: 1 },
      { bucket: at('2025-01-20T18:30:00Z'), camera_id: 'cam_a', label: 'person', count: 2 },
      { bucket: at('2025-01-20T18:30:00Z'), camera_id: 'cam_b', label: 'person', count: 1 },
    ]);
  });

  it('narrows counts to the caller\'s cameras, a class and an event type', async () => {
    const rows = await analytics.eventCounts({ ...range, bucket: 'hour', tz: TZ, cameraIds: ['cam_b'], label: 'person' });
    expect(rows).toEqual([{ bucket: at('2025-01-20T18:30:00Z'), camera_id: 'cam_b', label: 'person', count: 1 }]);
    expect(await analytics.eventCounts({ ...range, bucket: 'hour', tz: TZ, cameraIds: [] })).toEqual([]);
    const rules = await analytics.eventCounts({ ...range, bucket: 'hour', tz: TZ, eventType: 'loitering' });
    expect(rules.map((r) => r.count)).toEqual([1]);
  });

  it('tells when a site-local day starts and ends, also across a clock change', async () => {
    expect(await analytics.dayBounds('2025-01-21', TZ)).toEqual({ from: at('2025-01-20T18:30:00Z'), to: at('2025-01-21T18:30:00Z') });
    // Berlin's clocks went forward on 30 March 2025: that day had 23 hours
    expect(await analytics.dayBounds('2025-03-30', 'Europe/Berlin')).toEqual({ from: at('2025-03-29T23:00:00Z'), to: at('2025-03-30T22:00:00Z') });
  });

  it('lists every local bucket of a range, empty ones included', async () => {
    const hours = await analytics.buckets({ from: at('2025-01-20T17:00:00Z'), to: at('2025-01-20T20:00:00Z'), bucket: 'hour', tz: TZ });
    expect(hours).toEqual(['16:30', '17:30', '18:30', '19:30'].map((h) => at(`2025-01-20T${h}:00Z`)));
    const days = await analytics.buckets({ ...range, bucket: 'day', tz: TZ });
    expect(days).toEqual([at('2025-01-19T18:30:00Z'), at('2025-01-20T18:30:00Z')]);
  });

  it('counts events per local hour of day', async () => {
    expect(await analytics.eventsByHourOfDay({ ...range, tz: TZ, eventType: 'detection' })).toEqual([{ hour: 0, count: 4 }, { hour: 23, count: 1 }]);
  });

  it('puts the foot point of each box on the grid', async () => {
    const cells = await analytics.footPoints({ ...range, cameraId: 'cam_a', label: 'person', width: 1920, height: 1080, cols: 32, rows: 18 });
    // (150, 700) → col 2, row 11; (1850, 1079) → col 30, row 17 (twice)
    expect(cells.sort((a, b) => a.col - b.col)).toEqual([{ col: 2, row: 11, count: 1 }, { col: 30, row: 17, count: 2 }]);
    expect(await analytics.boxExtent({ ...range, cameraId: 'cam_a' })).toEqual({ width: 1900, height: 1079 });
    expect(await analytics.boxExtent({ ...range, cameraId: 'cam_b' })).toBeNull();
  });

  it('finds the newest snapshot of a camera', async () => {
    expect(await analytics.newestSnapshot('cam_a')).toMatchObject({ snapshot_path: 'cam_a/tracks/4.jpg' });
    expect(await analytics.newestSnapshot('cam_a', at('2025-01-20T18:30:00Z'))).toMatchObject({ snapshot_path: 'cam_a/tracks/1.jpg' });
    expect(await analytics.newestSnapshot('cam_b')).toBeNull();
  });

  it('measures alert response times overall, per severity and per camera', async () => {
    const groups = await analytics.alertTimingStats(range);
    const overall = groups.find((g) => g.severity === null && g.camera_id === null)!;
    expect(overall).toMatchObject({ alerts: 4, triggered_to_ack: { count: 2, median: 45 }, ack_to_resolved: { count: 1, median: 120, p90: 120 }, triggered_to_resolved: { count: 2, median: 390 } });
    expect(overall.triggered_to_ack.p90).toBeCloseTo(57, 5);
    expect(groups.find((g) => g.severity === 'high')).toMatchObject({ alerts: 2, triggered_to_ack: { count: 2 } });
    expect(groups.find((g) => g.camera_id === 'cam_b')).toMatchObject({ alerts: 2, triggered_to_ack: { count: 0, median: null }, triggered_to_resolved: { count: 1, median: 600 } });
    const scoped = await analytics.alertTimingStats({ ...range, cameraIds: ['cam_b'], severity: 'critical' });
    expect(scoped.find((g) => g.severity === null && g.camera_id === null)).toMatchObject({ alerts: 1 });
  });

  it('lists alerts with their lifecycle times and counts them by severity and status', async () => {
    const list = await analytics.alertTimings({ ...range, limit: 3 });
    expect(list.map((a) => [a.camera_id, a.severity, a.status])).toEqual([['cam_a', 'high', 'resolved'], ['cam_a', 'high', 'ack'], ['cam_b', 'critical', 'resolved']]);
    expect(await analytics.alertStatusCounts({ ...range, cameraIds: ['cam_b'] })).toEqual([
      { severity: 'critical', status: 'resolved', false_positive: false, count: 1 },
      { severity: 'low', status: 'new', false_positive: false, count: 1 },
    ]);
  });

  it('sums recorded seconds and gaps inside the range (open segments until now)', async () => {
    const day = { from: at('2025-01-20T18:30:00Z'), to: at('2025-01-21T18:30:00Z'), now: at('2025-01-20T20:00:00Z') };
    expect(await analytics.coverage(day)).toEqual([{ camera_id: 'cam_a', recorded_seconds: 30 * 60 + 50 * 60 }]);
    expect(await analytics.gaps(day)).toEqual([{ camera_id: 'cam_a', cause: 'source lost', gaps: 1, seconds: 600 }]);
    expect(await analytics.coverage({ ...day, cameraIds: ['cam_b'] })).toEqual([]);
  });
});
