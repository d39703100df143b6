import type { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before a worker uses it (see pool.ts)
import 'sharp';
import type { BBox } from '../../core/types.ts';
import { rootLogger } from '../../core/log.ts';
import { startWorker } from '../../core/start-worker.ts';
import { DEFAULT_PIPELINE, type FacePipelineOptions } from './pipeline.ts';
import { BadImageError, NoFaceError, type FaceEmbedder, type FaceResult } from './types.ts';
import type { FaceJob, FaceWorkerReply } from './worker-protocol.ts';

export interface FaceEmbedderOptions extends Partial<FacePipelineOptions> {
  /** requests allowed to wait; beyond it a request rejects with 'face queue full' (default 16) */
  maxQueue?: number;
  /** a request unanswered this long gets the worker replaced (default 30 s) */
  jobTimeoutMs?: number;
}

interface Pending extends FaceJob {
  resolve(r: FaceResult): void;
  reject(e: Error): void;
}

function toError(msg: Extract<FaceWorkerReply, { type: 'error' }>): Error {
  if (msg.name === 'NoFaceError') return new NoFaceError(msg.reason ?? msg.message);
  if (msg.name === 'BadImageError') return new BadImageError(msg.message);
  return new Error(`face analysis failed: ${msg.message}`);
}

/**
 * The face pipeline in one worker thread (one tfjs-wasm model set, ~1 CPU while busy), requests
 * served in order. A crashed or hung worker is replaced; its request fails with the cause.
 */
export async function createFaceEmbedder(opts: FaceEmbedderOptions = {}): Promise<FaceEmbedder> {
  const { maxQueue = 16, jobTimeoutMs = 30_000, ...pipeline } = opts;
  const url = new URL('./worker.ts', import.meta.url);
  const log = rootLogger.child({ component: 'face-embedder' });
  const waiting: Pending[] = [];
  let current: Pending | undefined;
  let timer: NodeJS.Timeout | undefined;
  let worker: Worker;
  let ready = false;
  let closed = false;
  let fault: string | undefined;
  let nextId = 1;
  let dim = 0;

  function pump(): void {
    if (!ready || current || waiting.length === 0) return;
    current = waiting.shift()!;
    timer = setTimeout(() => {
      fault = `no answer within ${jobTimeoutMs} ms`;
      void worker.terminate();
    }, jobTimeoutMs);
    const msg: FaceJob = { id: current.id, jpeg: current.jpeg, personBox: current.personBox };
    worker.postMessage(msg, [current.jpeg.buffer as ArrayBuffer]);
  }

  function settle(): Pending | undefined {
    const job = current;
    clearTimeout(timer);
    current = undefined;
    return job;
  }

  await new Promise<void>((resolveStart, rejectStart) => {
    let starting = true;
    const spawn = (): void => {
      worker = startWorker(url, pipeline);
      ready = false;
      fault = undefined;
      worker.on('message', (msg: FaceWorkerReply) => {
        if (msg.type === 'ready') {
          ready = true;
          dim = msg.dim;
          if (starting) {
            starting = false;
            resolveStart();
          }
          pump();
          return;
        }
        if (current?.id !== msg.id) return;
        const job = settle()!;
        if (msg.type === 'result') job.resolve(msg.result);
        else job.reject(toError(msg));
        pump();
      });
      worker.on('error', (err) => {
        fault ??= err.message;
      });
      worker.on('exit', (code) => {
        if (closed) return;
        const reason = `face worker ${ready ? 'crashed' : 'failed to start'}: ${fault ?? `exit code ${code}`}`;
        settle()?.reject(new Error(reason));
        if (starting) {
          rejectStart(new Error(reason));
          return;
        }
        log.warn({ reason }, 'face worker replaced');
        spawn();
      });
    };
    spawn();
  });

  const request = (jpeg: Uint8Array, personBox?: BBox): Promise<FaceResult> => {
    if (closed) return Promise.reject(new Error('face embedder closed'));
    if (waiting.length >= maxQueue) return Promise.reject(new Error(`face queue full (${maxQueue} requests waiting)`));
    return new Promise((resolve, reject) => {
      // a private copy is transferred to the worker; the caller's buffer stays usable
      waiting.push({ id: nextId++, jpeg: new Uint8Array(jpeg), personBox, resolve, reject });
      pump();
    });
  };

  return {
    model: pipeline.embedder ?? DEFAULT_PIPELINE.embedder,
    get dim() {
      return dim;
    },
    embedImage: (jpeg) => request(jpeg),
    embedFaceInCrop: (jpeg, personBox) => request(jpeg, personBox),
    async close() {
      if (closed) return;
      closed = true;
      const gone = new Error('face embedder closed');
      for (const job of waiting.splice(0)) job.reject(gone);
      settle()?.reject(gone);
      await worker.terminate();
    },
  };
}
