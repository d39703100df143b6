import path from 'node:path';
import type { ResolvedCamera } from '../../config/load.ts';
import type { Logger } from '../../core/log.ts';
import { metrics } from '../../core/metrics.ts';
import { recordedFrames, type RecordedFrame, type RecordedFramesOptions } from '../../media/recorded-frames.ts';
import type { AnalysisHole, AnalysisRepo } from '../../store/repositories/analysis.ts';
import type { SegmentRepo, SegmentRow } from '../../store/repositories/types.ts';
import type { CameraAnalyzer, FrameAnalysis } from '../analyzer.ts';
import { logRange } from './timeline.ts';

/** What catch-up produced for one recorded frame: published by the caller as a late ai.detections message. */
export interface LateFrame {
  camera: ResolvedCamera;
  frame: RecordedFrame;
  /** unique per camera and capture time */
  seq: number;
  analysis: FrameAnalysis;
  /** tracks of this catch-up run whose snapshot is stored (the caller keeps it current) */
  snapshotted: Set<number>;
}

export interface CatchUpOptions {
  repo: Pick<AnalysisRepo, 'oldestHoles' | 'advanceHole'>;
  segments: Pick<SegmentRepo, 'list'>;
  recordingsDir: string;
  cameras: ReadonlyMap<string, ResolvedCamera>;
  /**
   * Whether this process analyses the camera live now (in a fleet, the bus splits cameras between
   * inference processes): only that process catches up its holes, so none is analysed twice.
   */
  owns(cameraId: string): boolean;
  /**
   * A new analyzer (own motion background, own tracker) whose detector calls go to the pool's
   * catch-up lane. One per run, so live tracking state is never touched by recorded frames.
   */
  newAnalyzer(camera: ResolvedCamera): CameraAnalyzer;
  deliver(late: LateFrame): Promise<void>;
  /** half the camera's analysis interval (see AnalysisTimeline) */
  marginMs(camera: ResolvedCamera): number;
  /** a hole with no recording at all is given up only this long after its end (its segment may not be indexed yet) */
  settleMs: number;
  /** recording older than this is not caught up (catchup.max_hole_hours) */
  maxAgeMs: number;
  extract?: Omit<RecordedFramesOptions, 'analysis' | 'signal'>;
  log: Logger;
  /** wait between looks for new holes while there is nothing to do (default 2 s) */
  idleMs?: number;
}

/** One camera's catch-up in progress: the analyzer runs across the segments of one hole. */
interface Run {
  holeId: number;
  analyzer: CameraAnalyzer;
  snapshotted: Set<number>;
  /** segments of the hole already read (a segment still overlaps the hole after its last frame) */
  segmentsDone: Set<number>;
}

type StepOutcome = 'progressed' | 'waiting';

// a hole past the age limit is trimmed in steps this large, so the warning is not repeated on every round
const TRIM_SLACK_MS = 10 * 60_000;

/**
 * Analyses the recorded frames of analysis holes, oldest hole first across all cameras, one
 * segment at a time, and moves the hole's start past what it analysed (durable progress: after a
 * crash it resumes there). Frames are decoded at the camera's live analysis rate and go through a
 * separate analyzer per run in capture order; their detector calls use the pool's catch-up lane,
 * so they only ever take capacity live frames leave free. A hole whose recording is still being
 * written waits until its segment is closed.
 *
 * Track ids come from the run's own tracker, which numbers tracks from its creation time in
 * milliseconds like the live one: a run created after the live tracker never reuses its ids
 * unless a camera starts more than 1000 tracks a second, so late events and live events of a
 * camera never share an event key.
 */
export class CatchUp {
  private readonly runs = new Map<string, Run>();
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private seq = 0;

  constructor(private readonly o: CatchUpOptions) {}

  start(): void {
    this.loop ??= this.work();
  }

