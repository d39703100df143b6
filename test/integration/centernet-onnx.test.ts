import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCenternet } from '../../src/vision/detectors/centernet.ts';
import { loadCenternetOnnx } from '../../src/vision/detectors/centernet-onnx.ts';
import type { Detector } from '../../src/vision/detectors/types.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping centernet-onnx test: ${missing.join(', ')} not found`);

/** Low thresholds so that many detections, weak ones included, are compared. */
const filter = { classes: ['person', 'car', 'bicycle', 'handbag'], thresholds: {}, default_threshold: 0.15, nms_iou: 0.5 };

describe.skipIf(missing.length > 0)('centernet converted to onnxruntime', () => {
  let dir: string;
  let frames: Buffer[];
  let tfjs: Detector;
  let onnx: Detector;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-centernet-onnx-'));
    const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', 'select=eq(n\\,40)+eq(n\\,400)', '-fps_mode', 'passthrough', '-q:v', '3', path.join(dir, 'f%d.jpg')], { timeout: 60_000 });
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    frames = [1, 2].map((i) => readFileSync(path.join(dir, `f${i}.jpg`)));
    [tfjs, onnx] = await Promise.all([loadCenternet(filter), loadCenternetOnnx(filter)]);
  });
  afterAll(() => {
    tfjs?.dispose();
    onnx?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the same objects with the same scores and boxes as on tfjs', async () => {
    let compared = 0;
    for (const jpeg of frames) {
      const [a, b] = [await tfjs.detect(jpeg), await onnx.detect(jpeg)];
      expect(b.detections).toHaveLength(a.detections.length);
      for (const d of a.detections) {
        const twin = b.detections.find((e) => e.class === d.class && e.bbox.every((v, i) => Math.abs(v - d.bbox[i]!) <= 1));
        expect(twin, `${d.class} ${d.confidence} at [${d.bbox.join(', ')}] on onnxruntime`).toBeDefined();
        expect(Math.abs(twin!.confidence - d.confidence)).toBeLessThanOrEqual(0.01);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});
