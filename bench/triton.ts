import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema } from '../src/config/schema.ts';
import { metrics } from '../src/core/metrics.ts';
import { createAnalysisPool } from '../src/vision/analysis-setup.ts';
import { loadTritonDetector } from '../src/vision/detectors/triton.ts';
import type { ModelStats } from '../src/vision/detectors/testing/kserve-server.ts';
import { median, round } from './detector.ts';
import { busyCameras, frac, FRAME_INTERVAL_MS, GOLDEN, measure, VirtualCamera, type Config, type StepResult } from './capacity.ts';

const SERVER = path.join(import.meta.dirname, 'triton-server.ts');
const MODEL = 'centernet';
const COST_ROUNDS = 5;

interface Server {
  url: string;
  stats(): Promise<ModelStats>;
  stop(): Promise<void>;
}

/** Starts bench/triton-server.ts in its own process and waits for its URL. */
async function startServer(threads: number): Promise<Server> {
  // its stdin stays open while this process lives: the server stops when it closes
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const first = await Promise.race([
    createInterface({ input: child.stdout })[Symbol.asyncIterator]().next(),
    exited.then(() => ({ value: undefined })),
  ]);
  if (!first.value) throw new Error('the KServe test server exited before it answered');
  child.stdout.resume();
  const { url } = JSON.parse(first.value as string) as { url: string };
  return {
    url,
    stats: async () => ((await (await fetch(`${url}/v2/models/${MODEL}/stats`)).json()) as { model_stats: ModelStats[] }).model_stats[0]!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Calls per batch size so far, from the pool's ai_batch_frames histogram (one bucket per size). */
async function poolBatches(): Promise<Map<number, number>> {
  const cumulative = new Map<number, number>();
  for (const v of (await metrics.batchFrames.get()).values) {
    const le = (v.labels as Record<string, unknown>).le;
    if (v.metricName === 'ai_batch_frames_bucket' && v.labels.model === 'triton' && typeof le === 'number') cumulative.set(le, v.value);
  }
  const calls = new Map<number, number>();
  for (const [size, n] of cumulative) calls.set(size, n - (cumulative.get(size - 1) ?? 0));
  return calls;
}

const ms = (ns: number, count: number): number | null => (count > 0 ? round(ns / count / 1e6) : null);

/** Batch sizes the pool dispatched in a window: calls per size, mean, median, largest. */
function batchDistribution(before: Map<number, number>, after: Map<number, number>) {
  const calls: Record<number, number> = {};
  const sizes: number[] = [];
  for (const [size, n] of after) {
    const d = n - (before.get(size) ?? 0);
    if (d <= 0) continue;
    calls[size] = d;
    for (let i = 0; i < d; i++) sizes.push(size);
  }
  if (sizes.length === 0) return { calls, mean: null, p50: null, max: null };
  return { calls, mean: round(sizes.reduce((a, b) => a + b, 0) / sizes.length, 2), p50: sizes[Math.floor(sizes.length / 2)]!, max: sizes.at(-1)! };
}

/** What the server did in a window (its statistics extension): calls, frames, time per call and per frame, by batch size. */
function serverWindow(before: ModelStats, after: ModelStats, seconds: number) {
  const calls = after.execution_count - before.execution_count;
  const frames = after.inference_count - before.inference_count;
  const computeNs = after.inference_stats.compute_infer.ns - before.inference_stats.compute_infer.ns;
  const queueNs = after.inference_stats.queue.ns - before.inference_stats.queue.ns;
  const bySize = after.batch_stats.map((b) => {
    const was = before.batch_stats.find((x) => x.batch_size === b.batch_size)?.compute_infer ?? { count: 0, ns: 0 };
    const n = b.compute_infer.count - was.count;
    return { batch_size: b.batch_size, calls: n, compute_ms_per_call: ms(b.compute_infer.ns - was.ns, n), compute_ms_per_frame: ms(b.compute_infer.ns - was.ns, n * b.batch_size) };
  }).filter((b) => b.calls > 0).sort((a, b) => a.batch_size - b.batch_size);
  return {
    calls_per_s: round(calls / seconds, 2),
    frames_per_s: round(frames / seconds, 2),
    compute_ms_per_call: ms(computeNs, calls),
    compute_ms_per_frame: ms(computeNs, frames),
    queue_ms_per_call: ms(queueNs, calls),
    by_batch_size: bySize,
  };
}

/**
 * The cost of one frame at each batch size, the sizes taking turns call by call (so the load of a
 * shared box falls on all alike): one request at a time, real vtest frames, median of the rounds.
 * server: compute per frame in the server; client: the whole detectBatch per frame (JPEG decode,
 * letterbox, request, response, decode), as a pool worker spends it.
 */
async function costPerBatchSize(server: Server, frames: (i: number) => Buffer, batches: number[], rounds: number) {
  const cfg = configSchema.parse({}).detection;
  const detector = await loadTritonDetector(
    { url: server.url, model_name: MODEL, format: 'yolov8', input_pixels: 'rgb-0-255', timeout_ms: 60_000, binary_data: true },
    { classes: cfg.classes, thresholds: cfg.thresholds, default_threshold: cfg.score_floor, nms_iou: cfg.nms_iou },
  );
  const samples = new Map(batches.map((b) => [b, { server: [] as number[], client: [] as number[] }]));
  let next = 0;
  await detector.detectBatch!([{ jpeg: frames(next++) }]); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const b of batches) {
      const before = await server.stats();
      const started = performance.now();
      await detector.detectBatch!(Array.from({ length: b }, () => ({ jpeg: frames(next++) })));
      const client = performance.now() - started;
      const after = await server.stats();
      samples.get(b)!.server.push((after.inference_stats.compute_infer.ns - before.inference_stats.compute_infer.ns) / 1e6 / b);
      samples.get(b)!.client.push(client / b);
    }
  }
  return batches.map((b) => {
    const s = samples.get(b)!;
    const serverMs = median(s.server, 1);
    return { batch_size: b, calls: rounds, server_ms_per_frame_p50: serverMs, client_ms_per_frame_p50: median(s.client, 1), server_frames_per_s: round(1000 / serverMs, 2) };
  });
}