  /** Looks for holes now rather than after the idle wait (a hole was just stored). */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.nudge();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      let progressed = false;
      try {
        for (const hole of await this.o.repo.oldestHoles()) {
          if (this.stopped) return;
          if ((await this.step(hole)) === 'progressed') {
            progressed = true;
            break; // the oldest hole first again: a new one may be older than the next of this list
          }
        }
      } catch (err) {
        if (this.stopped) return;
        this.o.log.warn({ err }, 'catch-up round failed; retried after a pause');
      }
      if (!progressed) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.o.idleMs ?? 2000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Analyses the next recorded segment of a hole, or says it must wait. */
  private async step(hole: AnalysisHole): Promise<StepOutcome> {
    const camera = this.o.cameras.get(hole.cameraId);
    if (!camera?.detect) {
      this.o.log.info({ camera_id: hole.cameraId, ...logRange(hole.start, hole.end) }, 'analysis hole of a camera no longer analysed: dropped');
      return this.finish(hole, hole.end);
    }
    if (!this.o.owns(hole.cameraId)) return 'waiting';
    const oldest = Date.now() - this.o.maxAgeMs;
    if (hole.start.getTime() < oldest - TRIM_SLACK_MS) {
      this.o.log.warn({ camera_id: hole.cameraId, ...logRange(hole.start, new Date(Math.min(oldest, hole.end.getTime()))) }, 'unanalysed recording older than catchup.max_hole_hours: not caught up');
      return this.finish(hole, new Date(Math.min(oldest, hole.end.getTime())));
    }
    const run = this.runFor(camera, hole);
    const segments = await this.o.segments.list(hole.cameraId, hole.start, hole.end);
    const segment = segments.find((s) => s.status !== 'missing' && !run.segmentsDone.has(s.id));
    if (!segment) {
      if (Date.now() - hole.end.getTime() < this.o.settleMs) return 'waiting';
      if (segments.length === 0) this.o.log.warn({ camera_id: hole.cameraId, ...logRange(hole.start, hole.end) }, 'no recording left for an analysis hole (recording gap, or deleted by retention): not analysed');
      return this.finish(hole, hole.end);
    }
    if (segment.end_time === null) return 'waiting'; // still being recorded
    const { until: analysedUntil, complete } = await this.analyseSegment(camera, run, hole, segment, segment.end_time);
    if (complete) run.segmentsDone.add(segment.id);
    const margin = this.o.marginMs(camera);
    // stored as the frame time less the margin, so `t > start + margin` goes on right after it;
    // once no frame before the hole's end can be left, the hole is done
    return this.finish(hole, analysedUntil + margin >= hole.end.getTime() - margin ? hole.end : new Date(analysedUntil - margin));
  }

  /**
   * Runs the segment's frames inside the hole through the camera's run. Returns the capture time
   * (ms) up to which the hole is analysed: the segment's last frame, or its end when it has none;
   * when stopped half-way, the last frame analysed (complete: false), so a restart does not analyse
   * a frame twice.
   */
  private async analyseSegment(camera: ResolvedCamera, run: Run, hole: AnalysisHole, segment: SegmentRow, segmentEnd: Date): Promise<{ until: number; complete: boolean }> {
    const margin = this.o.marginMs(camera);
    const from = hole.start.getTime() + margin;
    const to = hole.end.getTime() - margin;
    let frames: RecordedFrame[];
    try {
      frames = await recordedFrames(path.join(this.o.recordingsDir, segment.path), segment.start_time, {
        jpegQuality: 4, ...this.o.extract, analysis: camera.analysis, signal: this.abort.signal,
      });
    } catch (err) {
      if (this.stopped) return { until: hole.start.getTime(), complete: false };
      this.o.log.warn({ camera_id: camera.id, segment: segment.path, cause: (err as Error).message }, 'recorded segment unreadable: its part of the analysis hole is skipped');
      return { until: Math.max(hole.start.getTime(), segmentEnd.getTime()), complete: true };
    }
    let analysed = hole.start.getTime();
    for (const frame of frames) {
      const t = frame.capturedAt.getTime();
      if (this.stopped) return { until: analysed, complete: false };
      if (t <= from || t >= to) continue;
      try {
        const analysis = await run.analyzer.analyze({ jpeg: frame.jpeg, timestamp: frame.capturedAt, seq: t });
        await this.o.deliver({ camera, frame, seq: this.nextSeq(t), analysis, snapshotted: run.snapshotted });
        metrics.catchupFrames.inc({ camera_id: camera.id, outcome: 'analysed' });
      } catch (err) {
        if (this.stopped) continue;
        metrics.catchupFrames.inc({ camera_id: camera.id, outcome: 'failed' });
        this.o.log.warn({ camera_id: camera.id, at: frame.capturedAt.toISOString(), cause: (err as Error).message }, 'recorded frame not analysed');
      }
      analysed = t;
    }
    this.o.log.debug({ camera_id: camera.id, segment: segment.path, frames: frames.length }, 'recorded segment caught up');
    const lastFrame = frames.at(-1)?.capturedAt.getTime() ?? segmentEnd.getTime();
    return { until: Math.max(hole.start.getTime(), lastFrame), complete: true };
  }

  /** Frame sequence numbers of late frames: the capture time in ms, made strictly increasing. */
  private nextSeq(t: number): number {
    this.seq = Math.max(this.seq + 1, t);
    return this.seq;
  }

  private runFor(camera: ResolvedCamera, hole: AnalysisHole): Run {
    const current = this.runs.get(camera.id);
    if (current?.holeId === hole.id) return current;
    const run: Run = { holeId: hole.id, analyzer: this.o.newAnalyzer(camera), snapshotted: new Set(), segmentsDone: new Set() };
    this.runs.set(camera.id, run);
    this.o.log.info({ camera_id: camera.id, ...logRange(hole.start, hole.end), cause: hole.cause }, 'catch-up of an analysis hole started');
    return run;
  }

  private async finish(hole: AnalysisHole, analysedUntil: Date): Promise<StepOutcome> {
    await this.o.repo.advanceHole(hole.id, analysedUntil);
    if (analysedUntil >= hole.end) {
      if (this.runs.get(hole.cameraId)?.holeId === hole.id) this.runs.delete(hole.cameraId);
      this.o.log.info({ camera_id: hole.cameraId, ...logRange(hole.start, hole.end) }, 'catch-up of an analysis hole finished');
    }
    return 'progressed';
  }
}
