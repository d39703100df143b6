import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { BadFrameError, MotionDetector } from './detector.ts';

const W = 320;
const H = 240;
const opts = configSchema.parse({}).motion;

/** A textured scene (gradient + stripes) with optional sensor noise, a bright block and a gain/offset. */
function scene(seed: number, o: { block?: [number, number, number, number]; gain?: number; offset?: number; noise?: number } = {}): Promise<Buffer> {
  let s = seed;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  const px = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = 60 + (x * 100) / W + (Math.floor(y / 20) % 2) * 30;
      const b = o.block;
      if (b && x >= b[0] && x < b[2] && y >= b[1] && y < b[3]) v = 230;
      v = v * (o.gain ?? 1) + (o.offset ?? 0) + (o.noise ?? 6) * rand();
      px[y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return sharp(px, { raw: { width: W, height: H, channels: 1 } }).jpeg({ quality: 90 }).toBuffer();
}

async function feed(det: MotionDetector, frames: Buffer[], startMs = 0) {
  const results = [];
  for (const [i, f] of frames.entries()) results.push(await det.update(f, startMs + i * 1000));
  return results;
}

describe('MotionDetector', () => {
  it('reports no regions on a static scene with sensor noise', async () => {
    const det = new MotionDetector(opts);
    const results = await feed(det, await Promise.all(Array.from({ length: 8 }, (_, i) => scene(i + 1, { noise: 10 }))));
    expect(results[0]!.recalibrated).toBe(true);
    for (const r of results.slice(1)) expect(r.regions).toEqual([]);
  });

  it('finds a moving block where it is, in source pixels', async () => {
    const det = new MotionDetector(opts);
    await feed(det, await Promise.all(Array.from({ length: 5 }, (_, i) => scene(i + 1))));
    const r = await det.update(await scene(99, { block: [100, 60, 140, 140] }), 5000);
    expect(r.regions).toHaveLength(1);
    const [x1, y1, x2, y2] = r.regions[0]!;
    // within the dilation radius (2 analysis px = 3 source px) plus blur of the true box
    expect(x1).toBeGreaterThan(92);
    expect(x1).toBeLessThanOrEqual(100);
    expect(y1).toBeGreaterThan(52);
    expect(x2).toBeGreaterThanOrEqual(140);
    expect(x2).toBeLessThan(148);
    expect(y2).toBeLessThan(148);
    expect(r.ratio).toBeGreaterThan(0);
  });

  it('ignores motion inside a mask polygon', async () => {
    const det = new MotionDetector(opts, [[[90, 50], [150, 50], [150, 150], [90, 150]]]);
    await feed(det, await Promise.all(Array.from({ length: 5 }, (_, i) => scene(i + 1))));
    const masked = await det.update(await scene(99, { block: [100, 60, 140, 140] }), 5000);
    expect(masked.regions).toEqual([]);
    const outside = await det.update(await scene(98, { block: [200, 60, 240, 140] }), 6000);
    expect(outside.regions).toHaveLength(1);
    expect(outside.regions[0]![0]).toBeGreaterThan(190);
  });

  it('absorbs a global lighting change without reporting the whole frame', async () => {
    const det = new MotionDetector(opts);
    await feed(det, await Promise.all(Array.from({ length: 5 }, (_, i) => scene(i + 1))));
    // brighter with more contrast: contrast normalisation cancels it
    const brighter = await det.update(await scene(50, { gain: 1.15, offset: 15 }), 5000);
    expect(brighter.regions).toEqual([]);
    // an IR-like switch (inverted tones) changes most pixels: the background is relearnt
    const inverted = await det.update(await scene(51, { gain: -1, offset: 255 }), 6000);
    expect(inverted.recalibrated).toBe(true);
    expect(inverted.regions).toEqual([]);
    const after = await det.update(await scene(52, { gain: -1, offset: 255 }), 7000);
    expect(after.regions).toEqual([]);
  });

  it('rejects bad frames by name and keeps working', async () => {
    const det = new MotionDetector(opts);
    await det.update(await scene(1), 0);
    await expect(det.update(new Uint8Array(0), 1000)).rejects.toThrow(new BadFrameError('empty image (0 bytes)'));
    await expect(det.update(Buffer.from('not a jpeg at all'), 1000)).rejects.toThrow(/not a decodable image/);
    const good = await scene(2);
    await expect(det.update(good.subarray(0, good.length / 2), 1000)).rejects.toThrow(BadFrameError);
    expect((await det.update(await scene(3), 2000)).regions).toEqual([]);
  });
});
