import { COCO_LABELS } from '../coco.ts';
import type { DetectionFilter } from '../filter.ts';
import { CENTERNET_ROW } from './centernet-decode.ts';

/** Output stride of centernet's heatmap (512 px input → 128 cells) and its top-K, as in the tfjs graph. */
const STRIDE = 4;
const TOP_K = 100;

export interface CenternetHeads {
  /** per-class centre heatmap after sigmoid, NCHW [1, classes, H, W] */
  keypoints: Float32Array;
  /** distances from the centre to the left, top, right, bottom edge in input pixels, NCHW [1, 4, H, W] */
  wh: Float32Array;
  classes: number;
  height: number;
  width: number;
}

/**
 * centernet's own post-processing (the part of the tfjs graph after `keypoints` and `wh`): a
 * heatmap cell is a detection when it is the maximum of its 3x3 neighbourhood; the top 100 by
 * score become rows of `[x1, y1, x2, y2, score, class]` in input pixels, as `tower_0/detections`.
 * Only cells scoring at least the lowest threshold of a reported class are looked at, which gives
 * the same rows as the graph for everything the filter can let through, far faster in JS.
 */
export function centernetPeaks(heads: CenternetHeads, filter: DetectionFilter): Float32Array {
  const { keypoints, wh, classes, height, width } = heads;
  const plane = height * width;
  const peaks: { score: number; cls: number; x: number; y: number }[] = [];
  for (let cls = 0; cls < classes; cls++) {
    const label = COCO_LABELS[cls];
    if (label === undefined || !filter.classes.includes(label)) continue;
    const floor = filter.thresholds[label] ?? filter.default_threshold;
    const base = cls * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = keypoints[base + y * width + x]!;
        if (v < floor || !isLocalMax(keypoints, base, width, height, x, y, v)) continue;
        peaks.push({ score: v, cls, x, y });
      }
    }
  }
  peaks.sort((a, b) => b.score - a.score);
  const kept = peaks.slice(0, TOP_K);
  const rows = new Float32Array(kept.length * CENTERNET_ROW);
  kept.forEach((p, i) => {
    const cell = p.y * width + p.x;
    const [cx, cy] = [p.x * STRIDE, p.y * STRIDE];
    rows.set([cx - wh[cell]!, cy - wh[plane + cell]!, cx + wh[2 * plane + cell]!, cy + wh[3 * plane + cell]!, p.score, p.cls], i * CENTERNET_ROW);
  });
  return rows;
}

/** 3x3 max pooling with SAME padding: is `v` at (x, y) the neighbourhood's maximum (ties count, as TF's Equal does)? */
function isLocalMax(map: Float32Array, base: number, width: number, height: number, x: number, y: number, v: number): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx >= 0 && xx < width && map[base + yy * width + xx]! > v) return false;
    }
  }
  return true;
}
