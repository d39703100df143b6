import type { BBox } from '../../core/types.ts';
import type { Point } from './geometry.ts';
import type { NightConfig } from './schema.ts';
import type { ZoneMembership } from './zones.ts';

/** One tracked detection as the rules see it. */
export interface Seen {
  trackId: number;
  cls: string;
  bbox: BBox;
  confidence: number;
  feet: Point;
}

export interface ZoneTransition {
  trackId: number;
  /** first frame of the run that confirmed the change (inertia) */
  since: number;
  /** when the stay began (for an entry: = since) */
  enteredAt: number;
}

export interface Crossing { trackId: number; from: 'a' | 'b'; to: 'a' | 'b' }

export interface ZoneFrame { membership: ZoneMembership; entered: ZoneTransition[]; exited: ZoneTransition[] }

/** What every rule of one camera sees for one frame (times in ms since the epoch). */
export interface Frame {
  cameraId: string;
  ts: number;
  night: boolean;
  nightConfig: NightConfig;
  seen: Seen[];
  byTrack: Map<number, Seen>;
  zones: Map<string, ZoneFrame>;
  crossings: Map<string, Crossing[]>;
}
