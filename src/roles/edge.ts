import { statfs } from 'node:fs/promises';
import { SEGMENT_STREAM_PREFIX } from '../archive/segment-sync.ts';
import os from 'node:os';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { TOPICS } from '../core/types.ts';
import { CameraWorker, type WorkerStatus } from '../media/camera-worker.ts';
import { planLive } from '../media/live/plan.ts';
import { reconcile, SegmentIndexer } from '../media/segment-index.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import { scheduleStorageSweep } from '../storage/sweeper.ts';
import type { RoleContext, RunningRole } from './context.ts';

const SYSTEM_METRICS_INTERVAL_MS = 10_000;

/**
 * Camera workers, segment index and the storage sweep (retention and budget). Recording never waits on anything else: frame
 * publishing and index writes fail on their own (logged), never back into ffmpeg.
 */
export async function startEdge(ctx: RoleContext): Promise<RunningRole> {
  const { loaded, repos, bus } = ctx;
  const { config, cameras, paths } = loaded;
  // loggers of the parts below are children of ctx.log: a child of this one would carry two components
  const log = ctx.log.child({ component: 'edge' });

  await reconcile(paths.recordingsDir, repos.segments, cameras.map((c) => c.id), log);
  for (const c of cameras) {
    await repos.cameras.upsert({ id: c.id, name: c.name, siteId: c.siteId, dvrChannel: c.channel ?? null, rtspUrl: redact(c.url), location: c.location ?? null, status: 'starting' });
  }
  await bus.ensureTopic(TOPICS.streamsRaw);

  const indexer = new SegmentIndexer(repos.segments, ctx.log.child({ component: 'segment-index' }));
  const reconnectsSeen = new Map<string, number>();
  // exported as 0 from the start, so a dashboard's rate() sees the first reconnect
  for (const c of cameras) metrics.streamReconnects.inc({ camera_id: c.id }, 0);
  const stateSeen = new Map<string, string>();
  const onStatus = (s: WorkerStatus) => {
    ctx.cameraStatus.set(s.cameraId, s);
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
    const online = [...ctx.cameraStatus.values()].filter((c) => c.connected).length;
    metrics.camerasOnline.set(online);
    ctx.health.set('edge', online === cameras.length ? 'healthy' : 'degraded', `${online}/${cameras.length} cameras streaming`);
  };

  const live = await planLive(loaded);
  for (const p of live.values()) ctx.liveFeeds.set(p.feed);
  const workerBase = { stream: config.stream, segmentSeconds: config.recording.segment_seconds, recordingsDir: paths.recordingsDir };
  const workers = cameras.map((camera) => {
    const w = new CameraWorker({ ...workerBase, camera, logger: ctx.log, live: live.get(camera.id)?.main });
    indexer.attach(w);
    w.on('status', onStatus);
    w.on('frame', (frame) => {
      bus.publish(TOPICS.streamsRaw, frame.camera_id, frame).catch((err: unknown) => log.warn({ err, camera_id: frame.camera_id }, 'frame not published'));
    });
    return w;
  });
  // grid views: a light copy-only ffmpeg per sub stream; its status is not the camera's (recording is)
  const subWorkers = cameras.flatMap((camera) => {
    const sub = live.get(camera.id)?.sub;
    return sub ? [new CameraWorker({ ...workerBase, camera: { ...camera, url: sub.url }, liveOnly: true, live: { hlsDir: sub.hlsDir }, logger: ctx.log.child({ stream: 'sub' }) })] : [];
  });

  const stopSweep = scheduleStorageSweep({
    repos, objects: ctx.objects, paths, tmpDir: cutTmpDir(paths.dataDir), cameras: cameras.map((c) => ({ id: c.id, retentionDays: c.retentionDays })),
    config, syncStream: config.archive.enabled ? SEGMENT_STREAM_PREFIX : null, ledger: ctx.storage, health: ctx.health, log: ctx.log.child({ component: 'storage' }),
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

  for (const w of [...workers, ...subWorkers]) w.start();
  ctx.health.set('edge', 'starting', `${cameras.length} cameras starting`);
  log.info({ cameras: cameras.length, recordings: paths.recordingsDir }, 'recording started');

  return {
    name: 'edge',
    stop: async () => {
      clearInterval(systemTimer);
      await Promise.all([...workers, ...subWorkers].map((w) => w.stop()));
      for (const c of cameras) ctx.liveFeeds.delete(c.id);
      await indexer.flush();
      await stopSweep();
      ctx.health.set('edge', 'stopped');
    },
  };
}
