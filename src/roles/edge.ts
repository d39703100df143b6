import { statfs } from 'node:fs/promises';
import { SEGMENT_STREAM_PREFIX } from '../archive/segment-sync.ts';
import os from 'node:os';
import type { CameraChange } from '../config/live-cameras.ts';
import type { ResolvedCamera } from '../config/load.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { TOPICS } from '../core/types.ts';
import { CameraWorker, type WorkerStatus } from '../media/camera-worker.ts';
import { LivePlanner } from '../media/live/plan.ts';
import { followFeed } from '../media/llhls/packager.ts';
import { reconcile, SegmentIndexer } from '../media/segment-index.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import { scheduleStorageSweep } from '../storage/sweeper.ts';
import { cacheIsShared } from '../cache/open.ts';
import { cameraStatusPublisher } from './camera-status-share.ts';
import type { RoleContext, RunningRole } from './context.ts';

const SYSTEM_METRICS_INTERVAL_MS = 10_000;

/** What runs for one camera: its recording worker and, with a sub stream, the sub stream's live-only worker. */
interface RunningCamera {
  workers: CameraWorker[];
  detachIndex: () => void;
}

/**
 * Camera workers, segment index and the storage sweep (retention and budget). Recording never waits on anything else: frame
 * publishing and index writes fail on their own (logged), never back into ffmpeg. The workers follow the live camera list:
 * a camera added starts recording, a removed one stops, an edited one restarts, without restarting the process.
 */
