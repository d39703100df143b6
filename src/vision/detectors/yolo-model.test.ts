import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../coco.ts';
import { readOnnxMetadata } from './onnx.ts';
import { yoloV8TestModel } from './testing/onnx-graph.ts';
import { parseUltralyticsNames, resolveLabels, toInputTensor } from './yolo-model.ts';

describe('toInputTensor', () => {
  // 2x2 image, RGB bytes per pixel
  const rgb = Uint8Array.from([255, 0, 51, 0, 255, 0, 0, 0, 255, 102, 102, 102]);

  it('writes planar RGB scaled to 0..1 (YOLOv8)', () => {
    const out = new Float32Array(12);
    toInputTensor(rgb, 2, 'rgb-0-1', out);
    expect(Array.from(out, (v) => Math.round(v * 100) / 100)).toEqual([1, 0, 0, 0.4, 0, 1, 0, 0.4, 0.2, 0, 1, 0.4]);
  });

  it('writes planar BGR 0..255 (YOLOX) at an offset in a batch', () => {
    const out = new Float32Array(24);
    toInputTensor(rgb, 2, 'bgr-0-255', out, 12);
    expect(Array.from(out.subarray(12))).toEqual([51, 0, 255, 102, 0, 255, 0, 102, 255, 0, 0, 102]);
    expect(out.subarray(0, 12).every((v) => v === 0)).toBe(true);
  });
});

describe('class names', () => {
  it('parses Ultralytics names metadata, quotes of either kind', () => {
    expect(parseUltralyticsNames("{0: 'person', 1: \"traffic light\", 2: 'o\\'clock'}")).toEqual(['person', 'traffic light', "o'clock"]);
    expect(parseUltralyticsNames('{0: \'a\', 2: \'c\'}')).toBeUndefined(); // a gap: not trusted
    expect(parseUltralyticsNames(undefined)).toBeUndefined();
  });

  it('prefers the config list, then a labels file, then the model metadata, then COCO', async () => {
    expect(resolveLabels({ format: 'yolov8', labels: ['a', 'b'] }, ['x'], 'm')).toEqual(['a', 'b']);
    expect(resolveLabels({ format: 'yolov8' }, ['x'], 'm')).toEqual(['x']);
    expect(resolveLabels({ format: 'yolov8' }, undefined, 'm')).toBe(COCO_LABELS);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-labels-'));
    try {
      await writeFile(path.join(dir, 'l.txt'), 'guard\r\n\r\nvan\n');
      expect(resolveLabels({ format: 'yolov8', labels: path.join(dir, 'l.txt') }, ['x'], 'm')).toEqual(['guard', 'van']);
      await writeFile(path.join(dir, 'empty.txt'), '\n');
      expect(() => resolveLabels({ format: 'yolov8', labels: path.join(dir, 'empty.txt') }, undefined, 'model m')).toThrow(`model m: labels file ${path.join(dir, 'empty.txt')} has no names`);
      expect(() => resolveLabels({ format: 'yolov8', labels: path.join(dir, 'none.txt') }, undefined, 'model m')).toThrow('model m: cannot read labels file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads ONNX metadata_props, and nothing from bytes that are not a model', () => {
    expect(readOnnxMetadata(yoloV8TestModel({ names: ['a', 'b', 'c'] }))).toEqual({ names: "{0: 'a', 1: 'b', 2: 'c'}" });
    expect(readOnnxMetadata(new TextEncoder().encode('GIF89a not a model at all'))).toEqual({});
  });
});
