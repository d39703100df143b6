import { trackSnapshotKey } from '../analytics/track-events.ts';
import type { CameraChange } from '../config/live-cameras.ts';
import type { ResolvedCamera } from '../config/load.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS, type DetectionMessage, type FrameMessage } from '../core/types.ts';
import { createAnalysisPool, createCameraAnalyzer } from '../vision/analysis-setup.ts';
import type { CameraAnalyzer, FrameAnalysis } from '../vision/analyzer.ts';
import type { FrameHook } from '../vision/frame-hook.ts';
import { BadFrameError } from '../vision/motion/detector.ts';
import { FrameLane } from '../vision/frame-lane.ts';
import { DroppedFrameError, type DetectorPool } from '../vision/pool.ts';
import { TrainingCapture } from '../vision/training-capture.ts';
import { TriggerFrames } from '../vision/trigger-frames.ts';
import { CatchUp, type LateFrame } from '../vision/catchup/catch-up.ts';
import { analysisLagSeconds, AnalysisTimeline, logRange, type Hole } from '../vision/catchup/timeline.ts';
import type { RoleContext, RunningRole } from './context.ts';

const GROUP = 'inference';

interface CameraPipeline {
  lane: FrameLane<FrameMessage>;
  analyzer: CameraAnalyzer;
  /** tracks whose current best snapshot is stored */
  snapshotted: Set<number>;
  /** what live analysis missed, as holes for catch-up */
  timeline: AnalysisTimeline;
  /** capture time of the newest live frame received */
  newest?: Date;
  /** holes not stored yet (the database failed): stored before the cursor moves again */
  unsaved: Hole[];
  /** the last cursor write failed (warned once) */
  cursorFailing?: boolean;
}

/** A live frame's analysis, or why there is none (ai_frames_skipped_total reason). */
type Outcome = { analysis: FrameAnalysis } | { missed: string };

// a camera's analysis lag is published this often
const LAG_INTERVAL_MS = 5000;

/** Half the interval between a camera's analysed frames (keyframes: GOP ≈ 1 s on DVRs). */
const marginMs = (camera: ResolvedCamera): number => (camera.analysis?.mode === 'fps' ? 500 / camera.analysis.fps : 500);

/**
 * streams.raw → per camera: frame lane (bounded, oldest dropped) → motion gate → detector pool
 * (round-robin between cameras, frame deadline) → tracker → best snapshot and trigger frame →
 * ai.detections → frame hooks; uncertain frames go to training data. A camera's frames are
 * analysed one at a time in capture order (the analyzer and its tracker are sequential); when they
 * come faster than they are analysed, the oldest waiting ones are dropped so analysis stays near
 * live. The bus commits a frame once its lane takes it: live frames are not replayed after a
 * crash, like frames dropped under load (recording is the durable log). The snapshot is written
 * before the detections are published, so an event never points at a missing one; so is every
 * frame with detections (TriggerFrames), for the rule that fires on it. A frame that cannot be
 * analysed (corrupt, 0 bytes, stale) is logged with its camera and cause and skipped: the
 * camera's next frame is analysed as usual.
 *
 * Nothing skipped is lost: the capture-time ranges live analysis missed (frames dropped, the role
 * down since the stored analysis cursor) are stored as holes, and catch-up analyses them from the
 * recording when no live frame waits (src/vision/catchup), publishing `late` detections.
 */
