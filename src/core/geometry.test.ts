import { describe, expect, it } from 'vitest';
import { iou } from './geometry.ts';

describe('iou', () => {
  it('is 1 for identical, 0 for disjoint and 1/3 for half-shifted boxes', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 9);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});
