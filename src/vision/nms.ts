import { iou } from '../core/geometry.ts';
import type { Detection } from '../core/types.ts';

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
