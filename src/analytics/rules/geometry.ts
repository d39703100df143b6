import type { Point } from '../../core/geometry.ts';
import type { BBox } from '../../core/types.ts';

export type { Point };
export { unionBox } from '../../core/geometry.ts';

/** Where a person stands: presence in a zone is judged by the feet, not the box. */
export const bottomCentre = (b: BBox): Point => [(b[0] + b[2]) / 2, b[3]];
export const centre = (b: BBox): Point => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
export const distance = (p: Point, q: Point): number => Math.hypot(p[0] - q[0], p[1] - q[1]);

/** Bounding box of a polygon: a cheap reject before the polygon test. */
export function polygonBounds(poly: readonly Point[]): BBox {
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export const inBounds = (p: Point, b: BBox): boolean => p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];

/** Signed distance of p from the line a→b: > 0 on the right of a→b as drawn on the image (y down), < 0 on the left. */
export function signedDistance(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  return (dx * (p[1] - a[1]) - dy * (p[0] - a[0])) / Math.hypot(dx, dy);
}

/** Whether the move p→q (its ends on opposite sides of the line) passes between a and b rather than around an end. */
export function crossesSegment(p: Point, q: Point, a: Point, b: Point): boolean {
  const dp = signedDistance(p, a, b);
  const dq = signedDistance(q, a, b);
  if (dp === dq) return false;
  const t = dp / (dp - dq);
  const x = p[0] + t * (q[0] - p[0]);
  const y = p[1] + t * (q[1] - p[1]);
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const along = ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy);
  return along >= 0 && along <= 1;
}
