/**
 * Minimum-cost assignment of rows to columns (Hungarian method, O(n²m)) on a rectangular matrix.
 * Non-finite entries (NaN, ±Infinity) are pairs that must not be assigned. Like py-motmetrics and
 * scipy with "expensive edges", it first assigns as many pairs as possible, then minimises the
 * total cost among those assignments. Returns [row, column] pairs, sorted by row.
 */
export function minCostAssignment(cost: readonly (readonly number[])[]): [number, number][] {
  const rows = cost.length;
  const cols = rows > 0 ? cost[0]!.length : 0;
  if (rows === 0 || cols === 0) return [];
  if (cost.some((r) => r.length !== cols)) throw new Error('cost matrix rows differ in length');

  // A forbidden pair costs more than any all-allowed assignment could (py-motmetrics' bound 2rc+1).
  let maxAbs = -1;
  for (const r of cost) for (const c of r) if (Number.isFinite(c)) maxAbs = Math.max(maxAbs, Math.abs(c));
  if (maxAbs < 0) return [];
  const forbidden = 2 * Math.min(rows, cols) * (maxAbs + 1) + 1;

  // the solver below wants rows ≤ columns
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const at = (i: number, j: number): number => {
    const c = transposed ? cost[j]![i]! : cost[i]![j]!;
    return Number.isFinite(c) ? c : forbidden;
  };

  // potentials u (rows), v (columns); rowOf[j] = 1-based row assigned to column j (0 = none)
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
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
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do {
      const j1 = way[j0]!;
      rowOf[j0] = rowOf[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  const pairs: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (rowOf[j] === 0) continue;
    const [r, c] = transposed ? [j - 1, rowOf[j]! - 1] : [rowOf[j]! - 1, j - 1];
    if (Number.isFinite(cost[r]![c]!)) pairs.push([r, c]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}
