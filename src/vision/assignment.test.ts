import { describe, expect, it } from 'vitest';
import { solveAssignment } from './assignment.ts';

const total = (cost: number[][], pairs: [number, number][]): number => pairs.reduce((s, [i, j]) => s + cost[i]![j]!, 0);

/** every assignment of a small matrix, for the brute-force check */
function* partialAssignments(rows: number, cols: number, row = 0, used: number[] = []): Generator<[number, number][]> {
  if (row === rows) {
    yield [];
    return;
  }
  for (const rest of partialAssignments(rows, cols, row + 1, used)) yield rest;
  for (let j = 0; j < cols; j++) {
    if (used.includes(j)) continue;
    for (const rest of partialAssignments(rows, cols, row + 1, [...used, j])) yield [[row, j], ...rest];
  }
}

describe('solveAssignment', () => {
  it('finds the optimal square assignment', () => {
    const cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]];
    const r = solveAssignment(cost, 10);
    expect(r.matches).toEqual([[0, 1], [1, 0], [2, 2]]);
    expect(total(cost, r.matches)).toBe(5);
    expect(r.unmatchedRows).toEqual([]);
    expect(r.unmatchedCols).toEqual([]);
  });

  it('handles more columns than rows and more rows than columns', () => {
    expect(solveAssignment([[5, 1, 9], [1, 6, 9]], 10)).toEqual({ matches: [[0, 1], [1, 0]], unmatchedRows: [], unmatchedCols: [2] });
    expect(solveAssignment([[5, 1], [1, 6], [0.5, 0.6]], 10)).toEqual({ matches: [[0, 1], [2, 0]], unmatchedRows: [1], unmatchedCols: [] });
  });

  it('never matches a pair above maxCost, NaN or infinite', () => {
    expect(solveAssignment([[0.9]], 0.5)).toEqual({ matches: [], unmatchedRows: [0], unmatchedCols: [0] });
    expect(solveAssignment([[Number.NaN, 0.2], [Infinity, 0.1]], 0.5)).toEqual({ matches: [[1, 1]], unmatchedRows: [0], unmatchedCols: [0] });
  });

  it('handles empty matrices', () => {
    expect(solveAssignment([], 1)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [] });
    expect(solveAssignment([[], []], 1)).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
  });

  it('by default prefers one close pair to two distant ones (lapjv cost_limit); maximizeMatches the reverse', () => {
    const cost = [[0.1, 0.7], [0.7, Infinity]];
    expect(solveAssignment(cost, 0.8).matches).toEqual([[0, 0]]);
    expect(solveAssignment(cost, 0.8, { maximizeMatches: true }).matches).toEqual([[0, 1], [1, 0]]);
  });

  it('agrees with brute force on random gated matrices', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(rand() * 4);
      const cols = 1 + Math.floor(rand() * 4);
      const maxCost = 0.6;
      const cost = [...Array(rows)].map(() => [...Array(cols)].map(() => (rand() < 0.2 ? Infinity : rand())));
      const valid = [...partialAssignments(rows, cols)].filter((p) => p.every(([i, j]) => cost[i]![j]! <= maxCost));
      // default objective: matched cost + maxCost per unmatched pair
      const objective = (p: [number, number][]): number => total(cost, p) + (maxCost / 2) * (rows + cols - 2 * p.length);
      const best = Math.min(...valid.map(objective));
      expect(objective(solveAssignment(cost, maxCost).matches)).toBeCloseTo(best, 9);
      // maximizeMatches: most pairs, then least cost
      const most = Math.max(...valid.map((p) => p.length));
      const cheapest = Math.min(...valid.filter((p) => p.length === most).map((p) => total(cost, p)));
      const r = solveAssignment(cost, maxCost, { maximizeMatches: true });
      expect(r.matches).toHaveLength(most);
      expect(total(cost, r.matches)).toBeCloseTo(cheapest, 9);
    }
  });
});
