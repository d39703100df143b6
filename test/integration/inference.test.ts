import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { trackSnapshotKey, triggerFrameKey } from '../../src/analytics/track-events.ts';
import { createMemoryBus } from '../../src/bus/memory.ts';
import { createMemoryCache } from '../../src/cache/memory.ts';
import type { CameraAdmin } from '../../src/settings/camera-admin.ts';
import type { RecipientAdmin } from '../../src/settings/recipients.ts';
import type { LiveStoragePolicy, StorageAdmin } from '../../src/settings/retention.ts';
import { LiveCameras } from '../../src/config/live-cameras.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { Health } from '../../src/core/health.ts';
import { metrics } from '../../src/core/metrics.ts';
import { TOPICS, type DetectionMessage, type FrameMessage } from '../../src/core/types.ts';
import type { ClipMaterialiser } from '../../src/media/clips/materialise.ts';
import { LiveFeeds } from '../../src/media/live/feeds.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import type { RoleContext, RunningRole } from '../../src/roles/context.ts';
import { startInference } from '../../src/roles/inference.ts';
import type { AnalysedFrameEvent } from '../../src/vision/frame-hook.ts';
import type { Store } from '../../src/store/port.ts';
import type { AnalysisRepo } from '../../src/store/repositories/analysis.ts';
import type { Repositories } from '../../src/store/repositories/types.ts';
import type { ConfigService } from '../../src/settings/service.ts';
import { StorageLedger } from '../../src/storage/ledger.ts';
import { sharedFaceEmbedder } from '../../src/vision/faces/shared-embedder.ts';
import { until } from '../fixtures/until.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping inference role integration test: ${missing.join(', ')} not found`);

const CAMERA = 'cam_001';
const OTHER = 'cam_002';
/** consecutive frames of vtest (7 fps) with several pedestrians walking */
const FIRST = 100;
const COUNT = 12;
const CORRUPT_AT = 6;

function extractFrames(dir: string): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', `select=between(n\\,${FIRST}\\,${FIRST + COUNT - 1})`, '-fps_mode', 'passthrough', '-q:v', '4', path.join(dir, 'f%03d.jpg')], { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => readFileSync(path.join(dir, f)));
}

/** No stored analysis cursor and nothing to catch up: this test is about live analysis. */
const noCursor: Partial<AnalysisRepo> = {
  liveUntil: async () => null, setLiveUntil: async () => {}, addHole: async () => {}, oldestHoles: async () => [],
  state: async () => ({ liveUntil: null, cursor: null, holes: 0, unanalysedSeconds: 0 }),
};

/** The inference role on a memory bus and disk objects, with everything it emitted. */
interface Harness {
  ctx: RoleContext;
  role: RunningRole;
  logLines: Record<string, unknown>[];
  published: DetectionMessage[];
  hooked: AnalysedFrameEvent[];
  send(camera: string, jpeg: Buffer, seq: number): Promise<unknown>;
}

async function startRole(dir: string, detection: Record<string, unknown>): Promise<Harness> {
  const loaded = resolveConfig({
    sites: [{ id: 'main', cameras: [CAMERA, OTHER].map((id) => ({ id, url: 'rtsp://127.0.0.1:1/none' })) }],
    storage: { data_dir: dir },
    // one worker on a shared 2-core machine; no staleness here (frames may wait behind each other)
    detection: { workers: 1, max_frame_age_seconds: 600, ...detection },
  }, 'test');
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const ctx: RoleContext = {
    loaded, log: pino({ level: 'info', base: undefined }, sink), health: new Health(), bus: createMemoryBus(),
    store: {} as Store, repos: { analysis: noCursor } as unknown as Repositories, objects: createDiskObjects(path.join(dir, 'objects')), cache: createMemoryCache(),
    cameras: new LiveCameras(loaded.cameras), cameraStatus: new Map(), liveFeeds: new LiveFeeds(),
    faceEmbedder: sharedFaceEmbedder(() => Promise.reject(new Error('faces are not part of this test'))),
    clips: {} as ClipMaterialiser, storage: new StorageLedger(), settings: {} as ConfigService, cameraAdmin: {} as CameraAdmin, storageAdmin: {} as StorageAdmin, storagePolicy: {} as LiveStoragePolicy, recipientAdmin: {} as RecipientAdmin,
  };
  const hooked: AnalysedFrameEvent[] = [];
  const published: DetectionMessage[] = [];
  const role = await startInference(ctx, [(e) => void hooked.push(e)]);
  await ctx.bus.subscribe<DetectionMessage>({ topic: TOPICS.aiDetections, group: 'test', start: 'earliest', handler: async ({ value }) => void published.push(value) });
  const start = Date.now() - COUNT * 1000;
  const send = (camera: string, jpeg: Buffer, seq: number): Promise<unknown> => ctx.bus.publish<FrameMessage>(TOPICS.streamsRaw, camera, {
    camera_id: camera, timestamp: new Date(start + (seq * 1000) / 7).toISOString(), seq, width: 768, height: 576, jpeg,
  });
  return { ctx, role, logLines, published, hooked, send };
}

