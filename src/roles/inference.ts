import os from 'node:os';
import { trackSnapshotKey } from '../analytics/track-events.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS, type DetectionMessage, type FrameMessage } from '../core/types.ts';
import { createDetectorPool } from '../vision/pool.ts';
import { Tracker } from '../vision/tracker.ts';
import type { RoleContext, RunningRole } from './context.ts';

const GROUP = 'inference';

/**
 * Keyframes → detector pool → per-camera tracker → best snapshot → ai.detections.
 * The snapshot is written before the detections are published, so an event never points at a
 * snapshot that does not exist. Frames older than max_frame_age_seconds are skipped when the
 * detector lags: live analysis degrades, recording does not.
 */
export async function startInference(ctx: RoleContext): Promise<RunningRole> {
  const { detection, tracking } = ctx.loaded.config;
  const log = ctx.log.child({ component: 'inference' });
  const detectable = new Set(ctx.loaded.cameras.filter((c) => c.detect).map((c) => c.id));
  ctx.health.set('inference', 'starting', 'loading detector');
  const workers = detection.workers ?? os.availableParallelism();
  const pool = await createDetectorPool({
    workers, model: detection.model, thresholds: detection.thresholds, default_threshold: detection.default_threshold,
    classes: detection.classes, nms_iou: detection.nms_iou,
  });
  log.info({ workers, model: detection.model }, 'detector ready');
  const trackers = new Map<string, Tracker>();
  const snapshotted = new Map<string, Set<number>>();
  const trackerFor = (cameraId: string): Tracker => {
    let t = trackers.get(cameraId);
    if (!t) {
      t = new Tracker({ iouThreshold: tracking.iou_threshold, maxGapSeconds: tracking.max_gap_seconds, minHits: tracking.min_hits });
      trackers.set(cameraId, t);
      snapshotted.set(cameraId, new Set());
    }
    return t;
  };

  await ctx.bus.ensureTopic(TOPICS.streamsRaw);
  await ctx.bus.ensureTopic(TOPICS.aiDetections);
  const sub = await ctx.bus.subscribe<FrameMessage>({
    topic: TOPICS.streamsRaw, group: GROUP, start: 'latest',
    handler: async ({ value: frame }) => {
      if (!detectable.has(frame.camera_id)) return;
      const capturedAt = Date.parse(frame.timestamp);
      if (Date.now() - capturedAt > detection.max_frame_age_seconds * 1000) {
        metrics.framesSkipped.inc({ camera_id: frame.camera_id });
        return;
      }
      metrics.queueDepth.set(pool.queueDepth());
      const result = await pool.detect(frame.jpeg);
      metrics.inferenceDuration.observe({ model: detection.model }, result.inferenceMs / 1000);
      for (const d of result.detections) metrics.detections.inc({ model: detection.model, class: d.class });

      const tracked = trackerFor(frame.camera_id).update(new Date(capturedAt), result.detections);
      const done = snapshotted.get(frame.camera_id)!;
      const improved = new Set(tracked.improved.map((t) => t.trackId));
      for (const d of tracked.detections) {
        if (d.track_id === undefined || (done.has(d.track_id) && !improved.has(d.track_id))) continue;
        await ctx.objects.put('snapshots', trackSnapshotKey(frame.camera_id, d.track_id), frame.jpeg, 'image/jpeg');
        done.add(d.track_id);
      }
      for (const t of tracked.ended) done.delete(t.trackId);

      const msg: DetectionMessage = {
        camera_id: frame.camera_id, timestamp: frame.timestamp, frame_seq: frame.seq, width: result.width, height: result.height,
        model: detection.model, detections: tracked.detections,
      };
      await ctx.bus.publish(TOPICS.aiDetections, frame.camera_id, msg);
      metrics.streamLatency.observe({ camera_id: frame.camera_id }, (Date.now() - capturedAt) / 1000);
    },
  });
  const lagTimer = setInterval(() => {
    metrics.queueDepth.set(pool.queueDepth());
    void ctx.bus.lag(TOPICS.streamsRaw, GROUP).then((lag) => metrics.consumerLag.set({ topic: TOPICS.streamsRaw, group: GROUP }, lag));
  }, 5000);
  ctx.health.set('inference', 'healthy');
  return {
    name: 'inference',
    stop: async () => {
      clearInterval(lagTimer);
      await sub.stop();
      await pool.close();
      ctx.health.set('inference', 'stopped');
    },
  };
}
