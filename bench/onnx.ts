import * as ort from 'onnxruntime-node';
import { convStackTestModel } from '../src/vision/detectors/testing/onnx-graph.ts';

export interface OnnxBenchRow {
  size: number;
  batch: number;
  /** model time per image, median and best of the runs */
  ms_per_image_p50: number;
  ms_per_image_min: number;
}

/**
 * onnxruntime on the CPU, one thread (as in a detector pool worker), on a YOLOv8n-sized
 * synthetic conv stack (no real weights can be downloaded here): does batching pay?
 */
export async function benchOnnx(sizes = [320, 640], batches = [1, 2, 4], runs = 24): Promise<{ model: string; rows: OnnxBenchRow[] }> {
  const rows: OnnxBenchRow[] = [];
  for (const size of sizes) {
    const session = await ort.InferenceSession.create(convStackTestModel(size), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
    try {
      for (const batch of batches) {
        const images = new ort.Tensor('float32', new Float32Array(batch * 3 * size * size).map(() => Math.random()), [batch, 3, size, size]);
        await session.run({ images }); // warm-up
        const times: number[] = [];
        for (let i = 0; i < Math.max(6, Math.round(runs / batch)); i++) {
          const started = performance.now();
          await session.run({ images });
          times.push((performance.now() - started) / batch);
        }
        times.sort((a, b) => a - b);
        const round = (v: number): number => Math.round(v * 10) / 10;
        rows.push({ size, batch, ms_per_image_p50: round(times[Math.floor(times.length / 2)]!), ms_per_image_min: round(times[0]!) });
      }
    } finally {
      await session.release();
    }
  }
  return { model: 'synthetic YOLOv8n-sized conv stack (~3.3 GMAC at 640), 1 thread', rows };
}
