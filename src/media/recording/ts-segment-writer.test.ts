import fs, { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../core/log.ts';
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import type { Failure } from '../failure.ts';
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';
import { dayDir, parseSegmentPath } from '../ffmpeg-args.ts';
import { presentationTimestamps, TS_PACKET } from '../vod/ts-timestamps.ts';
import { FIRST_PTS } from './mpegts-muxer.ts';
import { TsSegmentWriter } from './ts-segment-writer.ts';

const log = createLogger('silent');
const sps = Buffer.from([0x67, 0x4d, 0x40, 0x20, 0xda]);
const pps = Buffer.from([0x68, 0xef, 0x0f, 0xc8]);
const T0 = Date.UTC(2026, 11, 7, 23, 59, 58, 500);

/** 25 fps, a keyframe every `gop` frames, timestamps from `pts0` */
function frames(n: number, o: { gop?: number; pts0?: number; at?: number; size?: number } = {}): TimedAccessUnit[] {
  const { gop = 25, pts0 = 1_000_000, at = T0, size = 200 } = o;
  return Array.from({ length: n }, (_, i) => {
    const idr = i % gop === 0;
    return {
      nals: [Buffer.concat([Buffer.from([idr ? 0x65 : 0x41, 0x88]), Buffer.alloc(size, i & 0xff)])], idr,
      pts90k: pts0 + i * 3600, receivedAt: at + i * 40, ...(idr ? { parameterSets: { sps, pps } } : {}),
    };
  });
}

describe('MPEG-TS segment writer', () => {
  let dir = '';
  let w: TsSegmentWriter;
  let opened: SegmentOpened[];
  let closed: SegmentClosed[];
  let failures: Failure[];
  let recovered: number;
  const make = (o: Partial<ConstructorParameters<typeof TsSegmentWriter>[0]> = {}): TsSegmentWriter => {
    w = new TsSegmentWriter({ cameraId: 'cam_1', recordingsDir: dir, segmentSeconds: 2, logger: log, ...o });
    opened = [];
    closed = [];
    failures = [];
    recovered = 0;
    w.on('segmentOpened', (s) => opened.push(s));
    w.on('segment', (s) => closed.push(s));
    w.on('storageFailure', (f) => failures.push(f));
    w.on('storageRecovered', () => recovered++);
    return w;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-tsw-'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await w?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens at the first keyframe, names the file by its wall-clock start, makes today\'s and tomorrow\'s directories', async () => {
    make();
    const fs = frames(60);
    for (const f of fs.slice(10)) w.push(f); // starts mid-GOP: frames before the keyframe at 25 are not recorded
    await w.close();
    expect(opened).toHaveLength(1);
    const start = new Date(fs[25]!.receivedAt);
    expect(opened[0]!.startTime).toEqual(start);
    expect(parseSegmentPath(opened[0]!.path)).toEqual({ cameraId: 'cam_1', start: new Date(Math.floor(start.getTime() / 1000) * 1000) });
    for (const day of [start, new Date(start.getTime() + 86_400_000)]) expect(existsSync(path.join(dir, 'cam_1', dayDir(day)))).toBe(true);
    const file = readFileSync(path.join(dir, opened[0]!.path));
    expect(closed[0]!.bytes).toBe(file.length);
    expect(file.length % TS_PACKET).toBe(0);
    // timestamps restart in each file, at ffmpeg's first PTS
    const pts = presentationTimestamps(file);
    expect(pts[0]).toBe(FIRST_PTS);
    expect(pts).toHaveLength(35);
    expect(closed[0]!.endTime.getTime() - start.getTime()).toBe(35 * 40);
  });

  it('cuts at the first keyframe after segmentSeconds; each segment ends where the next starts', async () => {
    make({ segmentSeconds: 2 });
    for (const f of frames(25 * 7 + 1, { gop: 25 })) w.push(f);
    await w.close();
    // 2 s segments on a 1 s GOP: cut at 0, 2, 4, 6 s; the last one holds one frame
    expect(closed.map((s) => s.endTime.getTime() - s.startTime.getTime())).toEqual([2000, 2000, 2000, 1040]);
    for (let i = 1; i < closed.length; i++) expect(closed[i]!.startTime).toEqual(closed[i - 1]!.endTime);
    for (const s of closed) {
      const pts = presentationTimestamps(readFileSync(path.join(dir, s.path)));
      expect(pts[0]).toBe(FIRST_PTS);
    }
    expect(new Set(closed.map((s) => s.path)).size).toBe(4);
  });

  it('starts a new segment when the source timestamps go back or leap forward', async () => {
    make({ segmentSeconds: 60 });
    const a = frames(30);
    const back = frames(30, { pts0: 500_000, at: T0 + 1200 });
    const leap = frames(30, { pts0: 500_000 + 30 * 3600 + 10 * 90_000, at: T0 + 2400 });
    for (const f of [...a, ...back, ...leap]) w.push(f);
    await w.close();
    expect(closed).toHaveLength(3);
    expect(closed.map((s) => presentationTimestamps(readFileSync(path.join(dir, s.path))).length)).toEqual([30, 30, 30]);
    // a new clock: the segment starts at the keyframe's arrival, not where the old clock would put it
    expect(closed[1]!.startTime.getTime()).toBe(T0 + 1200);
    expect(new Set(closed.map((s) => s.path)).size).toBe(3);
  });

  it('reset() ends the segment; the next one waits for a keyframe', async () => {
    make({ segmentSeconds: 60 });
    const fs = frames(50);
    for (const f of fs.slice(0, 20)) w.push(f);
    w.reset();
    for (const f of fs.slice(20)) w.push(f);
    await w.close();
    expect(closed).toHaveLength(2);
    expect(closed[0]!.endTime.getTime() - closed[0]!.startTime.getTime()).toBe(20 * 40);
    expect(closed[1]!.startTime.getTime()).toBe(fs[25]!.receivedAt);
  });

  it('reports a storage failure once without throwing, and recovers at a later keyframe', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const blocked = path.join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    make({ recordingsDir: blocked });
    const fs = frames(100);
    expect(() => fs.slice(0, 50).forEach((f) => w.push(f))).not.toThrow();
    expect(failures).toEqual([{ kind: 'storage', cause: expect.stringMatching(/^cannot write recordings: .*(ENOTDIR|EEXIST)/) }]);
    await rm(blocked);
    vi.setSystemTime(T0 + 6000);
    for (const f of fs.slice(50)) w.push(f);
    await w.close();
    expect(failures).toHaveLength(1);
    expect(recovered).toBe(1);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.startTime.getTime()).toBe(fs[50]!.receivedAt);
  });

  it('a full disk mid-segment is a storage failure, not an exception; the empty segment is withdrawn', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    make({ segmentSeconds: 60 });
    const discarded: string[] = [];
    w.on('segmentDiscarded', (s) => discarded.push(s.path));
    const enospc = (...args: unknown[]) => {
      const cb = args.at(-1) as (e: NodeJS.ErrnoException) => void;
      process.nextTick(() => cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })));
    };
    const spies = [vi.spyOn(fs, 'write').mockImplementation(enospc as never), vi.spyOn(fs, 'writev').mockImplementation(enospc as never)];
    const big = frames(50, { size: 40_000 });
    expect(() => big.slice(0, 25).forEach((f) => w.push(f))).not.toThrow();
    await vi.waitFor(() => expect(failures.length).toBeGreaterThan(0), { timeout: 5000 });
    expect(failures).toEqual([{ kind: 'storage', cause: 'cannot write recordings: ENOSPC: no space left on device, write' }]);
    for (const s of spies) s.mockRestore();
    // frames go on arriving: nothing is opened until the retry delay has passed, then it records again
    big.slice(25).forEach((f) => w.push(f));
    vi.setSystemTime(T0 + 6000);
    for (const f of frames(30, { pts0: 1_000_000 + 50 * 3600, at: T0 + 6000 })) w.push(f);
    await w.close();
    expect(failures).toHaveLength(1);
    expect(recovered).toBe(1);
    expect(discarded).toEqual([opened[0]!.path]);
    expect(existsSync(path.join(dir, opened[0]!.path))).toBe(false);
    expect(closed.map((s) => s.path)).toEqual([opened[1]!.path]);
  });

  it('bounds what waits for the disk: drops frames up to a keyframe, loudly counted, and the file stays whole', async () => {
    make({ segmentSeconds: 60, maxQueuedBytes: 300_000 });
    // big frames pushed in one go: nothing reaches the disk before the queue is full
    const fs = frames(100, { size: 40_000 });
    for (const f of fs) w.push(f);
    expect(w.droppedFrames).toBeGreaterThan(0);
    await w.close();
    const file = readFileSync(path.join(dir, closed[0]!.path));
    expect(file.length).toBeLessThan(300_000 + 200_000 + 48_000);
    expect(statSync(path.join(dir, closed[0]!.path)).size).toBe(closed[0]!.bytes);
    // what was written is whole GOPs' worth from a keyframe: the frames written plus the dropped make all
    expect(presentationTimestamps(file).length + w.droppedFrames).toBe(100);
  });

  it('a throwing listener does not stop recording', async () => {
    make();
    w.on('segmentOpened', () => {
      throw new Error('listener bug');
    });
    for (const f of frames(60)) w.push(f);
    await w.close();
    expect(closed.length).toBeGreaterThan(0);
  });
});
