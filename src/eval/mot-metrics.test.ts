import { describe, expect, it } from 'vitest';
import type { BBox } from '../core/types.ts';
import type { Frames, GtBox, TrackBox } from './mot-format.ts';
import { evaluateTracking } from './mot-metrics.ts';

const box = (x: number): BBox => [x, 0, x + 10, 20];
const gtFrames = (rows: [frame: number, id: number, x: number, ignore?: boolean][]): Frames<GtBox> => {
  const m: Frames<GtBox> = new Map();
  for (const [f, id, x, ignore = false] of rows) m.set(f, [...(m.get(f) ?? []), { id, bbox: box(x), ignore }]);
  return m;
};
const tracks = (rows: [frame: number, id: number, x: number][]): Frames<TrackBox> => {
  const m: Frames<TrackBox> = new Map();
  for (const [f, id, x] of rows) m.set(f, [...(m.get(f) ?? []), { id, bbox: box(x), score: 1 }]);
  return m;
};

describe('evaluateTracking', () => {
  it('perfect tracking', () => {
    const gt = gtFrames([[1, 1, 0], [1, 2, 100], [2, 1, 5], [2, 2, 105]]);
    const m = evaluateTracking(gt, tracks([[1, 7, 0], [1, 8, 100], [2, 7, 5], [2, 8, 105]]));
    expect(m).toMatchObject({ mota: 1, motp_distance: 0, motp_iou: 1, idf1: 1, fp: 0, fn: 0, id_switches: 0, fragmentations: 0, mostly_tracked: 2, frames: 2 });
  });

  it('hand-computed: a miss, a false positive, an identity switch and a fragmentation', () => {
    // object 1 over frames 1–4: hyp a, a, (missed), b → 1 FN, 1 switch (a→b), 1 fragmentation
    // frame 2 has a false positive far away; a partial overlap in frame 1 (a 2-px shift: IoU 8·20/(2·200−160) = 0.667)
    const gt = gtFrames([[1, 1, 0], [2, 1, 10], [3, 1, 20], [4, 1, 30]]);
    const pred = tracks([[1, 1, 2], [2, 1, 10], [2, 9, 300], [4, 2, 30]]);
    const m = evaluateTracking(gt, pred);
    const shiftIou = (8 * 20) / (2 * 200 - 8 * 20);
    expect(m).toMatchObject({ gt_boxes: 4, predictions: 4, fn: 1, fp: 1, id_switches: 1, fragmentations: 1, matches: 3 });
    expect(m.mota).toBeCloseTo(1 - 3 / 4);
    expect(m.motp_distance).toBeCloseTo((1 - shiftIou) / 3);
    expect(m.motp_iou).toBeCloseTo(1 - (1 - shiftIou) / 3);
    // identity: object 1 ↔ hyp 1 for 2 frames; IDTP 2, IDFN 2, IDFP 2
    expect(m).toMatchObject({ idtp: 2, idfn: 2, idfp: 2 });
    expect(m.idf1).toBeCloseTo(0.5);
    expect(m.idp).toBeCloseTo(0.5);
    expect(m.idr).toBeCloseTo(0.5);
    expect(m.precision).toBeCloseTo(3 / 4);
    expect(m.recall).toBeCloseTo(3 / 4);
    expect(m.mostly_tracked).toBe(0); // 3 of 4 frames
    expect(m.partially_tracked).toBe(1);
  });

  it('keeps a valid previous correspondence even when Hungarian would prefer another pairing', () => {
    // frame 1: o1↔a, o2↔b exact. frame 2: o1 [0,10], o2 [4,14], a [3,13], b [1,11]: the cheapest
    // pairing is o1↔b + o2↔a (IoU 0.82 each), but a still overlaps o1 (0.54) and b o2 (0.54) →
    // CLEAR-MOT keeps o1↔a and o2↔b: no switch
    const gt = gtFrames([[1, 1, 0], [1, 2, 50], [2, 1, 0], [2, 2, 4]]);
    const pred = tracks([[1, 1, 0], [1, 2, 50], [2, 1, 3], [2, 2, 1]]);
    expect(evaluateTracking(gt, pred)).toMatchObject({ id_switches: 0, matches: 4, fp: 0, fn: 0 });
  });

  it('a switch is counted even after the object was missed for a while', () => {
    const gt = gtFrames([[1, 1, 0], [2, 1, 0], [3, 1, 0]]);
    const pred = tracks([[1, 5, 0], [3, 6, 0]]);
    expect(evaluateTracking(gt, pred)).toMatchObject({ id_switches: 1, fn: 1, fragmentations: 1 });
  });

  it('predictions on ignore regions are dropped, not false positives', () => {
    const gt = gtFrames([[1, 1, 0], [1, 2, 100, true]]);
    const m = evaluateTracking(gt, tracks([[1, 1, 0], [1, 2, 100]]));
    expect(m).toMatchObject({ fp: 0, fn: 0, ignored_predictions: 1, gt_boxes: 1, predictions: 1, mota: 1, idf1: 1 });
  });

  it('scores only the requested frames', () => {
    const gt = gtFrames([[1, 1, 0], [2, 1, 0], [3, 1, 0]]);
    const m = evaluateTracking(gt, tracks([[1, 1, 0], [3, 1, 0]]), { frames: [1, 3] });
    expect(m).toMatchObject({ frames: 2, gt_boxes: 2, fn: 0, mota: 1 });
  });

  it('empty inputs give zeros, not NaN', () => {
    const m = evaluateTracking(new Map(), new Map());
    expect(Object.values(m).every((v) => Number.isFinite(v))).toBe(true);
    expect(m.mota).toBe(0);
  });
});
