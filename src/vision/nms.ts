import type { BBox, Detection } from '../core/types.ts';

export function area([x1, y1, x2, y2]: BBox): number {
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function iou(a: BBox, b: BBox): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression within each class: a box is dropped when it overlaps a
 * higher-scored kept box of the same class by more than `iouThreshold`. Result sorted by score.
 */
export function nmsPerClass<T extends Detection>(detections: readonly T[], iouThreshold: number): T[] {
  const sorted = [...detections].sort((a, b) => b.confidence - a.confidence);
  const kept: T[] = [];
  for (const d of sorted) {
    if (!kept.some((k) => k.class === d.class && iou(k.bbox, d.bbox) > iouThreshold)) kept.push(d);
  }
  return kept;
}