export async function startEdge(ctx: RoleContext): Promise<RunningRole> {
  const { loaded, repos, bus } = ctx;
  const { config, paths } = loaded;
  // loggers of the parts below are children of ctx.log: a child of this one would carry two components
  const log = ctx.log.child({ component: 'edge' });

  await reconcile(paths.recordingsDir, repos.segments, ctx.cameras.ids(), log);
  await bus.ensureTopic(TOPICS.streamsRaw);

  const indexer = new SegmentIndexer(repos.segments, ctx.log.child({ component: 'segment-index' }));
  const running = new Map<string, RunningCamera>();
  const reconnectsSeen = new Map<string, number>();
  const stateSeen = new Map<string, string>();
  const shared = cacheIsShared(config.cache) ? cameraStatusPublisher(ctx.cache, log) : undefined;
  const reportHealth = () => {
    const online = [...ctx.cameraStatus.values()].filter((c) => c.connected).length;
    metrics.camerasOnline.set(online);
    ctx.health.set('edge', online === running.size ? 'healthy' : 'degraded', `${online}/${running.size} cameras streaming`);
  };
  const onStatus = (s: WorkerStatus) => {
    if (!running.has(s.cameraId)) return; // the last words of a camera being removed
    ctx.cameraStatus.set(s.cameraId, s);
    shared?.set(s.cameraId, s);
    const labels = { camera_id: s.cameraId };
    metrics.streamActive.set(labels, s.connected ? 1 : 0);
    metrics.streamFps.set(labels, s.analysisFps);
    metrics.streamBitrate.set(labels, s.bitrateKbps);
    const newReconnects = s.reconnects - (reconnectsSeen.get(s.cameraId) ?? 0);
    if (newReconnects > 0) metrics.streamReconnects.inc(labels, newReconnects);
    reconnectsSeen.set(s.cameraId, s.reconnects);
    if (stateSeen.get(s.cameraId) !== s.state) {
      stateSeen.set(s.cameraId, s.state);
      void repos.cameras.setStatus(s.cameraId, s.state).catch((err: unknown) => log.warn({ err, camera_id: s.cameraId }, 'cannot store camera status'));
    }
    reportHealth();
  };

  const planner = await LivePlanner.create(loaded);
  const workerBase = { stream: config.stream, segmentSeconds: config.recording.segment_seconds, recordingsDir: paths.recordingsDir };

  async function startCamera(camera: ResolvedCamera): Promise<void> {
    await repos.cameras.upsert({ id: camera.id, name: camera.name, siteId: camera.siteId, dvrChannel: camera.channel ?? null, rtspUrl: redact(camera.url), location: camera.location ?? null, status: 'starting' });
    // exported as 0 from the start, so a dashboard's rate() sees the first reconnect
    metrics.streamReconnects.inc({ camera_id: camera.id }, 0);
    const live = await planner.plan(camera);
    const main = new CameraWorker({ ...workerBase, camera, logger: ctx.log, live: live.main });
    const llHls = live.hlsDir && main.feed ? followFeed(main.feed, camera.id, ctx.log) : null;
    // Vigil's own ingest writes no HLS files: plain HLS is then the low-latency segments listed without parts
    const hlsDir = config.stream.ingest === 'ffmpeg' ? live.hlsDir : null;
    ctx.liveFeeds.set({ cameraId: camera.id, hlsDir, subHlsDir: live.subHlsDir, llHls, rtp: live.webrtc ? main.feed : null, snapshot: () => main.snapshot() });
    const detachIndex = indexer.attach(main);
    main.on('status', onStatus);
    main.on('frame', (frame) => {
      bus.publish(TOPICS.streamsRaw, frame.camera_id, frame).catch((err: unknown) => log.warn({ err, camera_id: frame.camera_id }, 'frame not published'));
    });
    // grid views: a light copy-only ffmpeg per sub stream; its status is not the camera's (recording is)
    const sub = live.sub ? [new CameraWorker({ ...workerBase, camera: { ...camera, url: live.sub.url }, liveOnly: true, live: { hlsDir: live.sub.hlsDir }, logger: ctx.log.child({ stream: 'sub' }) })] : [];
    const workers = [main, ...sub];
    running.set(camera.id, { workers, detachIndex });
    for (const w of workers) w.start();
    // frames are decoded only for a camera that is analysed
    main.setFrameDemand(camera.detect);
  }

  async function stopCamera(cameraId: string): Promise<void> {
    const r = running.get(cameraId);
    if (!r) return;
    await Promise.all(r.workers.map((w) => w.stop()));
    r.detachIndex();
    running.delete(cameraId);
    ctx.liveFeeds.delete(cameraId);
    planner.release(cameraId);
    ctx.cameraStatus.delete(cameraId);
    shared?.delete(cameraId);
    stateSeen.delete(cameraId);
    reconnectsSeen.delete(cameraId);
    metrics.streamActive.set({ camera_id: cameraId }, 0);
    await repos.cameras.setStatus(cameraId, 'stopped').catch((err: unknown) => log.warn({ err, camera_id: cameraId }, 'cannot store camera status'));
    reportHealth();
  }

  /** One change at a time, in order: a camera removed and added again must not race its own stop. */
  let applying: Promise<void> = Promise.resolve();
  const apply = async (change: CameraChange): Promise<void> => {
    for (const c of change.removed) {
      await stopCamera(c.id);
      log.info({ camera_id: c.id }, 'camera stopped: removed or disabled');
    }
    for (const c of change.changed) {
      await stopCamera(c.id);
      await startCamera(c);
      log.info({ camera_id: c.id }, 'camera restarted: its settings changed');
    }
    for (const c of change.added) {
      await startCamera(c);
      log.info({ camera_id: c.id }, 'camera added: recording starts');
    }
  };
  const onChange = (change: CameraChange) => {
    applying = applying.then(() => apply(change)).catch((err: unknown) => log.error({ err }, 'camera change not applied'));
  };

  const stopSweep = scheduleStorageSweep({
    repos, objects: ctx.objects, paths, tmpDir: cutTmpDir(paths.dataDir), cameras: () => ctx.cameras.list().map((c) => ({ id: c.id, retentionDays: c.retentionDays })),
    config: () => ctx.storagePolicy.sweepConfig(), syncStream: config.archive.enabled ? SEGMENT_STREAM_PREFIX : null, ledger: ctx.storage, health: ctx.health, log: ctx.log.child({ component: 'storage' }),
  }, config.recording.retention_interval_seconds * 1000);

  const sampleSystem = async () => {
    const s = await statfs(paths.recordingsDir);
    metrics.diskFree.set(s.bavail * s.bsize);
    metrics.diskTotal.set(s.blocks * s.bsize);
    metrics.memoryUsage.set(100 * (1 - os.freemem() / os.totalmem()));
    if (s.bavail * s.bsize < config.recording.min_free_bytes) ctx.health.set('disk', 'degraded', 'free disk below recording.min_free_bytes: the storage sweep is deleting in priority order (GET /api/v1/system/storage)');
    else ctx.health.set('disk', 'healthy');
  };
  await sampleSystem();
  const systemTimer = setInterval(() => void sampleSystem().catch((err: unknown) => log.warn({ err }, 'cannot read disk usage')), SYSTEM_METRICS_INTERVAL_MS);

  ctx.cameras.on('change', onChange);
  for (const camera of ctx.cameras.list()) await startCamera(camera);
  ctx.health.set('edge', 'starting', `${running.size} cameras starting`);
  log.info({ cameras: running.size, recordings: paths.recordingsDir }, 'recording started');

  return {
    name: 'edge',
    stop: async () => {
      ctx.cameras.off('change', onChange);
      clearInterval(systemTimer);
      await applying;
      await Promise.all([...running.keys()].map(stopCamera));
      await indexer.flush();
      await stopSweep();
      ctx.health.set('edge', 'stopped');
    },
  };
}
