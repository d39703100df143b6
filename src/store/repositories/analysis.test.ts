import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../open.ts';
import type { Store } from '../port.ts';
import { createRepositories, type Repositories } from './index.ts';

const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);

describe('analysis repository (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-analysis-repo-'));
  let store: Store;
  let repos: Repositories;
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps live_until moving forward only', async () => {
    expect(await repos.analysis.liveUntil('cam_a')).toBeNull();
    await repos.analysis.setLiveUntil('cam_a', t('10:00:05'));
    await repos.analysis.setLiveUntil('cam_a', t('10:00:03')); // a late writer never moves it back
    expect(await repos.analysis.liveUntil('cam_a')).toEqual(t('10:00:05'));
    expect(await repos.analysis.state('cam_a')).toEqual({ liveUntil: t('10:00:05'), cursor: t('10:00:05'), holes: 0, unanalysedSeconds: 0 });
  });

  it('puts the cursor at the oldest hole, lists each camera\'s oldest hole oldest first, and shrinks holes as catch-up goes', async () => {
    await repos.analysis.addHole('cam_a', t('09:58:00'), t('09:59:00'), 'analysis was not running');
    await repos.analysis.addHole('cam_a', t('09:59:30'), t('09:59:40'), 'live frames skipped (queue_full)');
    await repos.analysis.addHole('cam_b', t('09:50:00'), t('09:50:30'), 'live frames skipped (stale)');
    await repos.analysis.addHole('cam_b', t('09:51:00'), t('09:51:00'), 'empty'); // nothing to analyse: not stored
    await repos.analysis.addHole('cam_b', t('09:50:30'), t('09:50:40'), 'live frames skipped (stale)'); // extends the one before

    const oldest = await repos.analysis.oldestHoles();
    expect(oldest.map((h) => [h.cameraId, h.start, h.end])).toEqual([['cam_b', t('09:50:00'), t('09:50:40')], ['cam_a', t('09:58:00'), t('09:59:00')]]);
    expect((await repos.analysis.state('cam_b')).holes).toBe(1);
    expect(await repos.analysis.state('cam_a')).toEqual({ liveUntil: t('10:00:05'), cursor: t('09:58:00'), holes: 2, unanalysedSeconds: 70 });

    const [, a] = oldest;
    await repos.analysis.advanceHole(a!.id, t('09:58:40'));
    expect((await repos.analysis.state('cam_a')).cursor).toEqual(t('09:58:40'));
    await repos.analysis.advanceHole(a!.id, t('09:58:10')); // progress never goes back
    expect((await repos.analysis.state('cam_a')).cursor).toEqual(t('09:58:40'));
    await repos.analysis.advanceHole(a!.id, t('09:59:00'));
    expect(await repos.analysis.state('cam_a')).toMatchObject({ cursor: t('09:59:30'), holes: 1 });
    const next = (await repos.analysis.oldestHoles()).find((h) => h.cameraId === 'cam_a')!;
    expect(next).toMatchObject({ start: t('09:59:30'), end: t('09:59:40'), cause: 'live frames skipped (queue_full)' });
    await repos.analysis.advanceHole(next.id, t('10:00:00'));
    expect(await repos.analysis.state('cam_a')).toMatchObject({ cursor: t('10:00:05'), holes: 0 });
  });

  it('stores late events and reads the flag back', async () => {
    const base = { cameraId: 'cam_a', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: null, startTime: t('09:58:20'), endTime: t('09:58:25') };
    const late = await repos.events.upsert({ ...base, eventKey: 'cam_a:late-1', late: true });
    const live = await repos.events.upsert({ ...base, eventKey: 'cam_a:live-1' });
    expect((await repos.events.get(late))!.late).toBe(true);
    expect((await repos.events.get(live))!.late).toBe(false);
    expect((await repos.events.list({ cameraIds: ['cam_a'], late: true, limit: 10 })).items.map((e) => e.id)).toEqual([late]);
    expect((await repos.events.list({ cameraIds: ['cam_a'], late: false, limit: 10 })).items.map((e) => e.id)).toEqual([live]);
  });
});
