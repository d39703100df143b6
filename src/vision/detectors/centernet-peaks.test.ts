import { describe, expect, it } from 'vitest';
import { centernetPeaks, type CenternetHeads } from './centernet-peaks.ts';

const filter = { classes: ['person', 'car'], thresholds: { person: 0.3 }, default_threshold: 0.5, nms_iou: 0.5 };

/** 3 classes (person, bicycle, car) on an 8x8 grid; every box edge 10 px from its centre. */
function heads(peaks: { cls: number; x: number; y: number; score: number }[]): CenternetHeads {
  const [classes, height, width] = [3, 8, 8];
  const keypoints = new Float32Array(classes * height * width);
  for (const p of peaks) keypoints[(p.cls * height + p.y) * width + p.x] = p.score;
  return { keypoints, wh: new Float32Array(4 * height * width).fill(10), classes, height, width };
}

const rows = (out: Float32Array): number[][] => Array.from({ length: out.length / 6 }, (_, i) => Array.from(out.subarray(i * 6, i * 6 + 6)));

describe('centernetPeaks', () => {
  it('reports local maxima as x1, y1, x2, y2, score, class in input pixels, best first', () => {
    const out = rows(centernetPeaks(heads([{ cls: 0, x: 2, y: 3, score: 0.5 }, { cls: 2, x: 7, y: 0, score: 0.75 }]), filter));
    expect(out).toEqual([[18, -10, 38, 10, 0.75, 2], [-2, 2, 18, 22, 0.5, 0]]);
  });

  it('drops a cell next to a higher one of its class (3x3 max pooling), not one next to another class', () => {
    const out = rows(centernetPeaks(heads([
      { cls: 0, x: 4, y: 4, score: 0.9 }, { cls: 0, x: 5, y: 5, score: 0.8 }, { cls: 2, x: 5, y: 4, score: 0.6 },
    ]), filter));
    expect(out.map((r) => [r[4], r[5]])).toEqual([[0.8999999761581421, 0], [0.6000000238418579, 2]]);
  });

  it('skips classes not reported and scores under their class threshold', () => {
    const out = rows(centernetPeaks(heads([
      { cls: 1, x: 1, y: 1, score: 0.9 }, // bicycle: not in classes
      { cls: 0, x: 6, y: 6, score: 0.25 }, // person under 0.3
      { cls: 2, x: 1, y: 6, score: 0.45 }, // car under the default 0.5
    ]), filter));
    expect(out).toEqual([]);
  });

  it('keeps the 100 best peaks, as the graph\'s top-K', () => {
    // 256 isolated person peaks (every other cell) scoring 0.310, 0.311, ...: the 100 best are 0.46 and up
    const big: CenternetHeads = { keypoints: new Float32Array(3 * 32 * 32), wh: new Float32Array(4 * 32 * 32), classes: 3, height: 32, width: 32 };
    let n = 0;
    for (let y = 0; y < 32; y += 2) for (let x = 0; x < 32; x += 2) big.keypoints[y * 32 + x] = 0.31 + (n++ % 250) / 1000;
    const out = rows(centernetPeaks(big, filter));
    expect(out).toHaveLength(100);
    expect(Math.min(...out.map((r) => r[4]!))).toBeCloseTo(0.46, 5);
  });
});
