import { describe, expect, it } from 'vitest';
import { minCostAssignment } from './hungarian.ts';

const total = (cost: number[][], pairs: [number, number][]) => pairs.reduce((s, [r, c]) => s + cost[r]![c]!, 0);

/** every assignment of rows to distinct columns (or none), by brute force: [max pairs, min cost among them] */
function bruteForce(cost: number[][]): [number, number] {
  let best: [number, number] = [0, 0];
  const walk = (row: number, usedCols: Set<number>, count: number, sum: number): void => {
    if (row === cost.length) {
      if (count > best[0] || (count === best[0] && sum < best[1] - 1e-9)) best = [count, sum];
      return;
    }
    walk(row + 1, usedCols, count, sum);
    cost[row]!.forEach((c, col) => {
      if (!Number.isFinite(c) || usedCols.has(col)) return;
      usedCols.add(col);
      walk(row + 1, usedCols, count + 1, sum + c);
      usedCols.delete(col);
    });
  };
  walk(0, new Set(), 0, 0);
  return best;
}

describe('minCostAssignment', () => {
  it('solves a hand-checked square case', () => {
    const cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]];
    // optimum: r0→c1 (1), r1→c0 (2), r2→c2 (2) = 5
    expect(minCostAssignment(cost)).toEqual([[0, 1], [1, 0], [2, 2]]);
  });

  it('handles rectangular matrices both ways', () => {
    expect(minCostAssignment([[5, 1, 9, 2]])).toEqual([[0, 1]]);
    expect(minCostAssignment([[5], [1], [9]])).toEqual([[1, 0]]);
    expect(minCostAssignment([[1, 2, 3], [1, 4, 6]])).toEqual([[0, 1], [1, 0]]);
  });

  it('never assigns forbidden pairs and prefers more pairs over a lower cost', () => {
    const nan = Number.NaN;
    // r0 alone would take c0 (0.1), but then r1 has nothing: two pairs (0.4 + 0.3) win
    expect(minCostAssignment([[0.1, 0.4], [0.3, nan]])).toEqual([[0, 1], [1, 0]]);
    expect(minCostAssignment([[nan, nan], [nan, 0.2]])).toEqual([[1, 1]]);
    expect(minCostAssignment([[Infinity]])).toEqual([]);
    expect(minCostAssignment([])).toEqual([]);
  });

  it('matches brute force on random matrices with gaps', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 200; t++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rand() < 0.3 ? Number.NaN : Math.round(rand() * 20) - 5)));
      const pairs = minCostAssignment(cost);
      expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
      expect([pairs.length, total(cost, pairs)]).toEqual(bruteForce(cost));
    }
  });

  it('rejects ragged matrices', () => {
    expect(() => minCostAssignment([[1, 2], [3]])).toThrow(/differ in length/);
  });
});