export interface TritonBenchOptions {
  /** the busy cameras' clip (vtest) */
  video: string;
  /** detection.batch_size values */
  batches: number[];
  /** detection.batch_window_ms values */
  windowsMs: number[];
  /** camera counts, each measured whatever the one before did */
  cameras: number[];
  warmupSeconds: number;
  measureSeconds: number;
  /** onnxruntime threads of the server (default: all cores) */
  serverThreads?: number;
}

type Row = Omit<StepResult, 'runs' | 'cpu'> & {
  batch_size: number;
  batch_window_ms: number;
  batches_reached: ReturnType<typeof batchDistribution>;
  server: ReturnType<typeof serverWindow>;
  cpu_ms_per_frame_vigil: number;
  motion_skipped_share: number;
};

/**
 * Batching across cameras on the Triton path: N busy 1-fps cameras (vtest, each from its own
 * point in the clip), each with its own frame lane and CameraAnalyzer as in the inference role,
 * share one detector pool of model `triton` against the KServe v2 test server in its own process
 * (the shipped centernet with a dynamic batch). Per batch_size × batch_window_ms × cameras: the
 * batch sizes the pool reached, the server's calls and frames per second and compute time per
 * call and per frame, frames dropped, detection lag.
 */
export async function benchTriton(opts: TritonBenchOptions) {
  const threads = opts.serverThreads ?? os.availableParallelism();
  console.error(`triton: starting the KServe v2 test server (centernet 512, ${threads} onnxruntime threads) and decoding ${opts.video}`);
  const server = await startServer(threads);
  const source = busyCameras(opts.video);
  const loadStart = os.loadavg();
  const rows: Row[] = [];
  let perBatchSize: Awaited<ReturnType<typeof costPerBatchSize>> = [];
  try {
    console.error(`  cost per frame by batch size (${opts.batches.join(', ')}), taking turns, ${COST_ROUNDS} rounds`);
    perBatchSize = await costPerBatchSize(server, (i) => source(i)(0), opts.batches, COST_ROUNDS);
    for (const windowMs of opts.windowsMs) {
      for (const batch of opts.batches) {
        const cfg: Config = configSchema.parse({
          detection: {
            model: 'triton', batch_size: batch, batch_window_ms: windowMs,
            triton: { url: server.url, model_name: MODEL, format: 'yolov8', input_pixels: 'rgb-0-255', timeout_ms: 60_000 },
          },
        });
        const { detection } = cfg;
        const pool = await createAnalysisPool(cfg, { maxQueuePerCamera: detection.queue_per_camera, deadlineMs: detection.max_frame_age_seconds * 1000, maxBatch: batch, batchWindowMs: windowMs });
        const cams: VirtualCamera[] = [];
        try {
          for (const n of opts.cameras) {
            while (cams.length < n) {
              const cam = new VirtualCamera(`cam${cams.length}`, cfg, pool, source(cams.length));
              cam.start(frac(cams.length * GOLDEN) * FRAME_INTERVAL_MS);
              cams.push(cam);
            }
            console.error(`  batch_size ${batch}, window ${windowMs} ms, ${n} cameras: ${opts.warmupSeconds} s warm-up, ${opts.measureSeconds} s measured`);
            await sleep(opts.warmupSeconds * 1000);
            let at: { stats: ModelStats; batches: Map<number, number> } | undefined;
            let window: Pick<Row, 'batches_reached' | 'server'> | undefined;
            const { runs, cpu, ...step } = await measure(cams, opts.measureSeconds * 1000, {
              opened: async () => {
                at = { stats: await server.stats(), batches: await poolBatches() };
              },
              closed: async () => {
                window = { batches_reached: batchDistribution(at!.batches, await poolBatches()), server: serverWindow(at!.stats, await server.stats(), opts.measureSeconds) };
              },
            });
            rows.push({ batch_size: batch, batch_window_ms: windowMs, ...step, ...window!, cpu_ms_per_frame_vigil: cpu.ms_per_frame, motion_skipped_share: runs.skipped_share });
          }
        } finally {
          await Promise.all(cams.map((c) => c.close()));
          await pool.close();
        }
      }
    }
  } finally {
    await server.stop();
  }
  return {
    server: `KServe v2 test server (src/vision/detectors/testing/kserve-server.ts) in its own process on this box: the shipped centernet at 512², converted to ONNX with a dynamic batch, onnxruntime CPU with ${threads} threads, one call at a time (one model instance); the batch is formed by Vigil's detector pool, not by the server (no server-side dynamic batching)`,
    video: opts.video,
    workers: configSchema.parse({}).detection.workers ?? os.availableParallelism(),
    warmup_seconds: opts.warmupSeconds,
    measure_seconds: opts.measureSeconds,
    load_average: { start: loadStart.map((n) => round(n, 2)), end: os.loadavg().map((n) => round(n, 2)) },
    cost_per_batch_size: perBatchSize,
    rows,
  };
}
