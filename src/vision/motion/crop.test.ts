import { describe, expect, it } from 'vitest';
import { coveredShare, cropAround, insideShare } from './crop.ts';

const opts = { margin: 0.25, minSize: 320, maxShare: 0.6 };

describe('cropAround', () => {
  it('makes a square of at least minSize around a small box, inside the frame', () => {
    expect(cropAround([[700, 500, 740, 560]], 768, 576, opts)).toEqual([448, 256, 768, 576]);
    expect(cropAround([[300, 200, 340, 260]], 768, 576, opts)).toEqual([160, 70, 480, 390]);
  });

  it('covers every box with its margin', () => {
    const crop = cropAround([[100, 100, 140, 180], [300, 120, 330, 200]], 1920, 1080, opts)!;
    expect(crop[0]).toBeLessThanOrEqual(100 - 20);
    expect(crop[2]).toBeGreaterThanOrEqual(330 + 20);
    expect(crop[2] - crop[0]).toBe(crop[3] - crop[1]);
  });

  it('falls back to the full frame when the crop would cover most of it', () => {
    expect(cropAround([[10, 10, 100, 100], [600, 400, 700, 560]], 768, 576, opts)).toBeUndefined();
    expect(cropAround([], 768, 576, opts)).toBeUndefined();
  });
});

describe('insideShare', () => {
  it('is the share of the box inside the area', () => {
    expect(insideShare([0, 0, 10, 10], [5, 0, 20, 20])).toBe(0.5);
    expect(insideShare([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('coveredShare', () => {
  it('measures the share of a box inside the union of areas', () => {
    const box: [number, number, number, number] = [0, 0, 80, 80];
    expect(coveredShare(box, [])).toBe(0);
    expect(coveredShare(box, [[-10, -10, 100, 100]])).toBe(1);
    expect(coveredShare(box, [[0, 0, 40, 80]])).toBe(0.5);
    // two halves side by side cover it together, overlap counted once
    expect(coveredShare(box, [[0, 0, 40, 80], [30, 0, 80, 80]])).toBe(1);
    expect(coveredShare(box, [[0, 0, 40, 40], [0, 0, 40, 40]])).toBe(0.25);
  });
});
