import { describe, expect, it } from 'vitest';
import type { BBox } from '../core/types.ts';
import { DetectionTally, matchFrame } from './detection-metrics.ts';
import type { GtBox } from './mot-format.ts';

const gt = (bbox: BBox, ignore = false): GtBox => ({ id: 1, bbox, ignore });
const det = (bbox: BBox, score: number) => ({ bbox, score });

describe('matchFrame', () => {
  it('a duplicate detection of one person is a false positive; the higher score takes the match', () => {
    const m = matchFrame([gt([0, 0, 10, 20])], [det([0, 0, 10, 19], 0.6), det([0, 0, 10, 20], 0.9)]);
    expect(m.outcomes).toEqual([{ score: 0.9, tp: true }, { score: 0.6, tp: false }]);
    expect(m.positives).toBe(1);
  });

  it('IoU below 0.5 is a miss and a false positive', () => {
    // [0,0,10,10] vs [5,0,15,10]: inter 50, union 150 → 0.33
    const m = matchFrame([gt([0, 0, 10, 10])], [det([5, 0, 15, 10], 0.9)]);
    expect(m.outcomes).toEqual([{ score: 0.9, tp: false }]);
  });

  it('detections on ignore regions are neither TP nor FP, and ignore regions are not positives', () => {
    const m = matchFrame([gt([0, 0, 10, 10], true), gt([100, 0, 110, 10])], [det([0, 0, 10, 10], 0.8)]);
    expect(m).toEqual({ outcomes: [], positives: 1, ignored: 1, found: [true, false] });
  });

  it('prefers a scored box even over an ignore region that overlaps more', () => {
    // IoU 1 with the ignore region, 80/120 with the person
    const m = matchFrame([gt([1, 0, 11, 10], true), gt([3, 0, 13, 10])], [det([1, 0, 11, 10], 0.8)]);
    expect(m).toEqual({ outcomes: [{ score: 0.8, tp: true }], positives: 1, ignored: 0, found: [false, true] });
  });
});

describe('DetectionTally', () => {
  // frame 1: two people, detections 0.9 (hit), 0.7 (false), 0.4 (hit); frame 2: one person, missed, 0.8 false
  const tally = new DetectionTally();
  tally.add(matchFrame([gt([0, 0, 10, 10]), gt([50, 0, 60, 10])], [det([0, 0, 10, 10], 0.9), det([200, 0, 210, 10], 0.7), det([50, 0, 60, 10], 0.4)]));
  tally.add(matchFrame([gt([0, 0, 10, 10])], [det([300, 0, 310, 10], 0.8)]));

  it('precision and recall at a threshold', () => {
    expect(tally.at(0.5)).toEqual({ threshold: 0.5, tp: 1, fp: 2, fn: 2, precision: 1 / 3, recall: 1 / 3 });
    expect(tally.at(0.3)).toEqual({ threshold: 0.3, tp: 2, fp: 2, fn: 1, precision: 0.5, recall: 2 / 3 });
    expect(tally.at(0.95)).toEqual({ threshold: 0.95, tp: 0, fp: 0, fn: 3, precision: 0, recall: 0 });
  });

  it('all-point interpolated AP, hand-computed', () => {
    // ranked: 0.9 TP (P 1, R 1/3), 0.8 FP, 0.7 FP, 0.4 TP (P 2/4, R 2/3) → 1/3·1 + 1/3·0.5 = 0.5
    expect(tally.averagePrecision()).toBeCloseTo(0.5);
  });

  it('interpolation lifts precision to the best at higher recall', () => {
    const t = new DetectionTally();
    // ranked: FP 0.9, TP 0.8 (P 0.5, R 0.5), TP 0.7 (P 2/3, R 1) → envelope 2/3 everywhere → AP 2/3
    t.add(matchFrame([gt([0, 0, 10, 10]), gt([50, 0, 60, 10])], [det([100, 0, 110, 10], 0.9), det([0, 0, 10, 10], 0.8), det([50, 0, 60, 10], 0.7)]));
    expect(t.averagePrecision()).toBeCloseTo(2 / 3);
  });

  it('no ground truth: AP 0 and recall 0 rather than NaN', () => {
    const t = new DetectionTally();
    t.add(matchFrame([], [det([0, 0, 1, 1], 0.5)]));
    expect(t.averagePrecision()).toBe(0);
    expect(t.at(0)).toMatchObject({ recall: 0, precision: 0, fp: 1 });
  });
});
