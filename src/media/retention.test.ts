import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SegmentRow, SegmentStatus } from '../store/repositories/types.ts';
import { createLogger } from '../core/log.ts';
import { planRetention, runRetention } from './retention.ts';
import { FakeSegmentRepo } from './segment-repo.fake.ts';

const now = new Date('2025-01-20T12:00:00Z');
const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);
let id = 0;
function row(camera: string, ageDays: number, bytes = 100, status: SegmentStatus = 'closed'): SegmentRow {
  const start = daysAgo(ageDays);
  const day = start.toISOString().slice(0, 10).replace(/-/g, '');
  return { id: ++id, camera_id: camera, start_time: start, end_time: status === 'open' ? null : new Date(start.getTime() + 10_000), path: `${camera}/${day}/${id}.ts`, bytes, status };
}

describe('planRetention', () => {
  const days = (cam: string): number => (cam === 'short' ? 1 : 7);

  it('deletes by per-camera age only when disk is fine', () => {
    const segs = [row('a', 8), row('a', 6), row('short', 2), row('short', 0.5)];
    const plan = planRetention({ now, segments: segs, retentionDays: days, freeBytes: 1e12, minFreeBytes: 1e9 });
    expect(plan.map((d) => [d.path, d.reason])).toEqual([[segs[0]!.path, 'age'], [segs[2]!.path, 'age']]);
  });

  it('then deletes the oldest closed segments across cameras until the floor is met, never an open one', () => {
    const open = row('b', 3, 1000, 'open');
    const segs = [row('a', 5, 300), open, row('b', 4, 300), row('a', 1, 300), row('b', 0.1, 300)];
    const plan = planRetention({ now, segments: [...segs, segs[0]!], retentionDays: days, freeBytes: 1000, minFreeBytes: 1500 });
    expect(plan.map((d) => d.path)).toEqual([segs[0]!.path, segs[2]!.path]);
    expect(plan.every((d) => d.reason === 'disk')).toBe(true);
    const starving = planRetention({ now, segments: segs, retentionDays: days, freeBytes: 0, minFreeBytes: 1e12 });
    expect(starving.map((d) => d.path)).not.toContain(open.path);
    expect(starving).toHaveLength(4);
  });

  it('spares unarchived segments from age; the disk floor takes archived ones first, unarchived ones last and flagged', () => {
    const segs = [{ ...row('a', 9, 300), unsynced: true }, row('a', 8, 300), { ...row('a', 2, 300), unsynced: true }, row('a', 1, 300)];
    expect(planRetention({ now, segments: segs, retentionDays: days, freeBytes: 1e12, minFreeBytes: 0 }).map((d) => d.path)).toEqual([segs[1]!.path]);
    const plan = planRetention({ now, segments: segs, retentionDays: days, freeBytes: 0, minFreeBytes: 1000 });
    expect(plan.map((d) => [d.path, d.reason, d.unsynced ?? false])).toEqual([
      [segs[1]!.path, 'age', false], [segs[3]!.path, 'disk', false], [segs[0]!.path, 'disk', true], [segs[2]!.path, 'disk', true],
    ]);
  });

  it('ages out missing rows (no file) without counting them as freed space', () => {
    const segs = [row('a', 9, 500, 'missing'), row('a', 3, 300)];
    const plan = planRetention({ now, segments: segs, retentionDays: days, freeBytes: 0, minFreeBytes: 200 });
    expect(plan.map((d) => [d.path, d.reason, d.bytes])).toEqual([[segs[0]!.path, 'age', 0], [segs[1]!.path, 'disk', 300]]);
  });

  it('counts age deletions toward the floor', () => {
    const segs = [row('a', 10, 600), row('a', 3, 600)];
    const plan = planRetention({ now, segments: segs, retentionDays: days, freeBytes: 1000, minFreeBytes: 1500 });
    expect(plan.map((d) => d.reason)).toEqual(['age']);
  });
});

describe('runRetention', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes files then rows, removes emptied past day dirs, keeps today', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-retention-'));
    const repo = new FakeSegmentRepo();
    const segs = [row('a', 9), row('a', 8), row('a', 0), row('a', 0, 100, 'open')];
    for (const s of segs) {
      mkdirSync(path.join(dir, path.dirname(s.path)), { recursive: true });
      writeFileSync(path.join(dir, s.path), 'x');
      await repo.upsert({ cameraId: s.camera_id, path: s.path, startTime: s.start_time, endTime: s.end_time, bytes: s.bytes, status: s.status });
    }
    rmSync(path.join(dir, segs[1]!.path)); // already gone on disk: the row still goes

    const result = await runRetention({
      repo, recordingsDir: dir, cameras: [{ id: 'a', retentionDays: 7 }], defaultRetentionDays: 7, minFreeBytes: 0,
      now: () => now, freeBytes: async () => 1e12, batchSize: 1, log: createLogger('silent'),
    });
    expect(result).toEqual({ deleted: 2, bytes: 200 });
    expect([...repo.rows.keys()]).toEqual([segs[2]!.path, segs[3]!.path]);
    expect(existsSync(path.join(dir, segs[0]!.path))).toBe(false);
    expect(existsSync(path.dirname(path.join(dir, segs[0]!.path)))).toBe(false);
    expect(existsSync(path.join(dir, segs[2]!.path))).toBe(true);
  });

  it('frees disk across rounds until the floor is met, sparing the open segment', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-retention-'));
    const repo = new FakeSegmentRepo();
    const segs = [row('a', 3), row('b', 2), row('a', 1), row('b', 0, 100, 'open')];
    for (const s of segs) {
      mkdirSync(path.join(dir, path.dirname(s.path)), { recursive: true });
      writeFileSync(path.join(dir, s.path), 'x');
      await repo.upsert({ cameraId: s.camera_id, path: s.path, startTime: s.start_time, endTime: s.end_time, bytes: s.bytes, status: s.status });
    }
    const result = await runRetention({
      repo, recordingsDir: dir, cameras: [{ id: 'a', retentionDays: 7 }, { id: 'b', retentionDays: 7 }], defaultRetentionDays: 7,
      minFreeBytes: 10_000, now: () => now, freeBytes: async () => 0, batchSize: 1, log: createLogger('silent'),
    });
    expect(result.deleted).toBe(3);
    expect([...repo.rows.keys()]).toEqual([segs[3]!.path]);
    expect(existsSync(path.join(dir, segs[3]!.path))).toBe(true);
  });
});
