import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BBox } from '../../src/core/types.ts';
import { loadCenternetOnnx } from '../../src/vision/detectors/centernet-onnx.ts';
import { centernetKserveModel } from '../../src/vision/detectors/testing/centernet-serving.ts';
import { startKserveServer, onnxKserveModel, type KserveModel, type KserveServer, type ModelStats } from '../../src/vision/detectors/testing/kserve-server.ts';
import { yoloV8TestModel } from '../../src/vision/detectors/testing/onnx-graph.ts';
import { loadTritonDetector, type TritonDetectorConfig } from '../../src/vision/detectors/triton.ts';
import { createDetectorPool } from '../../src/vision/pool.ts';

// The shared KServe v2 test server on 127.0.0.1 answering with the suite's YOLOv8-shaped test
// graph through onnxruntime (see onnx-detector.test.ts for the geometry: a red square on input
// cell (1, 1) is a person at 160,80–320,240 of a 640x480 frame), in JSON or with the binary-data
// extension.

const CELL_IN_FRAME: BBox = [160, 80, 320, 240];
const filter = { classes: ['person'], thresholds: {}, default_threshold: 0.5, nms_iou: 0.5 };
// as announced in the model metadata (without the batch dim, as Triton does with max_batch_size > 0)
const OUTPUT_SHAPE = [7, 16];

let session: ort.InferenceSession;
let model: KserveModel;
let server: KserveServer;
let url: string;

beforeAll(async () => {
  session = await ort.InferenceSession.create(yoloV8TestModel({ batch: 'dynamic' }));
  model = {
    ...onnxKserveModel('yolo', session, [{ name: 'images', datatype: 'FP32', shape: [3, 64, 64] }], [{ name: 'output0', datatype: 'FP32', shape: OUTPUT_SHAPE }]),
    versions: ['2'],
  };
  server = await startKserveServer(model);
  url = server.url;
});

afterEach(() => {
  server.behaviour.seen.length = 0;
  server.behaviour.inferError = undefined;
  server.behaviour.delayMs = undefined;
  model.outputs[0]!.shape = OUTPUT_SHAPE;
});

afterAll(async () => {
  await server.close();
  await session.release();
});

const config = (extra: Partial<TritonDetectorConfig> = {}): TritonDetectorConfig => ({
  url, model_name: 'yolo', format: 'yolov8', timeout_ms: 2000, binary_data: true, labels: ['person', 'bicycle', 'car'], ...extra,
});

