import { describe, expect, it } from 'vitest';
import { useTestRepositories } from '../../../test/fixtures/test-repos.ts';

const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);

describe('analysis repository', () => {
  const db = useTestRepositories('analysis-repo');

  it('keeps live_until moving forward only', async () => {
    expect(await db.repos.analysis.liveUntil('cam_a')).toBeNull();
    await db.repos.analysis.setLiveUntil('cam_a', t('10:00:05'));
    await db.repos.analysis.setLiveUntil('cam_a', t('10:00:03')); // a late writer never moves it back
    expect(await db.repos.analysis.liveUntil('cam_a')).toEqual(t('10:00:05'));
    expect(await db.repos.analysis.state('cam_a')).toEqual({ liveUntil: t('10:00:05'), cursor: t('10:00:05'), holes: 0, unanalysedSeconds: 0 });
  });

  it('puts the cursor at the oldest hole, lists each camera\'s oldest hole oldest first, and shrinks holes as catch-up goes', async () => {
    await db.repos.analysis.addHole('cam_a', t('09:58:00'), t('09:59:00'), 'analysis was not running');
    await db.repos.analysis.addHole('cam_a', t('09:59:30'), t('09:59:40'), 'live frames skipped (queue_full)');
    await db.repos.analysis.addHole('cam_b', t('09:50:00'), t('09:50:30'), 'live frames skipped (stale)');
    await db.repos.analysis.addHole('cam_b', t('09:51:00'), t('09:51:00'), 'empty'); // nothing to analyse: not stored
    await db.repos.analysis.addHole('cam_b', t('09:50:30'), t('09:50:40'), 'live frames skipped (stale)'); // extends the one before

    const oldest = await db.repos.analysis.oldestHoles();
    expect(oldest.map((h) => [h.cameraId, h.start, h.end])).toEqual([['cam_b', t('09:50:00'), t('09:50:40')], ['cam_a', t('09:58:00'), t('09:59:00')]]);
    expect((await db.repos.analysis.state('cam_b')).holes).toBe(1);
    expect(await db.repos.analysis.state('cam_a')).toEqual({ liveUntil: t('10:00:05'), cursor: t('09:58:00'), holes: 2, unanalysedSeconds: 70 });

    const [, a] = oldest;
    await db.repos.analysis.advanceHole(a!.id, t('09:58:40'));
    expect((await db.repos.analysis.state('cam_a')).cursor).toEqual(t('09:58:40'));
    await db.repos.analysis.advanceHole(a!.id, t('09:58:10')); // progress never goes back
    expect((await db.repos.analysis.state('cam_a')).cursor).toEqual(t('09:58:40'));
    await db.repos.analysis.advanceHole(a!.id, t('09:59:00'));
    expect(await db.repos.analysis.state('cam_a')).toMatchObject({ cursor: t('09:59:30'), holes: 1 });
    const next = (await db.repos.analysis.oldestHoles()).find((h) => h.cameraId === 'cam_a')!;
    expect(next).toMatchObject({ start: t('09:59:30'), end: t('09:59:40'), cause: 'live frames skipped (queue_full)' });
    await db.repos.analysis.advanceHole(next.id, t('10:00:00'));
    expect(await db.repos.analysis.state('cam_a')).toMatchObject({ cursor: t('10:00:05'), holes: 0 });
  });

  it('stores late events and reads the flag back', async () => {
    const base = { cameraId: 'cam_a', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: null, startTime: t('09:58:20'), endTime: t('09:58:25') };
    const late = await db.repos.events.upsert({ ...base, eventKey: 'cam_a:late-1', late: true });
    const live = await db.repos.events.upsert({ ...base, eventKey: 'cam_a:live-1' });
    expect((await db.repos.events.get(late))!.late).toBe(true);
    expect((await db.repos.events.get(live))!.late).toBe(false);
    expect((await db.repos.events.list({ cameraIds: ['cam_a'], late: true, limit: 10 })).items.map((e) => e.id)).toEqual([late]);
    expect((await db.repos.events.list({ cameraIds: ['cam_a'], late: false, limit: 10 })).items.map((e) => e.id)).toEqual([live]);
  });
});
