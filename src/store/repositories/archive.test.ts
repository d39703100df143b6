import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import type { Store } from '../port.ts';
import { createRepositories, type Repositories } from './index.ts';

const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);

describe('archive repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let repos: Repositories;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('archive-repo'));
    repos = createRepositories(store);
    const seg = (p: string, start: string, status: 'open' | 'closed' | 'missing' = 'closed') =>
      repos.segments.upsert({ cameraId: p.split('/')[0]!, path: p, startTime: t(start), endTime: status === 'open' ? null : new Date(t(start).getTime() + 10_000), bytes: 100, status });
    await seg('cam_a/20250120/100000_1.ts', '10:00:00');
    await seg('cam_a/20250120/100010_1.ts', '10:00:10');
    await seg('cam_a/20250120/100020_1.ts', '10:00:20', 'missing');
    await seg('cam_a/20250120/100030_1.ts', '10:00:30');
    await seg('cam_a/20250120/100040_1.ts', '10:00:40', 'open');
    await seg('cam_b/20250120/100000_7.ts', '10:00:00');
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('keeps a cursor that only moves forward and measures the lag behind it', async () => {
    const rows = await repos.archive.segmentsAfter('cam_a', 0, 10);
    expect(rows.map((r) => r.status)).toEqual(['closed', 'closed', 'missing', 'closed', 'open']);
    expect(await repos.archive.lag('cam_a', 0)).toEqual({ segments: 3, bytes: 300 });

    await repos.archive.advance('video-segments/cam_a', rows[1]!.id, rows[1]!.start_time);
    await repos.archive.advance('video-segments/cam_a', rows[0]!.id, rows[0]!.start_time); // stale writer: ignored
    const c = await repos.archive.cursor('video-segments/cam_a');
    expect(c).toMatchObject({ last_id: rows[1]!.id, last_start: t('10:00:10') });
    expect(await repos.archive.lag('cam_a', c!.last_id)).toEqual({ segments: 1, bytes: 100 });
    expect((await repos.archive.segmentsAfter('cam_a', c!.last_id, 1)).map((r) => r.path)).toEqual(['cam_a/20250120/100020_1.ts']);
    expect(await repos.archive.cursor('video-segments/cam_b')).toBeNull();
  });

  it('replaces the holds from the config file and leaves the others', async () => {
    const api = await repos.archive.addHold({ cameraId: 'cam_b', from: t('09:00:00'), to: t('09:30:00'), reason: 'operator' });
    await repos.archive.replaceConfigHolds([{ cameraId: 'cam_a', from: t('10:00:00'), to: t('10:01:00'), reason: 'old' }]);
    await repos.archive.replaceConfigHolds([{ bucket: 'event-clips', key: 'cam_a/evt1.mp4', reason: 'case 7' }]);
    const holds = await repos.archive.activeHolds();
    expect(holds.map((h) => [h.id === api ? 'api' : h.source, h.reason])).toEqual([['api', 'operator'], ['config', 'case 7']]);
    await expect(repos.archive.addHold({ cameraId: 'cam_b', from: t('10:00:00'), to: t('09:00:00'), reason: 'backwards' })).rejects.toThrow();
  });
});
