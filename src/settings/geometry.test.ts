import { describe, expect, it } from 'vitest';
import { polygonProblem } from './geometry.ts';

describe('polygonProblem', () => {
  it('accepts simple polygons, convex or not', () => {
    expect(polygonProblem([[0, 0], [100, 0], [100, 100], [0, 100]])).toBeUndefined();
    expect(polygonProblem([[0, 0], [100, 0], [50, 30], [100, 100], [0, 100]])).toBeUndefined();
  });

  it('refuses a bow tie and names the crossing edges', () => {
    expect(polygonProblem([[0, 0], [100, 100], [100, 0], [0, 100]])).toMatch(/edge 1-2 crosses edge 3-4/);
  });

  it('refuses points on one line', () => {
    expect(polygonProblem([[0, 0], [50, 50], [100, 100]])).toMatch(/no area/);
  });
});
