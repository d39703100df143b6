import os from 'node:os';
import type { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before workers use it, else a worker's exit can unload libvips under the others
import 'sharp';
import { rootLogger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { DetectorModel, DetectorSettings } from './detectors/registry.ts';
import type { DetectOptions, DetectResult } from './detectors/types.ts';
import type { DetectionFilter } from './filter.ts';
import { startWorker } from '../core/start-worker.ts';
import type { DetectJob, DetectorWorkerData, WorkerReply } from './worker-protocol.ts';

export interface DetectorPoolOptions extends DetectionFilter {
  model: DetectorModel;
  /** the `detection.onnx` / `detection.triton` sections, for those models */
  settings?: DetectorSettings;
  /** worker threads, one model each (default: os.availableParallelism()) */
  workers?: number;
  /** frames of one camera allowed to wait; one more drops that camera's oldest waiting frame (default 2) */
  maxQueuePerCamera?: number;
  /** a frame not started within this many ms of its capture is dropped as stale (default: never) */
  deadlineMs?: number;
  /** frames per model call for workers whose detector implements detectBatch (default 1: no batching) */
  maxBatch?: number;
  /**
   * how long a free batching worker waits for a batch to fill, from the arrival of the oldest
   * waiting frame (default 0: it takes what waits). 1-fps cameras spread their frames over the
   * second, so an idle worker would otherwise mostly run batches of one.
   */
  batchWindowMs?: number;
  /** a job unanswered this long gets its worker terminated and replaced (default 30 s) */
  jobTimeoutMs?: number;
  /** worker script speaking worker-protocol.ts (tests substitute a stand-in) */
  workerUrl?: URL;
}

/** Which camera a frame comes from and when it was captured (ms since epoch): queueing and the deadline use it. */
export interface FrameTag {
  cameraId: string;
  capturedAt?: number;
  /**
   * 'catchup': a recorded frame analysed after the fact. It runs only when no live frame waits,
   * is never dropped (neither as stale nor for a full queue) and waits as long as live needs the workers.
   */
  priority?: 'live' | 'catchup';
}

export interface DetectorPool {
  readonly size: number;
  /** frames per model call: maxBatch when the workers' detector implements detectBatch, else 1 */
  readonly batch: number;
  detect(jpeg: Uint8Array, opts?: DetectOptions, frame?: FrameTag): Promise<DetectResult>;
  /** requests not yet answered: waiting plus in flight */
  queueDepth(): number;
  close(): Promise<void>;
}

export type DropReason = 'queue_full' | 'stale';

/** A frame the pool gave up on before running it (counted in ai_frames_skipped_total{camera_id, reason}). */
export class DroppedFrameError extends Error {
  constructor(readonly cameraId: string, readonly reason: DropReason, detail: string) {
    super(`frame of ${cameraId || 'an untagged source'} dropped (${reason}): ${detail}`);
    this.name = 'DroppedFrameError';
  }
}

interface Job {
  /** when it reached the pool (ms since epoch) */
  queuedAt: number;
  jpeg: Uint8Array;
  opts?: DetectOptions;
  frame: FrameTag;
  resolve(result: DetectResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  batch: boolean;
  jobId?: number;
  jobs: Job[];
  timer?: NodeJS.Timeout;
  /** why the worker is going away, when the pool knows better than the exit code */
  fault?: string;
}

const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 30_000;
const UNTAGGED: FrameTag = { cameraId: '' };

/**
 * Waiting frames, one bounded FIFO per camera, served round-robin so a busy camera cannot starve
 * the others. A full camera queue drops its oldest frame (live analysis wants the newest).
 */
class CameraQueues {
  private readonly lanes = new Map<string, Job[]>();
  /** cameras with waiting frames, next to serve first */
  private readonly turn: string[] = [];
  size = 0;

  constructor(private readonly maxPerCamera: number) {}

  /** Adds a job; returns the job it pushed out, if any. */
  push(job: Job): Job | undefined {
    const cam = job.frame.cameraId;
    let lane = this.lanes.get(cam);
    if (!lane) {
      lane = [];
      this.lanes.set(cam, lane);
      this.turn.push(cam);
    }
    lane.push(job);
    this.size++;
    if (lane.length <= this.maxPerCamera) return undefined;
    this.size--;
    return lane.shift();
  }

  /** The oldest frame of the camera whose turn it is. */
  shift(): Job | undefined {
    const cam = this.turn.shift();
    if (cam === undefined) return undefined;
    const lane = this.lanes.get(cam)!;
    const job = lane.shift()!;
    this.size--;
    if (lane.length > 0) this.turn.push(cam);
    else this.lanes.delete(cam);
    return job;
  }

  /** When the longest-waiting frame arrived (each camera's FIFO holds its oldest first). */
  oldest(): number | undefined {
    let at: number | undefined;
    for (const lane of this.lanes.values()) at = Math.min(at ?? Infinity, lane[0]!.queuedAt);
    return at;
  }

  drain(): Job[] {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.turn.length = 0;
    this.size = 0;
    return all;
  }
}

/**
 * Detector worker threads, one model each (tfjs-wasm runs single-threaded, so parallelism is
 * one model per thread). Resolves once every worker has loaded its model. Keeps `ai_queue_depth`
 * current and counts dropped frames in `ai_frames_skipped_total{camera_id, reason}`.
 */
export async function createDetectorPool(opts: DetectorPoolOptions): Promise<DetectorPool> {
  const size = opts.workers ?? os.availableParallelism();
  const maxBatch = Math.max(1, opts.maxBatch ?? 1);
  const batchWindowMs = maxBatch > 1 ? opts.batchWindowMs ?? 0 : 0;
  const jobTimeoutMs = opts.jobTimeoutMs ?? 30_000;
  const url = opts.workerUrl ?? new URL('./worker.ts', import.meta.url);
  const workerData: DetectorWorkerData = {
    model: opts.model,
    settings: opts.settings,
    filter: { classes: opts.classes, thresholds: opts.thresholds, default_threshold: opts.default_threshold, nms_iou: opts.nms_iou },
    maxBatch,
  };
  const log = rootLogger.child({ component: 'detector-pool', model: opts.model });

  const slots: Slot[] = [];
  const waiting = new CameraQueues(Math.max(1, opts.maxQueuePerCamera ?? 2));
  // catch-up callers feed one frame per camera at a time, so this lane needs no bound of its own
  const catchup = new CameraQueues(Number.POSITIVE_INFINITY);
  const queued = (): number => waiting.size + catchup.size;
  const restartTimers = new Set<NodeJS.Timeout>();
  let nextId = 1;
  let windowTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let restartDelay = RESTART_MIN_MS;
  let startup: { pending: number; resolve(): void; reject(err: Error): void } | undefined;

  const depth = (): number => queued() + slots.reduce((n, s) => n + s.jobs.length, 0);
  const reportDepth = (): void => metrics.queueDepth.set({ model: opts.model }, depth());

  function drop(job: Job, reason: DropReason, detail: string): void {
    metrics.framesSkipped.inc({ camera_id: job.frame.cameraId, reason });
    job.reject(new DroppedFrameError(job.frame.cameraId, reason, detail));
  }

  function staleBy(job: Job, now: number): number {
    if (opts.deadlineMs === undefined || job.frame.capturedAt === undefined || job.frame.priority === 'catchup') return 0;
    return now - job.frame.capturedAt - opts.deadlineMs;
  }

  /** Next frames to run, skipping those already past their deadline. */
  function take(max: number): Job[] {
    const jobs: Job[] = [];
    const now = Date.now();
    while (jobs.length < max) {
      // live first: a recorded frame only takes a worker no live frame is waiting for
      const job = waiting.shift() ?? catchup.shift();
      if (!job) break;
      if (staleBy(job, now) > 0) drop(job, 'stale', `not started within ${opts.deadlineMs} ms of capture`);
      else jobs.push(job);
    }
    return jobs;
  }

  /** ms a free batching worker should still wait for its batch to fill (0: dispatch now). */
  function windowLeft(): number {
    if (batchWindowMs === 0 || queued() >= maxBatch) return 0;
    const oldest = Math.min(waiting.oldest() ?? Infinity, catchup.oldest() ?? Infinity);
    return Math.max(0, oldest + batchWindowMs - Date.now());
  }

  function pump(): void {
    for (const slot of slots) {
      if (queued() === 0) break;
      if (!slot.ready || slot.jobs.length > 0) continue;
      const wait = slot.batch ? windowLeft() : 0;
      if (wait > 0) {
        windowTimer ??= setTimeout(() => {
          windowTimer = undefined;
          pump();
        }, wait);
        continue;
      }
      const jobs = take(slot.batch ? maxBatch : 1);
      if (jobs.length > 0) dispatch(slot, jobs);
    }
    reportDepth();
  }

  function dispatch(slot: Slot, jobs: Job[]): void {
    const id = nextId++;
    slot.jobId = id;
    slot.jobs = jobs;
    slot.timer = setTimeout(() => {
      slot.fault = `no answer within ${jobTimeoutMs} ms`;
      void slot.worker.terminate();
    }, jobTimeoutMs);
    metrics.batchSize.set({ model: opts.model }, jobs.length);
    metrics.batchFrames.observe({ model: opts.model }, jobs.length);
    const msg: DetectJob = { id, frames: jobs.map((j) => ({ jpeg: j.jpeg, opts: j.opts })) };
    slot.worker.postMessage(msg, jobs.map((j) => j.jpeg.buffer as ArrayBuffer));
  }

  function finish(slot: Slot): Job[] {
    const jobs = slot.jobs;
    clearTimeout(slot.timer);
    slot.jobs = [];
    slot.jobId = undefined;
    slot.timer = undefined;
    return jobs;
  }

  function spawn(index: number): void {
    const worker = startWorker(url, workerData);
    const slot: Slot = { worker, ready: false, batch: false, jobs: [] };
    slots[index] = slot;
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        slot.batch = msg.batch;
        restartDelay = RESTART_MIN_MS;
        if (startup && --startup.pending === 0) startup.resolve();
        pump();
        return;
      }
      if (slot.jobId !== msg.id) return;
      finish(slot).forEach((job, i) => {
        const outcome = msg.outcomes[i];
        if (outcome && 'result' in outcome) job.resolve(outcome.result);
        else job.reject(new Error(`detection failed: ${outcome?.error ?? 'no result from the worker'}`));
      });
      pump();
    });
    worker.on('error', (err) => {
      slot.fault ??= err.message;
    });
    worker.on('exit', (code) => {
      if (closed) return;
      const wasReady = slot.ready;
      slot.ready = false; // nothing more is dispatched to it while its replacement starts
      const reason = `detector worker ${index} ${wasReady ? 'crashed' : 'failed to start'}: ${slot.fault ?? `exit code ${code}`}`;
      for (const job of finish(slot)) job.reject(new Error(reason));
      reportDepth();
      if (startup) {
        startup.reject(new Error(reason));
        return;
      }
      log.warn({ worker: index, reason }, 'detector worker replaced');
      // back off only while replacements keep failing before they get ready
      const delay = wasReady ? RESTART_MIN_MS : restartDelay;
      restartDelay = Math.min(RESTART_MAX_MS, restartDelay * 2);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (!closed) spawn(index);
      }, delay);
      restartTimers.add(timer);
    });
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearTimeout(windowTimer);
    for (const t of restartTimers) clearTimeout(t);
    const gone = new Error('detector pool closed');
    for (const job of [...waiting.drain(), ...catchup.drain()]) job.reject(gone);
    for (const slot of slots) for (const job of finish(slot)) job.reject(gone);
    reportDepth();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  try {
    await new Promise<void>((resolve, reject) => {
      startup = { pending: size, resolve, reject };
      for (let i = 0; i < size; i++) spawn(i);
    });
  } catch (err) {
    await close();
    throw err;
  } finally {
    startup = undefined;
  }
  const batch = slots.every((s) => s.batch) ? maxBatch : 1;
  log.info({ workers: size, batch, batch_window_ms: batch > 1 ? batchWindowMs : 0 }, 'detector pool ready');

  return {
    size,
    batch,
    detect(jpeg, detectOpts, frame = UNTAGGED) {
      if (closed) return Promise.reject(new Error('detector pool closed'));
      return new Promise<DetectResult>((resolve, reject) => {
        // a private copy is transferred (not cloned) to the worker; the caller's buffer stays usable
        const job: Job = { queuedAt: Date.now(), jpeg: new Uint8Array(jpeg), opts: detectOpts, frame, resolve, reject };
        const late = staleBy(job, Date.now());
        if (late > 0) return drop(job, 'stale', `${late} ms past the ${opts.deadlineMs} ms deadline on arrival`);
        const pushedOut = (frame.priority === 'catchup' ? catchup : waiting).push(job);
        if (pushedOut) drop(pushedOut, 'queue_full', 'a newer frame of the camera arrived while its queue was full');
        pump();
      });
    },
    queueDepth: depth,
    close,
  };
}
