import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { iou } from '../../src/core/geometry.ts';
import type { BBox, Detection } from '../../src/core/types.ts';
import { createDetectorPool, type DetectorPool } from '../../src/vision/pool.ts';
import { tileGrid } from '../../src/vision/tiles.ts';
import { PETS09_GT } from '../fixtures/ground-truth.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`, !existsSync(PETS09_GT) && `the PETS09 ground truth ${PETS09_GT}`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping tiles integration test: ${missing.join(', ')} not found`);

// four vtest frames at 0.9375x (720x540) in a 2x2 grid of a 1920x1080 frame: people 45-120 px tall, all over the frame
const FRAMES = [0, 200, 400, 600];
const SCALE = 0.9375;
const OFFSETS: [number, number][] = [[120, 0], [1080, 0], [120, 540], [1080, 540]];

async function mosaic(dir: string): Promise<Buffer> {
  const select = FRAMES.map((n) => `eq(n\\,${n})`).join('+');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-vf', `select=${select},scale=720:540`, '-fps_mode', 'passthrough', '-q:v', '2', path.join(dir, 'f%d.jpg')], { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const parts = FRAMES.map((_, i) => ({ input: path.join(dir, `f${i + 1}.jpg`), left: OFFSETS[i]![0], top: OFFSETS[i]![1] }));
  return sharp({ create: { width: 1920, height: 1080, channels: 3, background: { r: 0, g: 0, b: 0 } } }).composite(parts).jpeg({ quality: 90 }).toBuffer();
}

/** Ground-truth people of the mosaic at least 50 px tall, in its pixels. */
function groundTruth(): BBox[] {
  const rows = readFileSync(PETS09_GT, 'utf8').trim().split('\n').map((line) => line.split(',').map(Number));
  return FRAMES.flatMap((frame, i) => rows.filter(([f]) => f === frame + 1).map(([, , x, y, w, h]): BBox => {
    const [ox, oy] = OFFSETS[i]!;
    return [x! * SCALE + ox, y! * SCALE + oy, (x! + w!) * SCALE + ox, (y! + h!) * SCALE + oy];
  })).filter((b) => b[3] - b[1] >= 50);
}

const found = (people: readonly Detection[], gt: readonly BBox[]): number => gt.filter((g) => people.some((p) => p.confidence >= 0.4 && iou(p.bbox, g) >= 0.5)).length;

describe.skipIf(missing.length > 0)('tiles on a 1080p frame of small people (centernet)', () => {
  const detection = configSchema.parse({}).detection;
  let dir: string;
  let jpeg: Buffer;
  let pool: DetectorPool | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-tiles-'));
    jpeg = await mosaic(dir);
    pool = await createDetectorPool({ ...detection, default_threshold: detection.score_floor, thresholds: {}, workers: 1 });
  });
  afterAll(async () => {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds more of the people in tiles than in one run of the whole frame, boxes in frame pixels', async () => {
    const gt = groundTruth();
    const whole = (await pool!.detect(jpeg)).detections.filter((d) => d.class === 'person');
    const tiles = tileGrid([0, 0, 1920, 1080], { ...detection.tiles, max_side: 768 });
    const tiled = await pool!.detect(jpeg, { tiles });
    const people = tiled.detections.filter((d) => d.class === 'person');
    expect([tiled.width, tiled.height]).toEqual([1920, 1080]);
    for (const d of people) expect(d.bbox[0] >= 0 && d.bbox[1] >= 0 && d.bbox[2] <= 1920 && d.bbox[3] <= 1080).toBe(true);
    const [a, b] = [found(whole, gt), found(people, gt)];
    const counts = `${b}/${gt.length} people found in ${tiles.length} tiles, ${a}/${gt.length} in one run`;
    // measured: 19/19 in 6 tiles, 12/19 in one run
    expect(b, counts).toBeGreaterThan(a);
    expect(b / gt.length, counts).toBeGreaterThanOrEqual(0.6);
  });
});
