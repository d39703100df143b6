import type { BBox } from '../core/types.ts';
import { solveAssignment } from '../vision/assignment.ts';
import { iou } from '../core/geometry.ts';
import type { Frames, GtBox, TrackBox } from './mot-format.ts';

/** CLEAR-MOT and identity metrics, key names as printed by `vigil eval track`. */
export interface MotMetrics {
  frames: number;
  /** ground-truth boxes scored (sum over frames) and distinct identities */
  gt_boxes: number;
  gt_ids: number;
  /** predicted boxes scored (those on ignore regions excluded) and distinct predicted ids */
  predictions: number;
  predicted_ids: number;
  /** predictions dropped because they matched an ignore region */
  ignored_predictions: number;
  mota: number;
  /** py-motmetrics' MOTP: mean distance 1 − IoU over matched pairs (lower is better) */
  motp_distance: number;
  /** MOTChallenge devkit's MOTP: mean IoU over matched pairs (the devkit prints it ×100) */
  motp_iou: number;
  idf1: number;
  idp: number;
  idr: number;
  idtp: number;
  idfp: number;
  idfn: number;
  precision: number;
  recall: number;
  matches: number;
  fp: number;
  fn: number;
  id_switches: number;
  fragmentations: number;
  /** ground-truth ids tracked ≥ 80 %, 20–80 %, < 20 % of their frames */
  mostly_tracked: number;
  partially_tracked: number;
  mostly_lost: number;
}