async function redSquare(): Promise<Buffer> {
  const square = await sharp({ create: { width: 160, height: 160, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([{ input: square, left: 160, top: 80 }]).jpeg({ quality: 95 }).toBuffer();
}

describe('Triton / KServe v2 detector', () => {
  for (const binary of [true, false]) {
    it(`detects end to end over HTTP (${binary ? 'binary-data extension' : 'JSON tensors'})`, async () => {
      const d = await loadTritonDetector(config({ binary_data: binary }), filter);
      const { detections, width, height } = await d.detect(await redSquare());
      expect([width, height]).toEqual([640, 480]);
      expect(detections.map((x) => x.class)).toEqual(['person']);
      detections[0]!.bbox.forEach((v, i) => expect(Math.abs(v - CELL_IN_FRAME[i]!)).toBeLessThanOrEqual(1));
      expect(server.behaviour.seen).toEqual(['GET /v2/health/ready', 'GET /v2/models/yolo/ready', 'GET /v2/models/yolo', 'POST /v2/models/yolo/infer']);
      // the server reports a batch dimension: frames go in one request, results come back in order
      const [a, b] = await d.detectBatch!([{ jpeg: await redSquare() }, { jpeg: await sharp({ create: { width: 64, height: 64, channels: 3, background: 'black' } }).jpeg().toBuffer() }]);
      expect([a!.detections.length, b!.detections.length]).toEqual([1, 0]);
      expect(server.behaviour.seen.filter((s) => s.endsWith('/infer'))).toHaveLength(2);
    });
  }

  it('counts calls per batch size in Triton\'s statistics extension', async () => {
    const stats = async (): Promise<ModelStats> => ((await (await fetch(`${url}/v2/models/yolo/stats`)).json()) as { model_stats: ModelStats[] }).model_stats[0]!;
    const before = await stats();
    const d = await loadTritonDetector(config(), filter);
    await d.detectBatch!([{ jpeg: await redSquare() }, { jpeg: await redSquare() }, { jpeg: await redSquare() }]);
    const after = await stats();
    expect(after.execution_count - before.execution_count).toBe(1);
    expect(after.inference_count - before.inference_count).toBe(3);
    const three = (s: ModelStats) => s.batch_stats.find((b) => b.batch_size === 3)?.compute_infer.count ?? 0;
    expect(three(after) - three(before)).toBe(1);
    expect(after.inference_stats.compute_infer.ns).toBeGreaterThan(before.inference_stats.compute_infer.ns);
  });

  it('batches a tiled frame\'s tiles with other cameras\' frames through the detector pool', async () => {
    const stats = async (): Promise<ModelStats> => ((await (await fetch(`${url}/v2/models/yolo/stats`)).json()) as { model_stats: ModelStats[] }).model_stats[0]!;
    const sized = (s: ModelStats) => Object.fromEntries(s.batch_stats.map((b) => [b.batch_size, b.compute_infer.count]));
    const pool = await createDetectorPool({ model: 'triton', workers: 1, settings: { triton: config() }, ...filter, maxBatch: 2, batchWindowMs: 60_000 });
    try {
      const before = sized(await stats());
      const tiles: BBox[] = [[0, 0, 480, 480], [160, 0, 640, 480]];
      const [tiled, whole] = await Promise.all([
        pool.detect(await redSquare(), { tiles }, { cameraId: 'wide' }),
        pool.detect(await redSquare(), undefined, { cameraId: 'plain' }),
      ]);
      expect([tiled.width, whole.width]).toEqual([640, 640]);
      expect(whole.detections.map((d) => d.class)).toEqual(['person']);
      // two frames, three model inputs (two tiles and a frame): one call of two, one of one
      const after = sized(await stats());
      expect([(after[2] ?? 0) - (before[2] ?? 0), (after[1] ?? 0) - (before[1] ?? 0)]).toEqual([1, 1]);
    } finally {
      await pool.close();
    }
  });

  it('addresses a model version', async () => {
    const d = await loadTritonDetector(config({ model_version: '2' }), filter);
    await d.detect(await redSquare());
    expect(server.behaviour.seen.at(-1)).toBe('POST /v2/models/yolo/versions/2/infer');
    await expect(loadTritonDetector(config({ model_version: '7' }), filter)).rejects.toThrow('/v2/models/yolo/versions/7/ready answered HTTP 404: Request for unknown model');
  });

  it('survives a server that is down at start: frames fail naming the cause until it is up', async () => {
    const gone = await startKserveServer(model);
    await gone.close();
    const laterUrl = gone.url;
    const d = await loadTritonDetector(config({ url: laterUrl }), filter);
    await expect(d.detect(await redSquare())).rejects.toThrow(`Triton ${laterUrl} model yolo: unreachable (ECONNREFUSED)`);
    const later = await startKserveServer(model, { port: Number(new URL(laterUrl).port) });
    try {
      expect((await d.detect(await redSquare())).detections.map((x) => x.class)).toEqual(['person']);
      expect((await d.detectBatch!([{ jpeg: await redSquare() }, { jpeg: await redSquare() }])).map((r) => r.detections.length)).toEqual([1, 1]);
    } finally {
      await later.close();
    }
  });

  it('names a timeout and the server\'s own error text', async () => {

    const d = await loadTritonDetector(config({ timeout_ms: 300 }), filter);
    server.behaviour.inferError = { status: 400, error: "unexpected shape for input 'images' for model 'yolo'" };
    await expect(d.detect(await redSquare())).rejects.toThrow(`Triton ${url} model yolo: /v2/models/yolo/infer answered HTTP 400: unexpected shape for input 'images'`);
    server.behaviour.inferError = undefined;
    server.behaviour.delayMs = 1000;
    await expect(d.detect(await redSquare())).rejects.toThrow('no answer within 300 ms (/v2/models/yolo/infer)');
  });

  it('refuses a model whose output fits no decoder, at load', async () => {
    model.outputs[0]!.shape = [10];
    await expect(loadTritonDetector(config(), filter)).rejects.toThrow(`Triton ${url} model yolo: output [1, 10] is not [batch, a, b]`);
    model.outputs[0]!.shape = OUTPUT_SHAPE;
    await expect(loadTritonDetector(config({ labels: ['person'] }), filter)).rejects.toThrow('3 classes but the class map has 1 names');
  });
});

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping the served centernet test: ${missing.join(', ')} not found`);

describe.skipIf(missing.length > 0)('the shipped centernet served over KServe v2 with a dynamic batch', () => {
  const people = { classes: ['person'], thresholds: {}, default_threshold: 0.3, nms_iou: 0.5 };

  it('finds in one batched call what centernet-onnx finds frame by frame', async () => {
    const frames = [40, 400].map((n) => {
      const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-q:v', '3', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'], { timeout: 60_000 });
      if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
      return r.stdout;
    });
    const centernet = await centernetKserveModel({ threads: 1 });
    const served = await startKserveServer(centernet);
    const local = await loadCenternetOnnx(people);
    try {
      const triton = await loadTritonDetector({ url: served.url, model_name: 'centernet', format: 'yolov8', input_pixels: 'rgb-0-255', timeout_ms: 60_000, binary_data: true }, people);
      const batched = await triton.detectBatch!(frames.map((jpeg) => ({ jpeg })));
      let compared = 0;
      for (const [i, jpeg] of frames.entries()) {
        const alone = await local.detect(jpeg);
        expect(batched[i]!.detections).toHaveLength(alone.detections.length);
        for (const d of alone.detections) {
          const twin = batched[i]!.detections.find((e) => e.bbox.every((v, k) => Math.abs(v - d.bbox[k]!) <= 1));
          expect(twin, `person ${d.confidence} at [${d.bbox.join(', ')}] over KServe`).toBeDefined();
          expect(Math.abs(twin!.confidence - d.confidence)).toBeLessThanOrEqual(0.01);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(5);
      expect(served.behaviour.seen.filter((s) => s.endsWith('/infer'))).toHaveLength(1);
    } finally {
      local.dispose();
      await served.close();
      await centernet.release();
    }
  }, 120_000);
});
