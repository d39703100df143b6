/** Plane geometry shared by the motion masks (src/vision) and the rule zones (src/analytics). */

import type { BBox } from './types.ts';

/** A point in source-frame pixels. */
export type Point = readonly [number, number];

/** Even-odd ray casting; a point exactly on an edge may fall either way. */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The smallest box holding every box. */
export function unionBox(boxes: readonly BBox[]): BBox {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}
