import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import type { CameraWorkerEvents } from './camera-worker.ts';
import { reconcile, SegmentIndexer } from './segment-index.ts';
import { FakeSegmentRepo } from './segment-repo.fake.ts';

const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);

describe('SegmentIndexer', () => {
  it('writes open, close, discard and gaps in event order', async () => {
    const repo = new FakeSegmentRepo();
    const indexer = new SegmentIndexer(repo);
    const worker = new EventEmitter<CameraWorkerEvents>();
    const detach = indexer.attach(worker);
    const a = { cameraId: 'cam_1', path: 'cam_1/20250120/100000_1.ts', startTime: t('10:00:00') };
    worker.emit('gapEnd', { cameraId: 'cam_1', end: t('10:00:00') });
    worker.emit('segmentOpened', a);
    worker.emit('segment', { ...a, endTime: t('10:00:10'), bytes: 1000 });
    worker.emit('segmentOpened', { ...a, path: 'cam_1/20250120/100010_1.ts', startTime: t('10:00:10') });
    worker.emit('segmentDiscarded', { cameraId: 'cam_1', path: 'cam_1/20250120/100010_1.ts' });
    worker.emit('gap', { cameraId: 'cam_1', start: t('10:00:10'), cause: 'camera cam_1: DVR unreachable (connection refused)', kind: 'unreachable' });
    await indexer.flush();
    expect([...repo.rows.values()]).toMatchObject([{ path: a.path, status: 'closed', bytes: 1000, end_time: t('10:00:10') }]);
    expect(repo.gapRows).toEqual([{ camera_id: 'cam_1', start_time: t('10:00:10'), end_time: null, cause: 'camera cam_1: DVR unreachable (connection refused)', kind: 'unreachable' }]);

    worker.emit('gapEnd', { cameraId: 'cam_1', end: t('10:01:00') });
    await indexer.flush();
    expect(repo.gapRows[0]!.end_time).toEqual(t('10:01:00'));

    detach();
    worker.emit('segmentOpened', { ...a, path: 'cam_1/20250120/100100_2.ts' });
    await indexer.flush();
    expect(repo.rows.size).toBe(1);
  });

  it('survives a failing repository and keeps writing', async () => {
    const repo = new FakeSegmentRepo();
    let fail = true;
    const upsert = repo.upsert.bind(repo);
    repo.upsert = async (s) => {
      if (fail) {
        fail = false;
        throw new Error('database unavailable');
      }
      await upsert(s);
    };
    const indexer = new SegmentIndexer(repo, createLogger('silent'));
    const worker = new EventEmitter<CameraWorkerEvents>();
    indexer.attach(worker);
    worker.emit('segmentOpened', { cameraId: 'c', path: 'c/20250120/100000_1.ts', startTime: t('10:00:00') });
    worker.emit('segmentOpened', { cameraId: 'c', path: 'c/20250120/100010_1.ts', startTime: t('10:00:10') });
    await indexer.flush();
    expect([...repo.rows.keys()]).toEqual(['c/20250120/100010_1.ts']);
  });
});

describe('reconcile', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(rel: string, bytes: number, mtime?: Date): void {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), Buffer.alloc(bytes, 0x47));
    if (mtime) utimesSync(path.join(dir, rel), mtime, mtime);
  }

  it('indexes orphans, closes open rows (of unconfigured cameras too), trims partial TS packets, marks missing files, opens the downtime gap', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-reconcile-'));
    const repo = new FakeSegmentRepo();
    file('cam_1/20250120/100000_1.ts', 500, t('10:00:10'));   // orphan, cut mid-packet (500 = 2 × 188 + 124)
    file('cam_1/20250120/100010_1.ts', 700, t('10:00:17'));   // open row, crashed mid-segment
    file('cam_1/20250120/100020_2.ts', 0);                    // empty orphan
    file('cam_1/20250120/notes.txt', 3);                      // not ours
    await repo.upsert({ cameraId: 'cam_1', path: 'cam_1/20250120/100010_1.ts', startTime: t('10:00:10'), endTime: null, bytes: 0, status: 'open' });
    file('cam_gone/20250120/100000_1.ts', 376, t('10:00:04')); // whole packets; its camera left the config
    await repo.upsert({ cameraId: 'cam_gone', path: 'cam_gone/20250120/100000_1.ts', startTime: t('10:00:00'), endTime: null, bytes: 0, status: 'open' });
    await repo.upsert({ cameraId: 'cam_1', path: 'cam_1/20250119/230000_1.ts', startTime: new Date('2025-01-19T23:00:00Z'), endTime: new Date('2025-01-19T23:00:10Z'), bytes: 9, status: 'closed' });

    const report = await reconcile(dir, repo, ['cam_1', 'cam_2']);
    expect(report).toEqual({ indexed: 1, closed: 2, missing: 1, removedEmpty: 1, trimmed: 2 });
    expect(repo.rows.get('cam_1/20250120/100000_1.ts')).toMatchObject({ status: 'closed', start_time: t('10:00:00'), end_time: t('10:00:10'), bytes: 376 });
    expect(repo.rows.get('cam_1/20250120/100010_1.ts')).toMatchObject({ status: 'closed', end_time: t('10:00:17'), bytes: 564 });
    expect(statSync(path.join(dir, 'cam_1/20250120/100010_1.ts'))).toMatchObject({ size: 564, mtime: t('10:00:17') });
    expect(repo.rows.get('cam_gone/20250120/100000_1.ts')).toMatchObject({ status: 'closed', end_time: t('10:00:04'), bytes: 376 });
    expect(repo.rows.get('cam_1/20250119/230000_1.ts')!.status).toBe('missing');
    expect(existsSync(path.join(dir, 'cam_1/20250120/100020_2.ts'))).toBe(false);
    expect(repo.gapRows).toMatchObject([{ camera_id: 'cam_1', start_time: t('10:00:17'), end_time: null, kind: 'stopped' }]);

    // a second run finds nothing to do
    expect(await reconcile(dir, repo, ['cam_1'])).toEqual({ indexed: 0, closed: 0, missing: 0, removedEmpty: 0, trimmed: 0 });
  });
});
