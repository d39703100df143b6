import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackSnapshotKey } from '../../src/analytics/track-events.ts';
import { createMemoryBus } from '../../src/bus/memory.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { Health } from '../../src/core/health.ts';
import { metrics } from '../../src/core/metrics.ts';
import { TOPICS, type DetectionMessage, type FrameMessage } from '../../src/core/types.ts';
import { LiveFeeds } from '../../src/media/live/feeds.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import type { RoleContext, RunningRole } from '../../src/roles/context.ts';
import { startInference, type AnalysedFrameEvent } from '../../src/roles/inference.ts';
import type { Store } from '../../src/store/port.ts';
import type { Repositories } from '../../src/store/repositories/types.ts';
import { until } from '../fixtures/until.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping inference role integration test: ${missing.join(', ')} not found`);

const CAMERA = 'cam_001';
/** consecutive frames of vtest (7 fps) with several pedestrians walking */
const FIRST = 100;
const COUNT = 12;
const CORRUPT_AT = 6;

function extractFrames(dir: string): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', `select=between(n\\,${FIRST}\\,${FIRST + COUNT - 1})`, '-fps_mode', 'passthrough', '-q:v', '4', path.join(dir, 'f%03d.jpg')], { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => readFileSync(path.join(dir, f)));
}

describe.skipIf(missing.length > 0)('inference role on vtest frames', () => {
  let dir: string;
  let role: RunningRole | undefined;
  const logLines: Record<string, unknown>[] = [];
  const published: DetectionMessage[] = [];
  const hooked: AnalysedFrameEvent[] = [];
  let ctx: RoleContext;
  let frames: Buffer[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-inference-'));
    frames = extractFrames(dir);
    const loaded = resolveConfig({
      sites: [{ id: 'main', cameras: [{ id: CAMERA, url: 'rtsp://127.0.0.1:1/none' }] }],
      storage: { data_dir: dir },
      // one worker on a shared 2-core machine; frames wait on the bus behind each other, so no staleness here
      detection: { workers: 1, max_frame_age_seconds: 600 },
    }, 'test');
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
    ctx = {
      loaded, log: pino({ level: 'info', base: undefined }, sink), health: new Health(), bus: createMemoryBus(),
      store: {} as Store, repos: {} as Repositories, objects: createDiskObjects(path.join(dir, 'objects')),
      cameraStatus: new Map(), liveFeeds: new LiveFeeds(),
    };
    role = await startInference(ctx, [(e) => void hooked.push(e)]);
    await ctx.bus.subscribe<DetectionMessage>({ topic: TOPICS.aiDetections, group: 'test', start: 'earliest', handler: async ({ value }) => void published.push(value) });
  }, 60_000);

  afterAll(async () => {
    await role?.stop();
    await ctx?.bus.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes detections with track ids, and logs and skips corrupt and empty frames', async () => {
    const skipped = async (): Promise<number> =>
      (await metrics.framesSkipped.get()).values.find((v) => v.labels.camera_id === CAMERA && v.labels.reason === 'bad_frame')?.value ?? 0;
    const skippedBefore = await skipped();
    const start = Date.now() - COUNT * 1000;
    const send = (jpeg: Buffer, i: number): Promise<unknown> => ctx.bus.publish<FrameMessage>(TOPICS.streamsRaw, CAMERA, {
      camera_id: CAMERA, timestamp: new Date(start + (i * 1000) / 7).toISOString(), seq: i, width: 768, height: 576, jpeg,
    });
    for (const [i, jpeg] of frames.entries()) {
      if (i === CORRUPT_AT) {
        await send(Buffer.from('not a jpeg at all'), 1000);
        await send(Buffer.alloc(0), 1001);
      }
      await send(jpeg, i);
    }
    await until('every good frame published', 55_000, () => (published.length >= frames.length ? true : undefined), 200);

    // the frames after the bad ones were analysed, in order
    expect(published.map((m) => m.frame_seq)).toEqual(frames.map((_, i) => i));
    expect(hooked.map((e) => e.frame.seq)).toEqual(frames.map((_, i) => i));
    const detections = published.flatMap((m) => m.detections);
    expect(detections.length).toBeGreaterThan(COUNT);
    for (const d of detections) expect(d.track_id, JSON.stringify(d)).toEqual(expect.any(Number));
    const tracks = new Set(detections.map((d) => d.track_id));
    // pedestrians keep their tracks across frames: far fewer tracks than detections
    expect(tracks.size).toBeLessThan(detections.length / 3);
    expect(published.every((m) => m.width === 768 && m.height === 576 && m.model === 'centernet')).toBe(true);

    // every track has its snapshot
    for (const id of tracks) expect(await ctx.objects.head('snapshots', trackSnapshotKey(CAMERA, id!)).catch(() => null), `snapshot of track ${id}`).not.toBeNull();

    const bad = logLines.filter((l) => l.msg === 'frame not analysed');
    expect(bad.map((l) => [l.camera, l.seq])).toEqual([[CAMERA, 1000], [CAMERA, 1001]]);
    expect(String(bad[0]!.cause)).toMatch(/decod|image|jpeg|format/i);
    expect(String(bad[1]!.cause)).toMatch(/empty|0 bytes/i);
    expect(await skipped()).toBe(skippedBefore + 2);
    // uncertain frames went to training data, rate-limited to one per camera per 30 s
    const uncertain = hooked.some((e) => e.analysis.ran !== 'none' && [...e.analysis.detections, ...e.analysis.uncertain].some((d) => d.confidence >= 0.3 && d.confidence < 0.6));
    const saved: string[] = [];
    for await (const o of ctx.objects.list('training-data', `auto/${CAMERA}/`)) saved.push(o.key.replace(/^.*\./, ''));
    expect(saved.sort()).toEqual(uncertain ? ['jpg', 'json'] : []);
    expect((await metrics.queueDepth.get()).values.find((v) => v.labels.model === 'centernet')?.value).toBe(0);
  }, 60_000);
});
