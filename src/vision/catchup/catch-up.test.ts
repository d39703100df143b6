import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCamera } from '../../config/load.ts';
import { createLogger } from '../../core/log.ts';
import { DEFAULT_SAMPLE_DIR } from '../../dvr-sim/sample.ts';
import type { AnalysisHole, AnalysisRepo } from '../../store/repositories/analysis.ts';
import type { SegmentRow } from '../../store/repositories/types.ts';
import type { CameraAnalyzer, FrameAnalysis, FrameInput } from '../analyzer.ts';
import { CatchUp, type LateFrame } from './catch-up.ts';

const SAMPLE = path.join(DEFAULT_SAMPLE_DIR, 'vtest-main.h264');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample stream ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping catch-up worker test: ${missing.join(', ')} not found`);

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const camera = (id: string): ResolvedCamera => ({ id, name: id, siteId: 's', stream: 0, retentionDays: 7, detect: true, url: 'rtsp://127.0.0.1:1/x' });

/** Holes and segments in memory, with the repository's semantics (see analysis.test.ts for the SQL). */
class Fakes {
  holes: AnalysisHole[] = [];
  segments: SegmentRow[] = [];
  private id = 1;
  addHole(cameraId: string, start: Date, end: Date): void {
    this.holes.push({ id: this.id++, cameraId, start, end, cause: 'test' });
  }
  addSegment(cameraId: string, file: string, start: number, seconds: number, open = false): SegmentRow {
    const row: SegmentRow = { id: this.id++, camera_id: cameraId, path: file, start_time: at(start), end_time: open ? null : at(start + seconds), bytes: 1, status: open ? 'open' : 'closed' };
    this.segments.push(row);
    return row;
  }
  repo: Pick<AnalysisRepo, 'oldestHoles' | 'advanceHole'> = {
    oldestHoles: async () => {
      const byCamera = new Map<string, AnalysisHole>();
      for (const h of [...this.holes].sort((a, b) => a.start.getTime() - b.start.getTime())) if (!byCamera.has(h.cameraId)) byCamera.set(h.cameraId, { ...h });
      return [...byCamera.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
    },
    advanceHole: async (id, start) => {
      const h = this.holes.find((x) => x.id === id);
      if (!h) return;
      if (h.end <= start) this.holes = this.holes.filter((x) => x !== h);
      else if (start > h.start) h.start = start;
    },
  };
  list = async (cameraId: string, from: Date, to: Date): Promise<SegmentRow[]> =>
    this.segments.filter((s) => s.camera_id === cameraId && s.start_time < to && (s.end_time === null || s.end_time > from));
}

/** Records the frames it is given; finds nothing. */
function recordingAnalyzer(seen: Array<{ camera: string; at: number }>, cameraId: string): CameraAnalyzer {
  return {
    analyze: async (f: FrameInput): Promise<FrameAnalysis> => {
      seen.push({ camera: cameraId, at: f.timestamp.getTime() });
      return { width: 960, height: 1080, detections: [], uncertain: [], ended: [], improved: [], motion: { regions: [], ratio: 0 }, ran: 'none', reason: 'test', inferenceMs: 0 };
    },
  } as unknown as CameraAnalyzer;
}

describe.skipIf(missing.length > 0)('CatchUp (recorded segments, real ffmpeg)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-catchup-worker-'));
    mkdirSync(path.join(dir, 'cam'));
    // two 4 s segments of the 25 fps, GOP 25 sample: keyframes at 0, 1, 2, 3 s of each
    for (const [name, from] of [['a.ts', 0], ['b.ts', 4]] as const) {
      const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'h264', '-r', '25', '-i', SAMPLE, '-ss', String(from), '-t', '4', '-c', 'copy', '-f', 'mpegts', path.join(dir, 'cam', name)], { timeout: 60_000 });
      if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function start(fakes: Fakes, seen: Array<{ camera: string; at: number }>, delivered: LateFrame[]): CatchUp {
    const cameras = new Map(['cam', 'cam2'].map((id) => [id, camera(id)]));
    const c = new CatchUp({
      repo: fakes.repo, segments: { list: fakes.list }, recordingsDir: dir, cameras, owns: () => true,
      newAnalyzer: (cam) => recordingAnalyzer(seen, cam.id),
      deliver: async (late) => void delivered.push(late),
      marginMs: () => 500, settleMs: 0, maxAgeMs: Date.now() - T0 + 3_600_000, log: createLogger('silent'), idleMs: 50,
    });
    c.start();
    return c;
  }

  const waitFor = async (check: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('analyses the recorded frames strictly inside the hole, in capture order across segments, then deletes the hole', async () => {
    const fakes = new Fakes();
    fakes.addSegment('cam', 'cam/a.ts', 0, 4);
    fakes.addSegment('cam', 'cam/b.ts', 4, 4);
    // live analysis saw the frames at 1 s and 7 s: the keyframes in between are the hole
    fakes.addHole('cam', at(1), at(7));
    const seen: Array<{ camera: string; at: number }> = [];
    const delivered: LateFrame[] = [];
    const c = start(fakes, seen, delivered);
    await waitFor(() => fakes.holes.length === 0, 'the hole to be worked off');
    await c.stop();
    expect(seen.map((s) => (s.at - T0) / 1000)).toEqual([2, 3, 4, 5, 6]);
    expect(delivered.map((d) => d.frame.capturedAt)).toEqual([2, 3, 4, 5, 6].map(at));
    expect(delivered.every((d) => d.camera.id === 'cam' && d.frame.jpeg.length > 0 && d.frame.width === 960)).toBe(true);
    // one run (one tracker) for the whole hole; sequence numbers increase
    expect(new Set(delivered.map((d) => d.snapshotted)).size).toBe(1);
    const seqs = delivered.map((d) => d.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('waits for a segment still being recorded, and resumes after the last frame it analysed', async () => {
    const fakes = new Fakes();
    fakes.addSegment('cam', 'cam/a.ts', 0, 4);
    const open = fakes.addSegment('cam', 'cam/b.ts', 4, 4, true);
    fakes.addHole('cam', at(0.2), at(7.5));
    const seen: Array<{ camera: string; at: number }> = [];
    const c = start(fakes, seen, []);
    await waitFor(() => seen.length === 3, 'the closed segment\'s frames');
    await new Promise((r) => setTimeout(r, 300)); // several idle rounds: the open segment is not touched
    expect(seen.map((s) => (s.at - T0) / 1000)).toEqual([1, 2, 3]);
    await c.stop();
    // the progress is stored (the last frame less the margin): a new worker, as after a restart, goes on after 3 s
    expect(fakes.holes[0]!.start).toEqual(at(2.5));
    open.end_time = at(8);
    open.status = 'closed';
    const after: Array<{ camera: string; at: number }> = [];
    const c2 = start(fakes, after, []);
    await waitFor(() => fakes.holes.length === 0, 'the rest of the hole');
    await c2.stop();
    // 7 s is within the margin of the hole's end (a frame live analysis saw)
    expect(after.map((s) => (s.at - T0) / 1000)).toEqual([4, 5, 6]);
  });

  it('works on the oldest hole of all cameras first', async () => {
    const fakes = new Fakes();
    fakes.addSegment('cam', 'cam/a.ts', 0, 4);
    fakes.addSegment('cam2', 'cam/b.ts', -10, 4);
    fakes.addHole('cam', at(0.2), at(3.5));
    fakes.addHole('cam2', at(-10), at(-6.5));
    const seen: Array<{ camera: string; at: number }> = [];
    const c = start(fakes, seen, []);
    await waitFor(() => fakes.holes.length === 0, 'both holes');
    await c.stop();
    expect(seen.map((s) => [s.camera, (s.at - T0) / 1000])).toEqual([['cam2', -9], ['cam2', -8], ['cam', 1], ['cam', 2]]);
  });
});
