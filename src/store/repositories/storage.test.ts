import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import type { Store } from '../port.ts';
import { createRepositories, type Repositories } from './index.ts';
import type { EvidenceScope } from './storage.ts';

const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);
const DAY = 86_400_000;

describe('storage repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let repos: Repositories;
  // five 10 s segments of cam_a from 10:00:00 (the last open), one of cam_b
  const name = (cam: string, start: string) => `${cam}/20250120/${start.replace(/:/g, '')}_1.ts`;
  const scope = (o: Partial<EvidenceScope> = {}): EvidenceScope => ({ syncStream: null, preSeconds: 2, postSeconds: 2, evidenceSince: t('00:00:00'), newestSince: t('12:00:00'), ...o });
  const event = (key: string, start: string, end: string) => repos.events.upsert({
    eventKey: key, cameraId: 'cam_a', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: `cam_a/tracks/${key}.jpg`, startTime: t(start), endTime: t(end),
  });
  const tiers = async (s = scope()) => Object.fromEntries(await Promise.all((['recordings', 'evidence', 'newest'] as const)
    .map(async (tier) => [tier, (await repos.storage.oldestOfTier(tier, 10, s)).map((r) => r.path)])));

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('storage-repo'));
    repos = createRepositories(store);
    for (const [i, start] of ['10:00:00', '10:00:10', '10:00:20', '10:00:30', '10:00:40'].entries()) {
      await repos.segments.upsert({ cameraId: 'cam_a', path: name('cam_a', start), startTime: t(start), endTime: i === 4 ? null : new Date(t(start).getTime() + 10_000), bytes: 100, status: i === 4 ? 'open' : 'closed' });
    }
    await repos.segments.upsert({ cameraId: 'cam_b', path: name('cam_b', '10:00:00'), startTime: t('10:00:00'), endTime: t('10:00:10'), bytes: 50, status: 'closed' });
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('ranks segments by the events that need their footage (start − pre .. end + post); overlapping events share it', async () => {
    expect(await tiers()).toEqual({
      recordings: [name('cam_a', '10:00:00'), name('cam_b', '10:00:00'), name('cam_a', '10:00:10'), name('cam_a', '10:00:20'), name('cam_a', '10:00:30')],
      evidence: [], newest: [],
    });
    // 10:00:21..10:00:25 with 2 s pre/post needs 10:00:19..10:00:27: the second and third segments
    await event('a1', '10:00:21', '10:00:25');
    await event('a2', '10:00:22', '10:00:24');
    expect((await tiers()).evidence).toEqual([name('cam_a', '10:00:10'), name('cam_a', '10:00:20')]);
    // an event older than evidence retention no longer protects its footage
    expect((await tiers(scope({ evidenceSince: t('10:00:30') }))).evidence).toEqual([]);
    // retention by age sees only plain recording: not the evidence, not the open segment
    const aged = await repos.storage.agedRecordings('cam_a', t('11:00:00'), 10, scope());
    expect(aged.map((r) => [r.path, r.tier])).toEqual([[name('cam_a', '10:00:00'), 'recordings'], [name('cam_a', '10:00:30'), 'recordings']]);
  });

  it('finds open alerts\' footage from their spans, whatever its age', async () => {
    const { rows } = await store.query<{ id: number }>(`SELECT id FROM events WHERE event_key = 'a1'`);
    await store.query(`INSERT INTO alerts (event_id, event_key, camera_id, severity, status, snapshot_path) VALUES ($1, 'a1', 'cam_a', 'high', 'new', 'cam_a/tracks/a1.jpg')`, [rows[0]!.id]);
    const spans = await repos.storage.openAlertSpans(2, 2);
    expect(spans).toEqual([{ camera_id: 'cam_a', from: t('10:00:19'), to: t('10:00:27') }]);
    const s = scope({ evidenceSince: t('11:00:00'), newestSince: t('10:00:30') });
    expect((await repos.storage.segmentsIn(spans, 10, s)).map((r) => [r.path, r.tier])).toEqual([[name('cam_a', '10:00:10'), 'open-alert'], [name('cam_a', '10:00:20'), 'open-alert']]);
    expect((await tiers(s)).newest).toEqual([name('cam_a', '10:00:30')]);
    expect(await repos.storage.openAlertSnapshots()).toEqual(['cam_a/tracks/a1.jpg']);
    await store.query(`UPDATE alerts SET status = 'resolved' WHERE event_key = 'a1'`);
    expect(await repos.storage.openAlertSpans(2, 2)).toEqual([]);
    expect(await repos.storage.openAlertSnapshots()).toEqual([]);
  });

  it('leaves held segments out and flags unsynced ones when sync is on', async () => {
    const hold = await repos.archive.addHold({ cameraId: 'cam_a', from: t('10:00:01'), to: t('10:00:02'), reason: 'incident 42' });
    expect((await tiers()).recordings).not.toContain(name('cam_a', '10:00:00'));
    await repos.archive.releaseHold(hold);
    const synced = await repos.segments.list('cam_b', t('10:00:00'), t('10:01:00'));
    await repos.archive.advance('video-segments/cam_b', synced[0]!.id, synced[0]!.start_time);
    const rows = await repos.storage.oldestOfTier('recordings', 10, scope({ syncStream: 'video-segments/' }));
    expect(rows.map((r) => [r.camera_id, r.unsynced])).toEqual([['cam_a', true], ['cam_b', false], ['cam_a', true]]);
    expect((await repos.storage.oldestOfTier('recordings', 10, scope())).every((r) => !r.unsynced)).toBe(true);
  });

  it('measures recordings per camera and what is kept past each camera\'s retention', async () => {
    const usage = await repos.storage.recordingUsage(new Map([['cam_a', t('10:00:15')]]), new Date(t('10:00:00').getTime() - DAY));
    expect(usage).toEqual([
      { camera_id: 'cam_a', bytes: 500, kept_bytes: 100, oldest: t('10:00:10'), oldest_kept: t('10:00:00') },
      { camera_id: 'cam_b', bytes: 50, kept_bytes: 0, oldest: t('10:00:00'), oldest_kept: null },
    ]);
  });
});
