import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { BBox, Detection } from '../core/types.ts';
import type { FrameImage } from './frame-input.ts';
import { detectBatched, detectTiles, mergeTiles, tileGrid } from './tiles.ts';

const person = (bbox: BBox, confidence = 0.6): Detection => ({ class: 'person', confidence, bbox });
const FRAME: BBox = [0, 0, 1920, 1080];

describe('tileGrid', () => {
  it('keeps an area that fits max_side as one run', () => {
    expect(tileGrid([0, 0, 1280, 720], { max_side: 1280, overlap: 0.2 })).toEqual([[0, 0, 1280, 720]]);
    expect(tileGrid([100, 50, 868, 626], { max_side: 1280, overlap: 0.2 })).toEqual([[100, 50, 868, 626]]);
  });

  it('splits 1080p into overlapping square tiles covering the frame edge to edge', () => {
    const two = tileGrid(FRAME, { max_side: 1280, overlap: 0.2 });
    expect(two).toEqual([[0, 0, 1080, 1080], [840, 0, 1920, 1080]]);
    const six = tileGrid(FRAME, { max_side: 768, overlap: 0.2 });
    expect(six).toHaveLength(6);
    for (const t of six) expect(Math.max(t[2] - t[0], t[3] - t[1])).toBeLessThanOrEqual(768);
    expect(Math.min(...six.map((t) => t[0]))).toBe(0);
    expect(Math.max(...six.map((t) => t[2]))).toBe(1920);
    expect(Math.max(...six.map((t) => t[3]))).toBe(1080);
    // neighbours share at least the overlap
    const cols = [...new Set(six.map((t) => t[0]))].sort((a, b) => a - b);
    expect(768 - (cols[1]! - cols[0]!)).toBeGreaterThanOrEqual(0.2 * 768);
  });

  it('tiles an offset region inside it', () => {
    const tiles = tileGrid([200, 100, 1800, 500], { max_side: 600, overlap: 0.2 });
    for (const t of tiles) expect(t[0] >= 200 && t[1] >= 100 && t[2] <= 1800 && t[3] <= 500).toBe(true);
    expect(tiles.length).toBe(5);
  });
});

describe('mergeTiles', () => {
  const left: BBox = [0, 0, 1080, 1080];
  const right: BBox = [840, 0, 1920, 1080];

  it('merges a person cut by a tile border with the box the neighbouring tile found', () => {
    // tile left cuts the person at x=1080; tile right sees them whole
    const merged = mergeTiles([{ tile: left, detections: [person([1040, 400, 1080, 600], 0.4)] }, { tile: right, detections: [person([1040, 402, 1100, 600], 0.7)] }], FRAME, 0.5);
    expect(merged).toEqual([person([1040, 400, 1100, 600], 0.7)]);
  });

  it('keeps a person seen whole in both tiles once, and neighbours that only touch apart', () => {
    const whole = mergeTiles([{ tile: left, detections: [person([900, 400, 960, 600], 0.8)] }, { tile: right, detections: [person([901, 401, 961, 600], 0.6)] }], FRAME, 0.5);
    expect(whole).toEqual([person([900, 400, 960, 600], 0.8)]);
    // two people side by side, one cut: overlap under half of the smaller box is not one person
    const two = mergeTiles([{ tile: left, detections: [person([1030, 400, 1080, 600])] }, { tile: right, detections: [person([1070, 400, 1130, 600])] }], FRAME, 0.5);
    expect(two).toHaveLength(2);
  });

  it('does not treat a box on the frame edge as cut', () => {
    const edge = mergeTiles([{ tile: left, detections: [person([0, 400, 40, 600])] }, { tile: right, detections: [person([1880, 400, 1920, 600])] }], FRAME, 0.5);
    expect(edge).toHaveLength(2);
  });
});

describe('detectTiles', () => {
  it('runs the detector once per tile with the tile as region and merges in frame pixels', async () => {
    const regions: (BBox | undefined)[] = [];
    const jpeg = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
    const detector = {
      detect: async (image: FrameImage, opts?: { region?: BBox }) => {
        // the frame arrives decoded: the tiles do not decode it again
        expect(image).toMatchObject({ width: 1920, height: 1080 });
        regions.push(opts?.region);
        const r = opts!.region!;
        // each tile reports the part of one person (x 1000..1120) it holds, clamped as a detector clamps to its area
        const box: BBox = [Math.max(r[0], 1000), 400, Math.min(r[2], 1120), 600];
        return { width: 1920, height: 1080, detections: [person(box, r[0] === 0 ? 0.3 : 0.5)], inferenceMs: 10 };
      },
    };
    const result = await detectTiles(detector, jpeg, [[0, 0, 1080, 1080], [840, 0, 1920, 1080]], 0.5);
    expect(regions).toEqual([[0, 0, 1080, 1080], [840, 0, 1920, 1080]]);
    expect(result).toEqual({ width: 1920, height: 1080, detections: [person([1000, 400, 1120, 600], 0.5)], inferenceMs: 20 });
  });
});

describe('detectBatched', () => {
  it('puts a tiled frame\'s tiles into the same model calls as other frames, at most maxBatch inputs a call, and merges each frame', async () => {
    const big = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
    const small = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
    const calls: (BBox | 'whole')[][] = [];
    const detector = {
      detectBatch: async (inputs: readonly { jpeg: FrameImage; opts?: { region?: BBox } }[]) => {
        calls.push(inputs.map((i) => i.opts?.region ?? 'whole'));
        return inputs.map(({ jpeg, opts }) => {
          if (!opts?.region) return { width: 640, height: 480, detections: [person([10, 10, 50, 120])], inferenceMs: 5 };
          // the big frame arrives decoded once for all its tiles; each tile holds part of one person (x 1000..1120)
          expect(jpeg).toMatchObject({ width: 1920, height: 1080 });
          const r = opts.region;
          return { width: 1920, height: 1080, detections: [person([Math.max(r[0], 1000), 400, Math.min(r[2], 1120), 600], r[0] === 0 ? 0.3 : 0.5)], inferenceMs: 10 };
        });
      },
    };
    const tiles: BBox[] = [[0, 0, 1080, 1080], [840, 0, 1920, 1080]];
    const [a, b, c] = await detectBatched(detector, [{ jpeg: small }, { jpeg: big, opts: { tiles } }, { jpeg: small }], 3, 0.5);
    // four inputs in calls of at most three, in frame order
    expect(calls).toEqual([['whole', ...tiles], ['whole']]);
    expect(a).toEqual({ width: 640, height: 480, detections: [person([10, 10, 50, 120])], inferenceMs: 5 });
    expect(b).toEqual({ width: 1920, height: 1080, detections: [person([1000, 400, 1120, 600], 0.5)], inferenceMs: 20 });
    expect(c).toEqual(a);
  });
});
