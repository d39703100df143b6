import type { BBox } from '../../core/types.ts';

export interface CropOptions {
  /** context added around each box, as a share of the box's larger side */
  margin: number;
  /** smallest crop side in source pixels (small crops get upscaled too far for the model) */
  minSize: number;
  /** a crop covering more than this share of the frame is not worth it: analyse the full frame */
  maxShare: number;
}

/**
 * One square crop (the detector's input is square) around `boxes` with context, at least
 * `minSize`, shifted inside the frame; undefined when the full frame should be analysed.
 */
export function cropAround(boxes: readonly BBox[], frameW: number, frameH: number, opts: CropOptions): BBox | undefined {
  if (boxes.length === 0) return undefined;
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    const m = opts.margin * Math.max(b[2] - b[0], b[3] - b[1]);
    x1 = Math.min(x1, b[0] - m);
    y1 = Math.min(y1, b[1] - m);
    x2 = Math.max(x2, b[2] + m);
    y2 = Math.max(y2, b[3] + m);
  }
  const side = Math.max(x2 - x1, y2 - y1, opts.minSize);
  const w = Math.min(side, frameW);
  const h = Math.min(side, frameH);
  if (w * h > opts.maxShare * frameW * frameH) return undefined;
  const left = clamp((x1 + x2) / 2 - w / 2, 0, frameW - w);
  const top = clamp((y1 + y2) / 2 - h / 2, 0, frameH - h);
  return [Math.round(left), Math.round(top), Math.round(left + w), Math.round(top + h)];
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** Share of `box` that lies inside `area`. */
export function insideShare(box: BBox, area: BBox): number {
  const w = Math.max(0, Math.min(box[2], area[2]) - Math.max(box[0], area[0]));
  const h = Math.max(0, Math.min(box[3], area[3]) - Math.max(box[1], area[1]));
  const a = (box[2] - box[0]) * (box[3] - box[1]);
  return a > 0 ? (w * h) / a : 0;
}

/** True when the boxes overlap at all. */
export function intersects(a: BBox, b: BBox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Points per side of the grid coveredShare samples a box with. */
const COVER_GRID = 8;

/** Share of `box` that lies inside the union of `areas`, sampled on a grid of points over `box`. */
export function coveredShare(box: BBox, areas: readonly BBox[]): number {
  let inside = 0;
  for (let i = 0; i < COVER_GRID; i++) {
    for (let j = 0; j < COVER_GRID; j++) {
      const x = box[0] + ((i + 0.5) / COVER_GRID) * (box[2] - box[0]);
      const y = box[1] + ((j + 0.5) / COVER_GRID) * (box[3] - box[1]);
      if (areas.some((a) => x >= a[0] && x < a[2] && y >= a[1] && y < a[3])) inside++;
    }
  }
  return inside / COVER_GRID ** 2;
}
