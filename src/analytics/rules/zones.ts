import type { Seen, ZoneTransition } from './frame.ts';
import type { Point } from './geometry.ts';
import { pointInPolygon } from '../../core/geometry.ts';
import { inBounds, polygonBounds } from './geometry.ts';
import type { Zone } from './schema.ts';

interface Membership {
  inside: boolean;
  /** consecutive frames disagreeing with `inside`, and when that run began */
  streak: number;
  streakStart: number;
  enteredAt: number;
}

/**
 * Which tracks are in one zone, by their feet, with inertia: a track enters (leaves) only after
 * `inertia` consecutive frames inside (outside), so a box flickering on the edge changes nothing.
 * Frames in which a track is not seen change nothing either (a lost and found track keeps its stay).
 */
export class ZoneMembership {
  private readonly polygon: Point[];
  private readonly bounds;
  private readonly tracks = new Map<number, Membership>();

  constructor(readonly zone: Zone) {
    this.polygon = zone.polygon;
    this.bounds = polygonBounds(zone.polygon);
  }

  contains(p: Point): boolean {
    return inBounds(p, this.bounds) && pointInPolygon(p, this.polygon);
  }

  update(seen: readonly Seen[], ts: number): { entered: ZoneTransition[]; exited: ZoneTransition[] } {
    const entered: ZoneTransition[] = [];
    const exited: ZoneTransition[] = [];
    for (const s of seen) {
      const isIn = this.contains(s.feet);
      let m = this.tracks.get(s.trackId);
      if (!m) {
        if (!isIn) continue; // outside and never in: nothing to remember
        m = { inside: false, streak: 0, streakStart: ts, enteredAt: 0 };
        this.tracks.set(s.trackId, m);
      }
      if (isIn === m.inside) {
        m.streak = 0;
        continue;
      }
      if (m.streak === 0) m.streakStart = ts;
      if (++m.streak < this.zone.inertia) continue;
      m.inside = isIn;
      m.streak = 0;
      if (isIn) {
        m.enteredAt = m.streakStart;
        entered.push({ trackId: s.trackId, since: m.streakStart, enteredAt: m.streakStart });
      } else {
        exited.push({ trackId: s.trackId, since: m.streakStart, enteredAt: m.enteredAt });
        this.tracks.delete(s.trackId);
      }
    }
    return { entered, exited };
  }

  /** When the track's current stay began, or undefined when it is not inside. */
  enteredAt(trackId: number): number | undefined {
    const m = this.tracks.get(trackId);
    return m?.inside ? m.enteredAt : undefined;
  }

  forget(trackId: number): void {
    this.tracks.delete(trackId);
  }
}