export async function startInference(ctx: RoleContext, hooks: FrameHook[] = []): Promise<RunningRole> {
  const { detection, training, evidence } = ctx.loaded.config;
  const log = ctx.log.child({ component: 'inference' });
  // kept in step with ctx.cameras (see onCameras): catch-up reads it too
  const cameras = new Map(ctx.cameras.list().filter((c) => c.detect).map((c) => [c.id, c]));
  ctx.health.set('inference', 'starting', 'loading detector');
  const pool: DetectorPool = await createAnalysisPool(ctx.loaded.config, {
    maxQueuePerCamera: detection.queue_per_camera,
    deadlineMs: detection.max_frame_age_seconds * 1000,
    maxBatch: detection.batch_size,
    batchWindowMs: detection.batch_window_ms,
  });
  log.info({ workers: pool.size, model: detection.model }, 'detector ready');
  const capture = new TrainingCapture(ctx.objects, { ...training, min_confidence: detection.uncertain_min }, log);
  const triggerFrames = new TriggerFrames(ctx.objects, evidence.trigger_frame_seconds * 1000, log);
  await triggerFrames.adopt([...cameras.keys()]);
  const { catchup: catchupConfig } = ctx.loaded.config;
  const analysis = ctx.repos.analysis;
  const persisted = new Map(await Promise.all([...cameras.keys()].map(async (id) => [id, await analysis.liveUntil(id)] as const)));
  const adopted = new Set(cameras.keys());

  const pipelines = new Map<string, CameraPipeline>();
  const pipelineFor = (camera: ResolvedCamera): CameraPipeline => {
    let p = pipelines.get(camera.id);
    if (!p) {
      p = {
        lane: new FrameLane<FrameMessage>(
          detection.queue_per_camera,
          (frame) => handleFrame(camera, frame),
          (frame) => {
            metrics.framesSkipped.inc({ camera_id: camera.id, reason: 'queue_full' });
            pipelineFor(camera).timeline.missed(new Date(frame.timestamp), 'queue_full');
            log.debug({ camera_id: camera.id, seq: frame.seq }, 'frame dropped: newer frames of the camera waiting');
          },
          (frame, err) => log.error({ camera_id: camera.id, seq: frame.seq, cause: err instanceof Error ? err.message : String(err) }, 'detections of a frame not delivered'),
        ),
        analyzer: createCameraAnalyzer(ctx.loaded.config, pool, camera.id, camera.motionMask),
        snapshotted: new Set(),
        unsaved: [],
        timeline: new AnalysisTimeline({ persisted: persisted.get(camera.id) ?? null, marginMs: marginMs(camera), maxHoleMs: catchupConfig.max_hole_hours * 3600_000 }),
      };
      pipelines.set(camera.id, p);
    }
    return p;
  };

  async function analyse(camera: ResolvedCamera, frame: FrameMessage, capturedAt: Date): Promise<Outcome> {
    try {
      return { analysis: await pipelineFor(camera).analyzer.analyze({ jpeg: frame.jpeg, timestamp: capturedAt, seq: frame.seq }) };
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      if (err instanceof DroppedFrameError) {
        log.debug({ camera_id: camera.id, seq: frame.seq, cause }, 'frame dropped'); // counted by the pool
        return { missed: err.reason };
      }
      const reason = err instanceof BadFrameError ? 'bad_frame' : 'failed';
      metrics.framesSkipped.inc({ camera_id: camera.id, reason });
      log.warn({ camera_id: camera.id, seq: frame.seq, cause }, 'frame not analysed');
      return { missed: reason };
    }
  }

  /** Stores the frame as the snapshot of tracks that are new or just got a better view; returns those tracks. */
  async function storeSnapshots(snapshotted: Set<number>, frame: Omit<FrameMessage, 'width' | 'height'>, analysis: FrameAnalysis): Promise<number[]> {
    const improved = new Set(analysis.improved.map((t) => t.trackId));
    const stored: number[] = [];
    for (const d of analysis.detections) {
      if (d.track_id === undefined || (snapshotted.has(d.track_id) && !improved.has(d.track_id))) continue;
      await ctx.objects.put('snapshots', trackSnapshotKey(frame.camera_id, d.track_id, frame.timestamp, frame.seq), frame.jpeg, 'image/jpeg');
      snapshotted.add(d.track_id);
      stored.push(d.track_id);
    }
    for (const t of analysis.ended) snapshotted.delete(t.trackId);
    if (analysis.detections.length) await triggerFrames.keep(frame);
    return stored;
  }

  /** Counts, snapshots and publishes one analysed frame (live, or `late` from catch-up). */
  async function publish(frame: Omit<FrameMessage, 'width' | 'height'>, analysis: FrameAnalysis, snapshotted: Set<number>, late: boolean): Promise<void> {
    // seed §5.3: every published detection carries its track (events are per track)
    const tracked = analysis.detections;
    if (analysis.ran !== 'none') {
      metrics.inferenceDuration.observe({ model: detection.model }, analysis.inferenceMs / 1000);
      for (const d of tracked) metrics.detections.inc({ model: detection.model, class: d.class });
    }
    const snapshots = await storeSnapshots(snapshotted, frame, analysis);
    const msg: DetectionMessage = {
      camera_id: frame.camera_id, timestamp: frame.timestamp, frame_seq: frame.seq, width: analysis.width, height: analysis.height,
      model: detection.model, detections: tracked, ...(snapshots.length ? { snapshot_tracks: snapshots } : {}), ...(late ? { late: true } : {}),
    };
    await ctx.bus.publish(TOPICS.aiDetections, frame.camera_id, msg);
  }

  /**
   * Stores the hole before this frame, if live analysis missed one, then moves the camera's
   * durable cursor. Holes not stored yet (database unavailable) are retried with the next frame
   * and the cursor stays behind them, so a restart finds them again.
   */
  async function advance(camera: ResolvedCamera, p: CameraPipeline, capturedAt: Date): Promise<void> {
    const hole = p.timeline.analysed(capturedAt);
    if (hole && catchupConfig.enabled) {
      p.unsaved.push(hole);
      // skipped frames are counted in ai_frames_skipped_total and may come every few seconds under overload: debug only
      log[hole.restart ? 'info' : 'debug']({ camera_id: camera.id, ...logRange(hole.start, hole.end), cause: hole.cause }, 'live analysis missed recorded time: queued for catch-up');
    }
    try {
      for (let h = p.unsaved[0]; h; h = p.unsaved[0]) {
        await analysis.addHole(camera.id, h.start, h.end, h.cause);
        p.unsaved.shift();
        catchUp?.nudge();
      }
      await analysis.setLiveUntil(camera.id, capturedAt);
      if (p.cursorFailing) log.info({ camera_id: camera.id }, 'analysis cursor stored again');
      p.cursorFailing = false;
    } catch (err) {
      if (!p.cursorFailing) log.warn({ camera_id: camera.id, cause: err instanceof Error ? err.message : String(err) }, 'analysis cursor not stored (logged once until it is again)');
      p.cursorFailing = true;
    }
  }

  /** One frame from the camera's lane: analyse, snapshot, publish, cursor, training data, hooks. */
  async function handleFrame(camera: ResolvedCamera, frame: FrameMessage): Promise<void> {
    const capturedAt = new Date(frame.timestamp);
    const p = pipelineFor(camera);
    const outcome = await analyse(camera, frame, capturedAt);
    if ('missed' in outcome) {
      p.timeline.missed(capturedAt, outcome.missed);
      return;
    }
    const { analysis } = outcome;
    if (analysis.coasted) metrics.framesCoasted.inc({ camera_id: camera.id });
    await publish(frame, analysis, p.snapshotted, false);
    metrics.streamLatency.observe({ camera_id: frame.camera_id }, (Date.now() - capturedAt.getTime()) / 1000);
    await advance(camera, p, capturedAt);
    if (analysis.ran !== 'none') {
      // the analyzer's uncertain detections (below the class threshold) and reported ones still under max_confidence
      await capture.offer({
        cameraId: camera.id, timestamp: capturedAt, seq: frame.seq, jpeg: frame.jpeg, width: analysis.width, height: analysis.height,
        model: detection.model, detections: [...analysis.detections, ...analysis.uncertain],
      });
    }
    for (const hook of hooks) {
      try {
        await hook({ cameraId: camera.id, frame, capturedAt, analysis });
      } catch (err) {
        log.warn({ camera_id: camera.id, seq: frame.seq, cause: err instanceof Error ? err.message : String(err) }, 'frame hook failed');
      }
    }
  }

  const catchUp = catchupConfig.enabled
    ? new CatchUp({
      repo: analysis, segments: ctx.repos.segments, recordingsDir: ctx.loaded.paths.recordingsDir, cameras,
      owns: (id) => pipelines.has(id),
      newAnalyzer: (camera) => createCameraAnalyzer(ctx.loaded.config, pool, camera.id, camera.motionMask, 'catchup'),
      deliver: deliverLate, marginMs,
      settleMs: (ctx.loaded.config.recording.segment_seconds + 10) * 1000, maxAgeMs: catchupConfig.max_hole_hours * 3600_000,
      extract: { jpegQuality: ctx.loaded.config.stream.jpeg_quality },
      log: ctx.log.child({ component: 'catch-up' }),
    })
    : undefined;
  catchUp?.start();
  async function deliverLate(late: LateFrame): Promise<void> {
    const { camera, frame, seq, analysis: result, snapshotted } = late;
    await publish({ camera_id: camera.id, timestamp: frame.capturedAt.toISOString(), seq, jpeg: frame.jpeg }, result, snapshotted, true);
  }
  await ctx.bus.ensureTopic(TOPICS.streamsRaw);
  await ctx.bus.ensureTopic(TOPICS.aiDetections);
  const sub = await ctx.bus.subscribe<FrameMessage>({
    topic: TOPICS.streamsRaw, group: GROUP, start: 'latest',
    handler: async ({ value: frame }) => {
      const camera = cameras.get(frame.camera_id);
      if (!camera) return;
      metrics.framesOffered.inc({ camera_id: camera.id });
      const p = pipelineFor(camera);
      p.newest = new Date(frame.timestamp);
      p.lane.offer(frame);
    },
  });
  // cameras added, edited or removed at run time: an edited one gets a new pipeline (its motion mask, analysis rate)
  let applying: Promise<void> = Promise.resolve();
  const onCameras = (change: CameraChange) => {
    applying = applying.then(async () => {
      for (const c of [...change.removed, ...change.changed]) {
        cameras.delete(c.id);
        const p = pipelines.get(c.id);
        pipelines.delete(c.id);
        await p?.lane.close();
      }
      for (const c of [...change.changed, ...change.added].filter((d) => d.detect)) {
        persisted.set(c.id, await analysis.liveUntil(c.id));
        if (!adopted.has(c.id)) await triggerFrames.adopt([c.id]);
        adopted.add(c.id);
        cameras.set(c.id, c);
      }
    }).catch((err: unknown) => log.error({ err }, 'camera change not applied to analysis'));
  };
  ctx.cameras.on('change', onCameras);
  const lagTimer = setInterval(() => {
    void ctx.bus.lag(TOPICS.streamsRaw, GROUP).then((lag) => metrics.consumerLag.set({ topic: TOPICS.streamsRaw, group: GROUP }, lag));
  }, 5000);
  // analysis_lag_seconds: the stored cursor against the newest live frame received
  const publishLag = async (): Promise<void> => {
    for (const [id, p] of pipelines) {
      const state = await analysis.state(id);
      metrics.analysisLag.set({ camera_id: id }, analysisLagSeconds(state.cursor, p.newest ?? state.liveUntil));
    }
  };
  const analysisLagTimer = setInterval(() => void publishLag().catch((err: unknown) => log.warn({ err }, 'analysis lag not measured')), LAG_INTERVAL_MS);
  ctx.health.set('inference', 'healthy');
  return {
    name: 'inference',
    stop: async () => {
      ctx.cameras.off('change', onCameras);
      await applying;
      clearInterval(lagTimer);
      clearInterval(analysisLagTimer);
      await sub.stop();
      await catchUp?.stop();
      await Promise.all([...pipelines.values()].map((p) => p.lane.close()));
      await pool.close();
      ctx.health.set('inference', 'stopped');
    },
  };
}
