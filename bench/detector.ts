import { configSchema } from '../src/config/schema.ts';
import { createDetectorPool } from '../src/vision/pool.ts';

export interface DetectorBenchRow {
  workers: number;
  /** end-to-end detect() latency (transfer, JPEG decode, letterbox, inference, decode) */
  p50_ms: number;
  p99_ms: number;
  /** frames per second through the whole pool */
  fps: number;
  /** process RSS with the pool loaded (workers are threads of this process) */
  rss_mb: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Closed-loop benchmark of the default detector: for each pool size, as many lanes as workers
 * each send the next frame when their previous one is answered, so latency excludes queueing
 * and fps is the pool's sustained throughput. `iterations` frames per pool size (default: the
 * frames given, at least 20), after one warm-up frame per worker.
 */
export async function benchDetector(opts: { frames: Buffer[]; workers: number[]; iterations?: number }): Promise<DetectorBenchRow[]> {
  if (opts.frames.length === 0) throw new Error('benchDetector needs at least one frame');
  const detection = configSchema.parse({}).detection;
  const iterations = opts.iterations ?? Math.max(opts.frames.length, 20);
  const rows: DetectorBenchRow[] = [];
  for (const workers of opts.workers) {
    const pool = await createDetectorPool({ ...detection, workers });
    try {
      await Promise.all(Array.from({ length: workers }, (_, i) => pool.detect(opts.frames[i % opts.frames.length]!)));
      const latencies: number[] = [];
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < iterations) {
          const frame = opts.frames[next++ % opts.frames.length]!;
          const started = performance.now();
          await pool.detect(frame);
          latencies.push(performance.now() - started);
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: workers }, lane));
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      rows.push({
        workers,
        p50_ms: Math.round(percentile(latencies, 50)),
        p99_ms: Math.round(percentile(latencies, 99)),
        fps: Math.round((latencies.length / seconds) * 100) / 100,
        rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      });
    } finally {
      await pool.close();
    }
  }
  return rows;
}
