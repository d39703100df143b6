import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BBox } from '../../src/core/types.ts';
import { loadOnnxDetector, readOnnxMetadata, type OnnxDetectorConfig } from '../../src/vision/detectors/onnx.ts';
import { wrongShapeTestModel, yoloV8TestModel, yoloxTestModel } from '../../src/vision/detectors/testing/onnx-graph.ts';
import type { Detector } from '../../src/vision/detectors/types.ts';
import { createDetectorPool } from '../../src/vision/pool.ts';

// The test models score each 16 px cell of their 64 px input by its mean red (class 0), green
// (class 1) and blue (class 2), with the cell as the box. A 640x480 frame letterboxes to 64x48 at
// scale 0.1 with 8 px of padding on top, so input cell (1, 1) = x 16..32, y 16..32 is the frame
// area x 160..320, y 80..240.
const CELL_IN_FRAME: BBox = [160, 80, 320, 240];
const filter = { classes: ['person', 'bicycle', 'car'], thresholds: {}, default_threshold: 0.5, nms_iou: 0.5 };

let dir: string;
const detectors: Detector[] = [];

async function frame(width: number, height: number, rects: { box: BBox; colour: { r: number; g: number; b: number } }[]): Promise<Buffer> {
  const composites = await Promise.all(rects.map(async ({ box: [x1, y1, x2, y2], colour }) => ({
    input: await sharp({ create: { width: x2 - x1, height: y2 - y1, channels: 3, background: colour } }).png().toBuffer(),
    left: x1,
    top: y1,
  })));
  return sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } }).composite(composites).jpeg({ quality: 95 }).toBuffer();
}

const RED = { r: 255, g: 0, b: 0 };
const GREEN = { r: 0, g: 255, b: 0 };

async function modelFile(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

async function load(file: string, extra: Partial<OnnxDetectorConfig> = {}, f = filter): Promise<Detector> {
  const d = await loadOnnxDetector({ path: file, format: 'yolov8', threads: 1, ...extra }, f);
  detectors.push(d);
  return d;
}

function expectBox(actual: BBox, expected: BBox): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-onnx-'));
});

