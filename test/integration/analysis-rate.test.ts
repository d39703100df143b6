/**
 * Per-camera analysis rate against the DVR simulator (GOP 25 at 25 fps): the default keyframe
 * mode yields ~1 JPEG per second, `fps` mode N per second, and the recording is the same copy;
 * the worker's status reports the source's 25 fps apart from the analysed rate.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCamera } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import type { FrameMessage } from '../../src/core/types.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { CameraWorker, type SegmentClosed } from '../../src/media/camera-worker.ts';
import type { AnalysisRate } from '../../src/core/types.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping analysis-rate integration test: ffmpeg/ffprobe not found');

const WINDOW_MS = 6000;

describe.skipIf(!hasFfmpeg)('analysis rate per camera', () => {
  let dvr: DvrSimProcess;
  let dir = '';
  const workers: CameraWorker[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-rate-'));
    dvr = await spawnDvrSim({ channels: 1 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await dvr?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function start(id: string, analysis: AnalysisRate): { frames: FrameMessage[]; segments: SegmentClosed[] } {
    const camera: ResolvedCamera = { id, name: id, siteId: 'site', stream: 0, url: dvr.url(1), retentionDays: 1, detect: true, motionMask: [], analysis };
    const worker = new CameraWorker({ camera, stream: configSchema.parse({}).stream, segmentSeconds: 2, recordingsDir: dir, logger: createLogger('silent') });
    const seen = { frames: [] as FrameMessage[], segments: [] as SegmentClosed[] };
    worker.on('frame', (f) => seen.frames.push(f));
    worker.setFrameDemand(true);
    worker.on('segment', (s) => seen.segments.push(s));
    workers.push(worker);
    worker.start();
    return seen;
  }

  it('delivers ~1 JPEG/s from keyframes and ~N/s in fps mode, recording unchanged', async () => {
    const keyframes = start('cam_key', { mode: 'keyframes' });
    const fps = start('cam_fps', { mode: 'fps', fps: 5 });
    await until('frames from both cameras', 30_000, () => (keyframes.frames.length > 0 && fps.frames.length > 0 ? true : undefined), 50);
    const [k0, f0] = [keyframes.frames.length, fps.frames.length];
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const perSecond = (n: number): number => n / (WINDOW_MS / 1000);
    const keyRate = perSecond(keyframes.frames.length - k0);
    const fpsRate = perSecond(fps.frames.length - f0);
    expect(keyRate).toBeGreaterThan(0.6);
    expect(keyRate).toBeLessThan(1.5);
    expect(fpsRate).toBeGreaterThan(3.5);
    expect(fpsRate).toBeLessThan(6);
    // the status tells the source's rate (its stream says 25 fps) from the rate analysis gets
    const [keyStatus, fpsStatus] = workers.map((w) => w.status());
    expect([keyStatus!.sourceFps, fpsStatus!.sourceFps]).toEqual([25, 25]);
    expect(fpsStatus!.analysisFps).toBeGreaterThan(keyStatus!.analysisFps);
    const f = fps.frames.at(-1)!;
    expect([f.width, f.height, f.jpeg[0], f.jpeg[1]]).toEqual([960, 1080, 0xff, 0xd8]);

    await until('a closed segment of the fps camera', 20_000, () => fps.segments[0]);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', path.join(dir, fps.segments[0]!.path)]);
    expect((JSON.parse(probe.toString()) as { streams: unknown[] }).streams[0]).toEqual({ codec_name: 'h264', width: 960, height: 1080 });
  }, 60_000);
});
