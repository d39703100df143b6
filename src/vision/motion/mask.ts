import { pointInPolygon } from '../../core/geometry.ts';

/** A polygon in source-frame pixels: [[x, y], …], at least three points. */
export type Polygon = readonly (readonly [number, number])[];

/**
 * Rasterises polygons (source pixels) onto a width x height analysis grid: 1 where a cell's
 * centre is inside any polygon (even-odd rule). `scaleX`/`scaleY` map source to analysis pixels.
 */
export function rasterisePolygons(polygons: readonly Polygon[], width: number, height: number, scaleX: number, scaleY: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const polygon of polygons) {
    const pts = polygon.map(([x, y]) => [x * scaleX, y * scaleY] as const);
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      for (let x = 0; x < width; x++) {
        if (pointInPolygon([x + 0.5, cy], pts)) out[y * width + x] = 1;
      }
    }
  }
  return out;
}
