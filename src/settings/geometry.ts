import type { Point } from '../core/geometry.ts';

/** Twice the signed area of a polygon (shoelace): 0 when its points are all on one line. */
function doubleArea(poly: readonly Point[]): number {
  let sum = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) sum += poly[j]![0] * poly[i]![1] - poly[i]![0] * poly[j]![1];
  return sum;
}

const orientation = (a: Point, b: Point, c: Point): number => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));

/** Whether segments ab and cd cross at a point inside both (touching ends do not count). */
function properlyCross(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  return o1 * o2 < 0 && o3 * o4 < 0;
}

/**
 * Why a zone polygon cannot be used, or undefined. A polygon whose edges cross (a bow tie drawn
 * by clicking the points out of order) has an inside no one meant: the even-odd test would call
 * half of what the guard drew "outside".
 */
export function polygonProblem(poly: readonly Point[]): string | undefined {
  const n = poly.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the closing edge
      if (properlyCross(poly[i]!, poly[(i + 1) % n]!, poly[j]!, poly[(j + 1) % n]!)) {
        return `the polygon's edges cross (edge ${i + 1}-${i + 2} crosses edge ${j + 1}-${((j + 1) % n) + 1}): order the points around the area`;
      }
    }
  }
  if (doubleArea(poly) === 0) return 'the polygon has no area (its points are on one line)';
  return undefined;
}
