/**
 * Minimum-cost assignment of rows to columns (Hungarian algorithm, O(n³)) with gating: a pair
 * whose cost is above maxCost, NaN or infinite can never be matched. Used by the tracker and by
 * the MOT metrics.
 */

export interface Assignment {
  /** [row, column] pairs, ordered by row */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

export interface AssignmentOptions {
  /**
   * false (default): minimise total cost where leaving a row and a column unmatched costs maxCost
   * (lapjv's cost_limit, as ByteTrack uses it: one close pair can beat two distant ones).
   * true: maximise the number of matches first, then minimise their cost (CLEAR MOT matching).
   */
  maximizeMatches?: boolean;
}

export function solveAssignment(cost: readonly (readonly number[])[], maxCost: number, opts: AssignmentOptions = {}): Assignment {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  if (cost.some((r) => r.length !== cols)) throw new Error('solveAssignment: cost matrix rows differ in length');
  const allowed = (c: number): boolean => Number.isFinite(c) && c <= maxCost;

  // Square (rows + cols) matrix: row i may instead take its own dummy column cols + i, column j
  // its own dummy row rows + j, each at half the price of leaving a pair unmatched; dummies pair
  // freely with each other. A perfect matching therefore always exists.
  let largest = 0;
  for (const r of cost) for (const c of r) if (allowed(c)) largest = Math.max(largest, Math.abs(c));
  const half = opts.maximizeMatches ? (Math.min(rows, cols) + 1) * (largest + 1) : maxCost / 2;
  const n = rows + cols;
  const at = (i: number, j: number): number => {
    if (i < rows && j < cols) return allowed(cost[i]![j]!) ? cost[i]![j]! : Infinity;
    if (i < rows) return j - cols === i ? half : Infinity;
    if (j < cols) return i - rows === j ? half : Infinity;
    return 0;
  };
  const colOfRow = hungarian(n, at);

  const matches: [number, number][] = [];
  const unmatchedRows: number[] = [];
  const matchedCols = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const j = colOfRow[i]!;
    if (j < cols) {
      matches.push([i, j]);
      matchedCols.add(j);
    } else unmatchedRows.push(i);
  }
  const unmatchedCols = [...Array(cols).keys()].filter((j) => !matchedCols.has(j));
  return { matches, unmatchedRows, unmatchedCols };
}

/**
 * Shortest augmenting path Hungarian algorithm with potentials on an n×n matrix that has a
 * finite perfect matching (Infinity marks forbidden cells). Returns the column of each row.
 */
function hungarian(n: number, at: (i: number, j: number) => number): number[] {
  // 1-based internally; index 0 is the virtual start of each augmenting path
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfCol = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      if (j1 === 0) throw new Error('solveAssignment: no feasible assignment');
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          const r = rowOfCol[j]!;
          u[r] = u[r]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    do {
      const j1 = way[j0]!;
      rowOfCol[j0] = rowOfCol[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Array<number>(n);
  for (let j = 1; j <= n; j++) colOfRow[rowOfCol[j]! - 1] = j - 1;
  return colOfRow;
}
