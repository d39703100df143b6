import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import type { BBox } from '../../src/core/types.ts';
import { loadCenternet } from '../../src/vision/detectors/centernet.ts';
import type { Detector } from '../../src/vision/detectors/types.ts';
import { iou } from '../../src/core/geometry.ts';
import { createDetectorPool, type DetectorPool } from '../../src/vision/pool.ts';
import { PETS09_GT } from '../fixtures/ground-truth.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const GT = PETS09_GT;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`, !existsSync(GT) && `the PETS09 ground truth ${GT}`].filter(Boolean);
 
if (missing.length > 0) console.warn(`skipping detector integration test: ${missing.join(', ')} not found`);

// decoded frames of the 768x576 clip, delivered as the DVR's 960x1080 main stream would be
const FRAMES = [0, 100, 300, 500];
const [W, H] = [960, 1080];

function extractFrames(dir: string): Buffer[] {
  const select = FRAMES.map((n) => `eq(n\\,${n})`).join('+');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', `select=${select},scale=${W}:${H}`, '-fps_mode', 'passthrough', '-q:v', '4', path.join(dir, 'f%d.jpg')], { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return FRAMES.map((_, i) => readFileSync(path.join(dir, `f${i + 1}.jpg`)));
}

/** Ground-truth person boxes of a decoded frame (gt frame n = decoded frame n-1), in 960x1080 pixels. */
function groundTruth(frame: number): BBox[] {
  const [sx, sy] = [W / 768, H / 576];
  return readFileSync(GT, 'utf8').trim().split('\n')
    .map((line) => line.split(',').map(Number))
    .filter(([f]) => f === frame + 1)
    .map(([, , x, y, w, h]) => [x! * sx, y! * sy, (x! + w!) * sx, (y! + h!) * sy]);
}

describe.skipIf(missing.length > 0)('centernet detector on the PETS09 sample', () => {
  const detection = configSchema.parse({}).detection;
  let dir: string;
  let frames: Buffer[];
  let pool: DetectorPool | undefined;
  let detector: Detector | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-detector-'));
    frames = extractFrames(dir);
    pool = await createDetectorPool({ ...detection, workers: 1 });
  });
  afterAll(async () => {
    await pool?.close();
    detector?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the ground-truth pedestrians with the default thresholds', async () => {
    let matched = 0;
    let total = 0;
    for (const [i, jpeg] of frames.entries()) {
      const result = await pool!.detect(jpeg);
      expect([result.width, result.height]).toEqual([W, H]);
      const persons = result.detections.filter((d) => d.class === 'person');
      for (const d of result.detections) {
        expect(d.bbox[0]).toBeGreaterThanOrEqual(0);
        expect(d.bbox[2]).toBeLessThanOrEqual(W);
        expect(d.bbox[3]).toBeLessThanOrEqual(H);
      }
      const gt = groundTruth(FRAMES[i]!);
      total += gt.length;
      matched += gt.filter((g) => persons.some((p) => iou(p.bbox, g) >= 0.3)).length;
    }
    expect(total).toBeGreaterThan(10);
    expect(matched / total, `${matched}/${total} ground-truth persons found`).toBeGreaterThanOrEqual(0.75); // measured 18/19
  });

  it('sees no person on a black frame and fails a corrupt JPEG alone', async () => {
    const black = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().toBuffer();
    const result = await pool!.detect(black);
    expect(result.detections.filter((d) => d.class === 'person')).toEqual([]);
    await expect(pool!.detect(Buffer.from('not a jpeg'))).rejects.toThrow(/detection failed/);
    await expect(pool!.detect(frames[0]!)).resolves.toMatchObject({ width: W });
  });

  it('frees its tensors: the count stays flat over repeated calls', async () => {
    detector = await loadCenternet(detection);
    await detector.detect(frames[0]!);
    const before = tf.memory().numTensors;
    for (const jpeg of frames) await detector.detect(jpeg);
    expect(tf.memory().numTensors).toBe(before);
  });
});
