import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BBox } from '../../src/core/types.ts';
import { yoloV8TestModel } from '../../src/vision/detectors/testing/onnx-graph.ts';
import { loadTritonDetector, type TritonDetectorConfig } from '../../src/vision/detectors/triton.ts';

// A KServe v2 server on 127.0.0.1 answering with the suite's YOLOv8-shaped test graph through
// onnxruntime (see onnx-detector.test.ts for the geometry: a red square on input cell (1, 1) is a
// person at 160,80–320,240 of a 640x480 frame), in JSON or with the binary-data extension.

const CELL_IN_FRAME: BBox = [160, 80, 320, 240];
const filter = { classes: ['person'], thresholds: {}, default_threshold: 0.5, nms_iou: 0.5 };

interface Behaviour {
  /** output shape announced in the model metadata (without the batch dim, as Triton does with max_batch_size > 0) */
  outputShape: number[];
  /** answer infer with this status and error text */
  inferError?: { status: number; error: string };
  /** delay every infer answer */
  delayMs?: number;
  /** requests seen: method and path */
  seen: string[];
}

let session: ort.InferenceSession;
let server: Server;
let url: string;
let behaviour: Behaviour;

const reset = (): void => {
  behaviour = { outputShape: [7, 16], seen: [] };
};

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

interface InferInput { name: string; shape: number[]; datatype: string; data?: number[]; parameters?: { binary_data_size?: number } }

async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await body(req);
  const headerLength = Number(req.headers['inference-header-content-length'] ?? raw.length);
  const request = JSON.parse(raw.subarray(0, headerLength).toString()) as { inputs: InferInput[]; outputs?: { name: string; parameters?: { binary_data?: boolean } }[] };
  const input = request.inputs[0]!;
  const bytes = raw.subarray(headerLength);
  const data = input.parameters?.binary_data_size !== undefined
    ? new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    : Float32Array.from(input.data!);
  if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
  if (behaviour.inferError) return json(res, behaviour.inferError.status, { error: behaviour.inferError.error });
  const out = (await session.run({ images: new ort.Tensor('float32', data, input.shape) })).output0!;
  const values = out.data as Float32Array;
  const binary = request.outputs?.[0]?.parameters?.binary_data === true;
  const output = { name: 'output0', datatype: 'FP32', shape: out.dims, ...(binary ? { parameters: { binary_data_size: values.byteLength } } : { data: Array.from(values) }) };
  const header = Buffer.from(JSON.stringify({ model_name: 'yolo', outputs: [output] }));
  if (!binary) return void res.writeHead(200, { 'content-type': 'application/json' }).end(header);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) })
    .end(Buffer.concat([header, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  behaviour.seen.push(`${req.method} ${path}`);
  const model = /^\/v2\/models\/yolo(?:\/versions\/(\w+))?(\/ready|\/infer)?$/.exec(path);
  if (path === '/v2/health/ready') return void res.writeHead(200).end();
  if (!model || (model[1] && model[1] !== '2')) return json(res, 404, { error: `Request for unknown model: '${path.split('/')[3]}' is not found` });
  if (model[2] === '/ready') return void res.writeHead(200).end();
  if (model[2] === '/infer') return void infer(req, res).catch((err: Error) => json(res, 500, { error: err.message }));
  json(res, 200, {
    name: 'yolo', versions: ['1', '2'], platform: 'onnxruntime_onnx',
    inputs: [{ name: 'images', datatype: 'FP32', shape: [3, 64, 64] }],
    outputs: [{ name: 'output0', datatype: 'FP32', shape: behaviour.outputShape }],
  });
}

beforeAll(async () => {
  session = await ort.InferenceSession.create(yoloV8TestModel({ batch: 'dynamic' }));
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(reset);
reset();

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
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
      expect(behaviour.seen).toEqual(['GET /v2/health/ready', 'GET /v2/models/yolo/ready', 'GET /v2/models/yolo', 'POST /v2/models/yolo/infer']);
      // the server reports a batch dimension: frames go in one request, results come back in order
      const [a, b] = await d.detectBatch!([{ jpeg: await redSquare() }, { jpeg: await sharp({ create: { width: 64, height: 64, channels: 3, background: 'black' } }).jpeg().toBuffer() }]);
      expect([a!.detections.length, b!.detections.length]).toEqual([1, 0]);
      expect(behaviour.seen.filter((s) => s.endsWith('/infer'))).toHaveLength(2);
    });
  }

  it('addresses a model version', async () => {
    const d = await loadTritonDetector(config({ model_version: '2' }), filter);
    await d.detect(await redSquare());
    expect(behaviour.seen.at(-1)).toBe('POST /v2/models/yolo/versions/2/infer');
    await expect(loadTritonDetector(config({ model_version: '7' }), filter)).rejects.toThrow('/v2/models/yolo/versions/7/ready answered HTTP 404: Request for unknown model');
  });

  it('survives a server that is down at start: frames fail naming the cause until it is up', async () => {
    const later = createServer(handle);
    await new Promise<void>((resolve) => later.listen(0, '127.0.0.1', resolve));
    const port = (later.address() as AddressInfo).port;
    await new Promise((resolve) => later.close(resolve));
    const laterUrl = `http://127.0.0.1:${port}`;
    const d = await loadTritonDetector(config({ url: laterUrl }), filter);
    await expect(d.detect(await redSquare())).rejects.toThrow(`Triton ${laterUrl} model yolo: unreachable (ECONNREFUSED)`);
    await new Promise<void>((resolve) => later.listen(port, '127.0.0.1', resolve));
    try {
      expect((await d.detect(await redSquare())).detections.map((x) => x.class)).toEqual(['person']);
      expect((await d.detectBatch!([{ jpeg: await redSquare() }, { jpeg: await redSquare() }])).map((r) => r.detections.length)).toEqual([1, 1]);
    } finally {
      later.closeAllConnections();
      await new Promise((resolve) => later.close(resolve));
    }
  });

  it('names a timeout and the server\'s own error text', async () => {

    const d = await loadTritonDetector(config({ timeout_ms: 300 }), filter);
    behaviour.inferError = { status: 400, error: "unexpected shape for input 'images' for model 'yolo'" };
    await expect(d.detect(await redSquare())).rejects.toThrow(`Triton ${url} model yolo: /v2/models/yolo/infer answered HTTP 400: unexpected shape for input 'images'`);
    behaviour.inferError = undefined;
    behaviour.delayMs = 1000;
    await expect(d.detect(await redSquare())).rejects.toThrow('no answer within 300 ms (/v2/models/yolo/infer)');
  });

  it('refuses a model whose output fits no decoder, at load', async () => {
    behaviour.outputShape = [10];
    await expect(loadTritonDetector(config(), filter)).rejects.toThrow(`Triton ${url} model yolo: output [1, 10] is not [batch, a, b]`);
    behaviour.outputShape = [7, 16];
    await expect(loadTritonDetector(config({ labels: ['person'] }), filter)).rejects.toThrow('3 classes but the class map has 1 names');
  });
});
