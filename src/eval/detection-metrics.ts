import type { BBox } from '../core/types.ts';
import { iou } from '../core/geometry.ts';
import type { GtBox } from './mot-format.ts';

export interface ScoredBox {
  bbox: BBox;
  score: number;
}

/** Detections of one frame judged against its ground truth. */
export interface MatchedDetections {
  /** one entry per detection that is not on an ignore region */
  outcomes: { score: number; tp: boolean }[];
  /** ground-truth boxes to find (ignore regions excluded) */
  positives: number;
  /** detections matched to ignore regions: neither true nor false positives */
  ignored: number;
  /** per ground-truth box (in the order given): whether a detection matched it */
  found: boolean[];
}

/**
 * VOC/COCO-style matching of one frame: detections in descending score take the unmatched
 * ground-truth box they overlap most (IoU ≥ threshold), scored boxes before ignore regions.
 * Matching in score order makes the result at any threshold the same as matching only the
 * detections above it, so one pass serves the whole score sweep.
 */
export function matchFrame(gt: readonly GtBox[], detections: readonly ScoredBox[], iouThreshold = 0.5): MatchedDetections {
  const taken = new Array<boolean>(gt.length).fill(false);
  const out: MatchedDetections = { outcomes: [], positives: gt.filter((g) => !g.ignore).length, ignored: 0, found: taken };
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestKey = -1;
    gt.forEach((g, k) => {
      if (taken[k]) return;
      const overlap = iou(g.bbox, d.bbox);
      if (overlap < iouThreshold) return;
      const key = (g.ignore ? 0 : 2) + overlap; // any scored box ranks above any ignore region
      if (key > bestKey) [best, bestKey] = [k, key];
    });
    if (best >= 0) taken[best] = true;
    if (best >= 0 && gt[best]!.ignore) out.ignored++;
    else out.outcomes.push({ score: d.score, tp: best >= 0 });
  }
  return out;
}

export interface PrecisionRecall {
  threshold: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Merged matches of many frames. */
export class DetectionTally {
  private readonly outcomes: { score: number; tp: boolean }[] = [];
  private positives = 0;
  private ignoredCount = 0;

  add(m: MatchedDetections): void {
    for (const o of m.outcomes) this.outcomes.push(o);
    this.positives += m.positives;
    this.ignoredCount += m.ignored;
  }

  get ignored(): number {
    return this.ignoredCount;
  }

  /** precision and recall counting the detections scored ≥ threshold */
  at(threshold: number): PrecisionRecall {
    let tp = 0;
    let fp = 0;
    for (const o of this.outcomes) {
      if (o.score < threshold) continue;
      if (o.tp) tp++;
      else fp++;
    }
    return {
      threshold, tp, fp, fn: this.positives - tp,
      precision: tp + fp > 0 ? tp / (tp + fp) : 0,
      recall: this.positives > 0 ? tp / this.positives : 0,
    };
  }

  /**
   * Average precision, all-point interpolated (VOC 2010+ / COCO style): the area under the
   * precision–recall curve after replacing each precision by the best one at equal or higher recall.
   */
  averagePrecision(): number {
    if (this.positives === 0) return 0;
    const sorted = [...this.outcomes].sort((a, b) => b.score - a.score);
    const precision: number[] = [];
    const recall: number[] = [];
    let tp = 0;
    sorted.forEach((o, i) => {
      if (o.tp) tp++;
      precision.push(tp / (i + 1));
      recall.push(tp / this.positives);
    });
    for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
    let ap = 0;
    let previousRecall = 0;
    recall.forEach((r, i) => {
      ap += (r - previousRecall) * precision[i]!;
      previousRecall = r;
    });
    return ap;
  }
}
