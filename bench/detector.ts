import { configSchema } from '../src/config/schema.ts';
import { createDetectorPool } from '../src/vision/pool.ts';

export interface DetectorBenchRow {
  workers: number;
  /** onnxruntime intra-op threads per worker */
  threads: number;
  /** frames per model call (1 = no batching) */
  batch: number;
  /** end-to-end detect() latency (transfer, JPEG decode, letterbox, inference, decode) */
  p50_ms: number;
  p99_ms: number;
  /** the model run alone (onnxruntime), median: the rest of p50 is decode, letterbox and waiting */
  inference_p50_ms: number;
  /** frames per second through the whole pool */
  fps: number;
  /** process RSS with the pool loaded (workers are threads of this process) */
  rss_mb: number;
}

export interface DetectorBench {
  model: string;
  /** why batching was or was not measured */
  batching: string;
  rows: DetectorBenchRow[];
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** `n` rounded to `places` decimals, for JSON reports. */
export const round = (n: number, places = 1): number => Math.round(n * 10 ** places) / 10 ** places;

/** The median of `values` (left unsorted), rounded to `places` decimals. */
export function median(values: readonly number[], places: number): number {
  return round(percentile([...values].sort((a, b) => a - b), 50), places);
}

/** A detector pool's workers and each worker's onnxruntime intra-op threads. */
export interface PoolShape {
  workers: number;
  threads: number;
}

/** `2` (two workers, one thread each) or `1x2` (one worker, two threads). */
export function parsePoolShape(text: string): PoolShape {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`detector pool ${JSON.stringify(text)}: expected WORKERS or WORKERSxTHREADS, e.g. 2 or 1x2`);
  return { workers: Number(m[1]), threads: Number(m[2] ?? 1) };
}

/**
 * Closed-loop benchmark of the default detector: for each pool size (and batch size, when the
 * detector batches), workers × batch lanes — one camera each, as the inference role feeds the
 * pool — send their next frame when the previous one is answered, so the pool stays full and
 * fps is its sustained throughput. `iterations` frames per configuration (default: the frames
 * given, at least 20), after one warm-up frame per lane.
 */
export async function benchDetector(opts: { frames: Buffer[]; pools: PoolShape[]; batches?: number[]; iterations?: number }): Promise<DetectorBench> {
  if (opts.frames.length === 0) throw new Error('benchDetector needs at least one frame');
  const detection = configSchema.parse({}).detection;
  const iterations = opts.iterations ?? Math.max(opts.frames.length, 20);
  const rows: DetectorBenchRow[] = [];
  let batching = `${detection.model} does not implement detectBatch (its graph has a fixed batch of 1): measured without batching`;
  // learnt from the first pool asked to batch: a detector without detectBatch is not asked again
  let batches = true;
  for (const { workers, threads } of opts.pools) {
    for (const maxBatch of opts.batches ?? [1, 4]) {
      if (maxBatch > 1 && !batches) continue;
      const pool = await createDetectorPool({ ...detection, workers, settings: { threads }, maxBatch });
      try {
        if (maxBatch > 1 && pool.batch === 1) {
          batches = false;
          continue;
        }
        if (pool.batch > 1) batching = `${detection.model} batches: measured with batch 1 and ${(opts.batches ?? [1, 4]).join(', ')}`;
        const lanes = workers * pool.batch;
        const frame = (i: number): Buffer => opts.frames[i % opts.frames.length]!;
        await Promise.all(Array.from({ length: lanes }, (_, i) => pool.detect(frame(i), undefined, { cameraId: `lane${i}` })));
        const latencies: number[] = [];
        const inference: number[] = [];
        let next = 0;
        const lane = async (_: unknown, i: number): Promise<void> => {
          while (next < iterations) {
            const jpeg = frame(next++);
            const started = performance.now();
            inference.push((await pool.detect(jpeg, undefined, { cameraId: `lane${i}` })).inferenceMs ?? NaN);
            latencies.push(performance.now() - started);
          }
        };
        const started = performance.now();
        await Promise.all(Array.from({ length: lanes }, lane));
        const seconds = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        rows.push({
          workers,
          threads,
          batch: pool.batch,
          p50_ms: Math.round(percentile(latencies, 50)),
          p99_ms: Math.round(percentile(latencies, 99)),
          inference_p50_ms: median(inference, 0),
          fps: Math.round((latencies.length / seconds) * 100) / 100,
          rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
        });
      } finally {
        await pool.close();
      }
    }
  }
  return { model: detection.model, batching, rows };
}
