import type { Crossing, Seen } from './frame.ts';
import type { Point } from './geometry.ts';
import { crossesSegment, signedDistance } from './geometry.ts';
import type { Line } from './schema.ts';

/**
 * Crossings of one line: each track's side is committed only outside the dead band (`margin`),
 * and a change of side is a crossing when the move since the last committed position passes
 * between the line's ends. A lost and found track keeps its side, so a crossing while lost counts.
 */
export class LineCrossing {
  private readonly a: Point;
  private readonly b: Point;
  private readonly sides = new Map<number, { side: 'a' | 'b'; at: Point }>();

  constructor(readonly line: Line) {
    [this.a, this.b] = line.points;
  }

  update(seen: readonly Seen[]): Crossing[] {
    const out: Crossing[] = [];
    for (const s of seen) {
      const d = signedDistance(s.feet, this.a, this.b);
      if (Math.abs(d) <= this.line.margin) continue;
      const side = d < 0 ? 'a' : 'b';
      const prev = this.sides.get(s.trackId);
      if (prev && prev.side !== side && crossesSegment(prev.at, s.feet, this.a, this.b)) out.push({ trackId: s.trackId, from: prev.side, to: side });
      this.sides.set(s.trackId, { side, at: s.feet });
    }
    return out;
  }

  forget(trackId: number): void {
    this.sides.delete(trackId);
  }
}