afterAll(async () => {
  for (const d of detectors) d.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('ONNX detector (onnxruntime, test graphs built by the suite)', () => {
  it('runs a YOLOv8-shaped model end to end: letterbox in, boxes back in frame pixels', async () => {
    const d = await load(await modelFile('v8.onnx', yoloV8TestModel()));
    const result = await d.detect(await frame(640, 480, [{ box: CELL_IN_FRAME, colour: RED }]));
    expect(result).toMatchObject({ width: 640, height: 480 });
    expect(result.detections).toHaveLength(1);
    expect(result.detections[0]).toMatchObject({ class: 'person' });
    expect(result.detections[0]!.confidence).toBeGreaterThan(0.9);
    expectBox(result.detections[0]!.bbox, CELL_IN_FRAME);
  });

  it('reads class names from Ultralytics metadata and decodes a transposed, dynamic-batch model', async () => {
    const bytes = yoloV8TestModel({ transposed: true, batch: 'dynamic', names: ['intruder', 'dog', 'van'] });
    expect(readOnnxMetadata(bytes)).toEqual({ names: "{0: 'intruder', 1: 'dog', 2: 'van'}" });
    const d = await load(await modelFile('v8t.onnx', bytes), {}, { ...filter, classes: ['intruder', 'dog'] });
    expect(d.detectBatch).toBeUndefined(); // batching does not pay on the CPU (bench/onnx.ts)
    const a = await d.detect(await frame(640, 480, [{ box: CELL_IN_FRAME, colour: GREEN }]));
    const b = await d.detect(await frame(640, 480, [{ box: [480, 240, 640, 400], colour: RED }])); // input cell (3, 2)
    expect(a!.detections.map((x) => x.class)).toEqual(['dog']);
    expectBox(a!.detections[0]!.bbox, CELL_IN_FRAME);
    expect(b!.detections.map((x) => x.class)).toEqual(['intruder']);
    expectBox(b!.detections[0]!.bbox, [480, 240, 640, 400]);
  });

  it('maps boxes of a crop region back into frame pixels', async () => {
    const d = await load(await modelFile('v8-region.onnx', yoloV8TestModel()));
    // region 640x480 at (600, 300) of a 1600x1000 frame: the red square sits at the region's cell (1, 1)
    const jpeg = await frame(1600, 1000, [{ box: [760, 380, 920, 540], colour: RED }]);
    const { detections } = await d.detect(jpeg, { region: [600, 300, 1240, 780] });
    expect(detections).toHaveLength(1);
    expectBox(detections[0]!.bbox, [760, 380, 920, 540]);
  });

  it('decodes YOLOX outputs, raw on the stride 8/16/32 grids and exported with decoding', async () => {
    const jpeg = await frame(640, 480, [{ box: CELL_IN_FRAME, colour: RED }]);
    for (const [name, format] of [['yolox.onnx', 'yolox'], ['yolox-decoded.onnx', 'yolox-decoded']] as const) {
      const d = await load(await modelFile(name, yoloxTestModel({ decoded: format === 'yolox-decoded' })), { format, input_pixels: 'rgb-0-1' });
      const { detections } = await d.detect(jpeg);
      expect(detections.map((x) => x.class), name).toEqual(['person']);
      expectBox(detections[0]!.bbox, CELL_IN_FRAME);
    }
  });

  it('takes the input size from the config when the model leaves it dynamic, and labels from a file', async () => {
    const labels = path.join(dir, 'labels.txt');
    await writeFile(labels, 'guard\nvisitor\nforklift\n');
    const d = await load(await modelFile('dyn.onnx', yoloV8TestModel({ dynamicSize: true })), { input_size: 64, labels }, { ...filter, classes: ['guard'] });
    const { detections } = await d.detect(await frame(640, 480, [{ box: CELL_IN_FRAME, colour: RED }]));
    expect(detections.map((x) => x.class)).toEqual(['guard']);
  });

  it('names the file and the cause when a model cannot be used', async () => {
    await expect(load(path.join(dir, 'absent.onnx'))).rejects.toThrow(`ONNX model ${path.join(dir, 'absent.onnx')}: file not found`);
    const text = await modelFile('notes.onnx', new TextEncoder().encode('this is not a model\n'));
    await expect(load(text)).rejects.toThrow(`ONNX model ${text}: not a loadable ONNX model`);
    const wrong = await modelFile('wrong.onnx', wrongShapeTestModel());
    await expect(load(wrong)).rejects.toThrow(`ONNX model ${wrong}: output [1, 3] is not [batch, a, b]`);
    const v8 = await modelFile('v8-labels.onnx', yoloV8TestModel());
    await expect(load(v8, { labels: ['person', 'car'] })).rejects.toThrow('3 classes but the class map has 2 names (set labels');
    await expect(load(v8, { format: 'yolox' })).rejects.toThrow('anchors; raw YOLOX at 64px has 84');
    const unnamed = await modelFile('v8-unnamed.onnx', yoloV8TestModel({ names: null })); // no names metadata: COCO's 80 assumed
    await expect(load(unnamed)).rejects.toThrow('3 classes but the class map has 80 names (set labels');
  });

  it('a bad frame fails alone; the next frame is analysed', async () => {
    const d = await load(await modelFile('v8-bad.onnx', yoloV8TestModel()));
    await expect(d.detect(new Uint8Array(0))).rejects.toThrow('empty image (0 bytes)');
    await expect(d.detect(Buffer.from('not a jpeg'))).rejects.toThrow('not a decodable image');
    expect((await d.detect(await frame(640, 480, [{ box: CELL_IN_FRAME, colour: RED }]))).detections).toHaveLength(1);
  });

  it('loads in the detector pool\'s worker threads; a non-model file stops the pool from starting, naming the file', async () => {
    const file = await modelFile('pool.onnx', yoloV8TestModel({ batch: 'dynamic' }));
    const pool = await createDetectorPool({ model: 'onnx', settings: { onnx: { path: file, format: 'yolov8', threads: 1 } }, workers: 1, ...filter });
    try {
      const result = await pool.detect(await frame(640, 480, [{ box: CELL_IN_FRAME, colour: RED }]), undefined, { cameraId: 'cam_1' });
      expect(result.detections.map((x) => x.class)).toEqual(['person']);
    } finally {
      await pool.close();
    }
    const text = await modelFile('pool-text.onnx', new TextEncoder().encode('{"not": "a model"}'));
    await expect(createDetectorPool({ model: 'onnx', settings: { onnx: { path: text, format: 'yolov8', threads: 1 } }, workers: 1, ...filter }))
      .rejects.toThrow(`ONNX model ${text}: not a loadable ONNX model`);
  }, 30_000);
});
