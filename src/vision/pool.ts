import os from 'node:os';
import { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before workers use it, else a worker's exit can unload libvips under the others
import 'sharp';
import { rootLogger } from '../core/log.ts';
import type { DetectorModel } from './detectors/registry.ts';
import type { DetectOptions, DetectResult } from './detectors/types.ts';
import type { DetectionFilter } from './filter.ts';
import type { DetectJob, DetectorWorkerData, WorkerReply } from './worker-protocol.ts';

export interface DetectorPoolOptions extends DetectionFilter {
  model: DetectorModel;
  /** worker threads, one model each (default: os.availableParallelism()) */
  workers?: number;
  /** jobs allowed to wait for a free worker; beyond it detect() rejects with DetectorQueueFullError (default 4 per worker) */
  maxQueue?: number;
  /** a job unanswered this long gets its worker terminated and replaced (default 30 s) */
  jobTimeoutMs?: number;
  /** worker script speaking worker-protocol.ts (tests substitute a stand-in) */
  workerUrl?: URL;
}

export interface DetectorPool {
  readonly size: number;
  detect(jpeg: Uint8Array, opts?: DetectOptions): Promise<DetectResult>;
  /** requests not yet answered: waiting plus in flight */
  queueDepth(): number;
  close(): Promise<void>;
}

export class DetectorQueueFullError extends Error {
  constructor(max: number) {
    super(`detector queue full (${max} frames waiting)`);
    this.name = 'DetectorQueueFullError';
  }
}

interface Job extends DetectJob {
  resolve(result: DetectResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** why the worker is going away, when the pool knows better than the exit code */
  fault?: string;
}

const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 30_000;

/**
 * Starts a worker from a .ts file when running from sources: Node 20 does not apply `--import tsx`
 * hooks to a worker's entry module, so a bootstrap registers tsx in the thread and then imports it.
 */
function startWorker(url: URL, workerData: DetectorWorkerData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Detector worker threads, one model each (tfjs-wasm runs single-threaded, so parallelism is
 * one model per thread). Resolves once every worker has loaded its model.
 */
export async function createDetectorPool(opts: DetectorPoolOptions): Promise<DetectorPool> {
  const size = opts.workers ?? os.availableParallelism();
  const maxQueue = opts.maxQueue ?? 4 * size;
  const jobTimeoutMs = opts.jobTimeoutMs ?? 30_000;
  const url = opts.workerUrl ?? new URL('./worker.ts', import.meta.url);
  const workerData: DetectorWorkerData = {
    model: opts.model,
    filter: { classes: opts.classes, thresholds: opts.thresholds, default_threshold: opts.default_threshold, nms_iou: opts.nms_iou },
  };
  const log = rootLogger.child({ component: 'detector-pool', model: opts.model });

  const slots: Slot[] = [];
  const waiting: Job[] = [];
  const restartTimers = new Set<NodeJS.Timeout>();
  let nextId = 1;
  let closed = false;
  let restartDelay = RESTART_MIN_MS;
  let startup: { pending: number; resolve(): void; reject(err: Error): void } | undefined;

  function pump(): void {
    for (const slot of slots) {
      if (waiting.length === 0) return;
      if (slot.ready && !slot.job) dispatch(slot, waiting.shift()!);
    }
  }

  function dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.timer = setTimeout(() => {
      slot.fault = `no answer within ${jobTimeoutMs} ms`;
      void slot.worker.terminate();
    }, jobTimeoutMs);
    const msg: DetectJob = { id: job.id, jpeg: job.jpeg, opts: job.opts };
    slot.worker.postMessage(msg, [job.jpeg.buffer as ArrayBuffer]);
  }

  function finish(slot: Slot): Job | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    return job;
  }

  function spawn(index: number): void {
    const worker = startWorker(url, workerData);
    const slot: Slot = { worker, ready: false };
    slots[index] = slot;
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        restartDelay = RESTART_MIN_MS;
        if (startup && --startup.pending === 0) startup.resolve();
        pump();
        return;
      }
      if (slot.job?.id !== msg.id) return;
      const job = finish(slot)!;
      if (msg.type === 'result') job.resolve(msg.result);
      else job.reject(new Error(`detection failed: ${msg.message}`));
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
      finish(slot)?.reject(new Error(reason));
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
    for (const t of restartTimers) clearTimeout(t);
    const gone = new Error('detector pool closed');
    for (const job of waiting.splice(0)) job.reject(gone);
    for (const slot of slots) finish(slot)?.reject(gone);
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
  log.info({ workers: size }, 'detector pool ready');

  return {
    size,
    detect(jpeg, opts) {
      if (closed) return Promise.reject(new Error('detector pool closed'));
      if (waiting.length >= maxQueue) return Promise.reject(new DetectorQueueFullError(maxQueue));
      return new Promise<DetectResult>((resolve, reject) => {
        // a private copy is transferred (not cloned) to the worker; the caller's buffer stays usable
        waiting.push({ id: nextId++, jpeg: new Uint8Array(jpeg), opts, resolve, reject });
        pump();
      });
    },
    queueDepth: () => waiting.length + slots.filter((s) => s.job).length,
    close,
  };
}