export interface MotOptions {
  /** score only these frames (e.g. the sampled ones); default: every frame in either input */
  frames?: Iterable<number>;
  /** a predicted box and a ground-truth box can match at IoU ≥ this (default 0.5) */
  iouThreshold?: number;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** As many pairs as possible, then the cheapest (scipy/py-motmetrics with NaN = may not pair). */
const assign = (cost: number[][]): [number, number][] => solveAssignment(cost, Infinity, { maximizeMatches: true }).matches;

/**
 * Pairs of boxes whose distance 1 − IoU is at most 1 − threshold (NaN = may not pair); the same
 * arithmetic as py-motmetrics' iou_matrix, so borderline pairs are decided the same way.
 */
function distances(a: readonly { bbox: BBox }[], b: readonly { bbox: BBox }[], maxDistance: number): number[][] {
  return a.map((x) => b.map((y) => {
    const d = 1 - iou(x.bbox, y.bbox);
    return d > maxDistance ? Number.NaN : d;
  }));
}

/** Drops predictions assigned (Hungarian, IoU ≥ threshold) to ignore regions, as py-motmetrics' preprocessResult does. */
function withoutIgnored(gt: readonly GtBox[], predicted: readonly TrackBox[], maxDistance: number): TrackBox[] {
  if (!gt.some((g) => g.ignore) || predicted.length === 0) return [...predicted];
  const drop = new Set<number>();
  for (const [i, j] of assign(distances(gt, predicted, maxDistance))) if (gt[i]!.ignore) drop.add(j);
  return predicted.filter((_, j) => !drop.has(j));
}

/**
 * Scores tracker output against ground truth the MOTChallenge / py-motmetrics way: per frame,
 * correspondences of the previous frames are kept while still valid (IoU ≥ 0.5), the rest are
 * matched by Hungarian assignment on 1 − IoU (CLEAR-MOT, Bernardin & Stiefelhagen 2008); a match
 * that contradicts an object's previous correspondence is an identity switch. IDF1/IDP/IDR come
 * from the global min-cost matching of ground-truth to predicted trajectories (Ristani et al.
 * 2016), where a frame counts for a pair when their boxes overlap by IoU ≥ 0.5.
 */
export function evaluateTracking(gt: Frames<GtBox>, predicted: Frames<TrackBox>, opts: MotOptions = {}): MotMetrics {
  const maxDistance = 1 - (opts.iouThreshold ?? 0.5);
  const frameIds = [...new Set(opts.frames ?? [...gt.keys(), ...predicted.keys()])].sort((a, b) => a - b);

  const correspondence = new Map<number, number>(); // object id → hypothesis id of its last match
  const objectFrames = new Map<number, number>();
  const hypFrames = new Map<number, number>();
  const overlapFrames = new Map<number, Map<number, number>>(); // object → hypothesis → frames with IoU ≥ threshold
  const history = new Map<number, boolean[]>(); // object → per frame present: matched?
  let matches = 0;
  let switches = 0;
  let fp = 0;
  let fn = 0;
  let distanceSum = 0;
  let ignoredPredictions = 0;
  let predictions = 0;

  for (const frame of frameIds) {
    const allGt = gt.get(frame) ?? [];
    const kept = withoutIgnored(allGt, predicted.get(frame) ?? [], maxDistance);
    ignoredPredictions += (predicted.get(frame)?.length ?? 0) - kept.length;
    const objects = allGt.filter((g) => !g.ignore);
    predictions += kept.length;
    for (const o of objects) objectFrames.set(o.id, (objectFrames.get(o.id) ?? 0) + 1);
    for (const h of kept) hypFrames.set(h.id, (hypFrames.get(h.id) ?? 0) + 1);

    const dist = distances(objects, kept, maxDistance);
    dist.forEach((row, i) => row.forEach((d, j) => {
      if (Number.isNaN(d)) return;
      const perHyp = overlapFrames.get(objects[i]!.id) ?? new Map<number, number>();
      perHyp.set(kept[j]!.id, (perHyp.get(kept[j]!.id) ?? 0) + 1);
      overlapFrames.set(objects[i]!.id, perHyp);
    }));

    const objectDone = new Array<boolean>(objects.length).fill(false);
    const hypDone = new Array<boolean>(kept.length).fill(false);
    const match = (i: number, j: number): void => {
      objectDone[i] = hypDone[j] = true;
      distanceSum += dist[i]![j]!;
      correspondence.set(objects[i]!.id, kept[j]!.id);
    };
    // 1. keep previous correspondences that are still valid
    objects.forEach((o, i) => {
      const previous = correspondence.get(o.id);
      if (previous === undefined) return;
      const j = kept.findIndex((h, k) => !hypDone[k] && h.id === previous);
      if (j < 0 || Number.isNaN(dist[i]![j]!)) return;
      matches++;
      match(i, j);
    });
    // 2. Hungarian on what is left; a pairing that contradicts an earlier one is a switch
    const open = dist.map((row, i) => row.map((d, j) => (objectDone[i] || hypDone[j] ? Number.NaN : d)));
    for (const [i, j] of assign(open)) {
      const previous = correspondence.get(objects[i]!.id);
      if (previous !== undefined && previous !== kept[j]!.id) switches++;
      else matches++;
      match(i, j);
    }
    // 3. misses and false positives
    fn += objectDone.filter((done) => !done).length;
    fp += hypDone.filter((done) => !done).length;
    objects.forEach((o, i) => {
      const h = history.get(o.id) ?? [];
      h.push(objectDone[i]!);
      history.set(o.id, h);
    });
  }

  const gtBoxes = [...objectFrames.values()].reduce((s, n) => s + n, 0);
  const tracked = matches + switches;

  // fragmentations: within an object's first and last match, each fall from matched to missed
  let fragmentations = 0;
  let mostlyTracked = 0;
  let mostlyLost = 0;
  for (const seen of history.values()) {
    const first = seen.indexOf(true);
    const last = seen.lastIndexOf(true);
    for (let k = first + 1; first >= 0 && k <= last; k++) if (seen[k - 1] && !seen[k]) fragmentations++;
    const share = seen.filter(Boolean).length / seen.length;
    if (share >= 0.8) mostlyTracked++;
    else if (share < 0.2) mostlyLost++;
  }

  // identity: the one-to-one object ↔ hypothesis pairing with the most co-occurring frames
  const objectIds = [...objectFrames.keys()];
  const hypIds = [...hypFrames.keys()];
  const gain = objectIds.map((o) => hypIds.map((h) => -(overlapFrames.get(o)?.get(h) ?? 0)));
  const idtp = -assign(gain).reduce((s, [i, j]) => s + gain[i]![j]!, 0);
  const idfn = gtBoxes - idtp;
  const idfp = predictions - idtp;
  const motpDistance = ratio(distanceSum, tracked);

  return {
    frames: frameIds.length,
    gt_boxes: gtBoxes,
    gt_ids: objectIds.length,
    predictions,
    predicted_ids: hypIds.length,
    ignored_predictions: ignoredPredictions,
    mota: gtBoxes > 0 ? 1 - (fn + switches + fp) / gtBoxes : 0,
    motp_distance: motpDistance,
    motp_iou: tracked > 0 ? 1 - motpDistance : 0,
    idf1: ratio(2 * idtp, gtBoxes + predictions),
    idp: ratio(idtp, idtp + idfp),
    idr: ratio(idtp, idtp + idfn),
    idtp, idfp, idfn,
    precision: ratio(tracked, tracked + fp),
    recall: ratio(tracked, gtBoxes),
    matches: tracked,
    fp, fn,
    id_switches: switches,
    fragmentations,
    mostly_tracked: mostlyTracked,
    partially_tracked: objectIds.length - mostlyTracked - mostlyLost,
    mostly_lost: mostlyLost,
  };
}
