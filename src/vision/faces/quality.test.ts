import { describe, expect, it } from 'vitest';
import { frontalness, laplacianVariance, qualityScore, type GrayImage } from './quality.ts';

/** A 64x64 checkerboard of 8 px squares, optionally box-blurred `blur` times. */
function board(blur = 0): GrayImage {
  const side = 64;
  let data = new Uint8Array(side * side).map((_, i) => (((i % side) >> 3) + ((i / side) >> 3)) % 2 ? 220 : 30);
  for (let b = 0; b < blur; b++) {
    const next = new Uint8Array(data);
    for (let y = 1; y < side - 1; y++) for (let x = 1; x < side - 1; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += data[(y + dy) * side + x + dx]!;
      next[y * side + x] = Math.round(s / 9);
    }
    data = next;
  }
  return { width: side, height: side, data };
}

describe('face quality', () => {
  it('finds a sharp image sharper than its blurred copy', () => {
    expect(laplacianVariance(board())).toBeGreaterThan(10 * laplacianVariance(board(4)));
    expect(laplacianVariance({ width: 8, height: 8, data: new Uint8Array(64).fill(90) })).toBe(0);
  });

  it('scores a mirror-symmetric face-shaped box as frontal, an asymmetric or wide one lower', () => {
    const sym: GrayImage = { width: 64, height: 64, data: new Uint8Array(64 * 64).map((_, i) => 20 * Math.abs((i % 64) - 31.5) + (i >> 6)) };
    const half: GrayImage = { ...sym, data: sym.data.map((_, i) => ((i % 64) < 32 ? 255 : 0)) };
    expect(frontalness(sym, 1.2)).toBeGreaterThan(0.9);
    expect(frontalness(half, 1.2)).toBeLessThan(0.1);
    expect(frontalness(sym, 0.5)).toBeLessThan(frontalness(sym, 1.2));
  });

  it('ranks a large sharp frontal face above a tiny one, a blurred one and an unsure one', () => {
    const good = qualityScore({ sizePx: 120, sharpness: 800, frontal: 0.9, detScore: 0.95 });
    expect(good).toBeGreaterThan(0.8);
    expect(qualityScore({ sizePx: 10, sharpness: 800, frontal: 0.9, detScore: 0.95 })).toBeLessThan(0.2);
    expect(qualityScore({ sizePx: 120, sharpness: 20, frontal: 0.9, detScore: 0.95 })).toBeLessThan(good * 0.5);
    expect(qualityScore({ sizePx: 120, sharpness: 800, frontal: 0.9, detScore: 0.3 })).toBeLessThan(good);
    expect(qualityScore({ sizePx: 120, sharpness: 0, frontal: 0.9, detScore: 0.9 })).toBe(0);
  });
});