const skipped = async (camera: string, reason: string): Promise<number> =>
  (await metrics.framesSkipped.get()).values.find((v) => v.labels.camera_id === camera && v.labels.reason === reason)?.value ?? 0;

describe.skipIf(missing.length > 0)('inference role on vtest frames', () => {
  let dir: string;
  let frames: Buffer[];
  let h: Harness | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-inference-'));
    frames = extractFrames(dir);
  });

  afterEach(async () => {
    await h?.role.stop();
    await h?.ctx.bus.close();
    h = undefined;
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes detections with track ids, and logs and skips corrupt and empty frames', async () => {
    // every frame waits its turn: the lane holds them all
    h = await startRole(dir, { queue_per_camera: 100 });
    const { ctx, published, hooked, logLines } = h;
    const skippedBefore = await skipped(CAMERA, 'bad_frame');
    const send = (jpeg: Buffer, seq: number): Promise<unknown> => h!.send(CAMERA, jpeg, seq);
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
    expect(published.every((m) => m.width === 768 && m.height === 576 && m.model === 'centernet-onnx')).toBe(true);

    // every track has its snapshot, stored before the frame that names it was published
    for (const id of tracks) {
      const views = published.filter((m) => m.snapshot_tracks?.includes(id!));
      expect(views.length, `snapshot frames of track ${id}`).toBeGreaterThan(0);
      for (const m of views) expect(await ctx.objects.head('snapshots', trackSnapshotKey(CAMERA, id!, m.timestamp, m.frame_seq)), `snapshot of track ${id}`).not.toBeNull();
    }
    // and every frame with detections is kept for the rule that may fire on it
    for (const m of published.filter((p) => p.detections.length)) {
      expect(await ctx.objects.head('snapshots', triggerFrameKey(CAMERA, m.timestamp, m.frame_seq)), `trigger frame ${m.frame_seq}`).not.toBeNull();
    }

    const bad = logLines.filter((l) => l.msg === 'frame not analysed');
    expect(bad.map((l) => [l.camera_id, l.seq])).toEqual([[CAMERA, 1000], [CAMERA, 1001]]);
    expect(String(bad[0]!.cause)).toMatch(/decod|image|jpeg|format/i);
    expect(String(bad[1]!.cause)).toMatch(/empty|0 bytes/i);
    expect(await skipped(CAMERA, 'bad_frame')).toBe(skippedBefore + 2);
    // uncertain frames went to training data, rate-limited to one per camera per 30 s
    const uncertain = hooked.some((e) => e.analysis.ran !== 'none' && [...e.analysis.detections, ...e.analysis.uncertain].some((d) => d.confidence >= 0.3 && d.confidence < 0.6));
    const saved: string[] = [];
    for await (const o of ctx.objects.list('training-data', `auto/${CAMERA}/`)) saved.push(o.key.replace(/^.*\./, ''));
    expect(saved.sort()).toEqual(uncertain ? ['jpg', 'json'] : []);
    expect((await metrics.queueDepth.get()).values.find((v) => v.labels.model === 'centernet-onnx')?.value).toBe(0);
  }, 60_000);

  it('keeps a flooded camera near live: the oldest waiting frames are dropped, counted, and other cameras still served', async () => {
    h = await startRole(dir, { queue_per_camera: 2 });
    const { published } = h;
    const droppedBefore = await skipped(CAMERA, 'queue_full');
    for (const [i, jpeg] of frames.entries()) await h.send(CAMERA, jpeg, i);
    await h.send(OTHER, frames[0]!, 0);
    const last = frames.length - 1;
    await until('the newest frame and the other camera published', 55_000, () =>
      (published.some((m) => m.camera_id === CAMERA && m.frame_seq === last) && published.some((m) => m.camera_id === OTHER) ? true : undefined), 200);
    const analysed = published.filter((m) => m.camera_id === CAMERA).map((m) => m.frame_seq);
    // the first frame was running while the rest arrived: only the 2 newest waited for it
    expect(analysed).toEqual([0, last - 1, last]);
    expect(await skipped(CAMERA, 'queue_full')).toBe(droppedBefore + frames.length - analysed.length);
  }, 60_000);
});
