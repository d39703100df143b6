import type { BBox, Detection } from '../core/types.ts';
import { iou } from './nms.ts';

export interface TrackerOptions {
  /** minimum IoU (against the track's predicted box) to continue a track */
  iouThreshold: number;
  /** a track not seen for longer than this ends */
  maxGapSeconds: number;
  /** detections needed before a track is confirmed (gets an id and becomes an event) */
  minHits: number;
}

export interface TrackSummary {
  trackId: number;
  label: string;
  startTime: Date;
  lastTime: Date;
  hits: number;
  maxConfidence: number;
  bestBbox: BBox;
  bestTime: Date;
}

export interface TrackerUpdate {
  /** the input detections, with track_id set on those of confirmed tracks */
  detections: Detection[];
  /** confirmed tracks that ended (unseen for more than maxGapSeconds) */
  ended: TrackSummary[];
  /** confirmed tracks whose max confidence rose this frame: their snapshot should be refreshed */
  improved: TrackSummary[];
}

interface Track {
  id?: number;
  label: string;
  bbox: BBox;
  /** centre velocity in pixels per second */
  vx: number;
  vy: number;
  startTime: Date;
  lastTime: Date;
  hits: number;
  maxConfidence: number;
  bestBbox: BBox;
  bestTime: Date;
}

/**
 * Centre-distance fallback when IoU fails (keyframes are ~1 s apart, people move about their own
 * height per second): a match within this many box sizes of the predicted centre, per second of
 * gap, capped at MAX_SHIFT_BOXES, for boxes of similar size.
 */
const SHIFT_BOXES_PER_SECOND = 1;
const MAX_SHIFT_BOXES = 2;
const MAX_SIZE_RATIO = 2;

const centre = (b: BBox): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
const extent = (b: BBox): number => Math.max(b[2] - b[0], b[3] - b[1], 1);

function predict(t: Track, dt: number): BBox {
  const dx = t.vx * dt;
  const dy = t.vy * dt;
  return [t.bbox[0] + dx, t.bbox[1] + dy, t.bbox[2] + dx, t.bbox[3] + dy];
}

/**
 * Affinity of a track to a detection of the same class, or 0 when they cannot be one object.
 * Any IoU match ranks above every centre-distance match.
 */
function affinity(t: Track, d: Detection, ts: Date, opts: TrackerOptions): number {
  if (t.label !== d.class) return 0;
  const dt = (ts.getTime() - t.lastTime.getTime()) / 1000;
  const predicted = predict(t, dt);
  const overlap = iou(predicted, d.bbox);
  if (overlap >= opts.iouThreshold && overlap > 0) return 1 + overlap;
  const size = extent(predicted);
  const ratio = extent(d.bbox) / size;
  if (ratio > MAX_SIZE_RATIO || ratio < 1 / MAX_SIZE_RATIO) return 0;
  const [px, py] = centre(predicted);
  const [dx, dy] = centre(d.bbox);
  const shift = Math.hypot(dx - px, dy - py) / size;
  const allowed = Math.min(MAX_SHIFT_BOXES, SHIFT_BOXES_PER_SECOND * Math.max(1, dt));
  return shift <= allowed ? 1 - shift / allowed / 2 : 0;
}

function summary(t: Track & { id: number }): TrackSummary {
  return {
    trackId: t.id, label: t.label, startTime: t.startTime, lastTime: t.lastTime, hits: t.hits,
    maxConfidence: t.maxConfidence, bestBbox: t.bestBbox, bestTime: t.bestTime,
  };
}

const isConfirmed = (t: Track): t is Track & { id: number } => t.id !== undefined;

/**
 * Per-camera IoU tracker with constant-velocity prediction and greedy association within a
 * class. Call update() with every analysed frame of the camera, in capture order (an empty list
 * when nothing was detected, so tracks can end).
 */
export class Tracker {
  private tracks: Track[] = [];
  // ids become event keys: starting at the creation time keeps them unique across restarts
  private nextId = Date.now();

  constructor(private readonly opts: TrackerOptions) {}

  update(ts: Date, detections: readonly Detection[]): TrackerUpdate {
    const ended = this.expire(ts);
    const pairs: { track: Track; det: number; score: number }[] = [];
    for (const track of this.tracks) {
      detections.forEach((d, det) => {
        const score = affinity(track, d, ts, this.opts);
        if (score > 0) pairs.push({ track, det, score });
      });
    }
    pairs.sort((a, b) => b.score - a.score);

    const trackOf = new Map<number, Track>();
    const taken = new Set<Track>();
    for (const { track, det } of pairs) {
      if (taken.has(track) || trackOf.has(det)) continue;
      taken.add(track);
      trackOf.set(det, track);
    }

    const improved: TrackSummary[] = [];
    const out = detections.map((d, i) => {
      let track = trackOf.get(i);
      let rose = false;
      if (track) rose = this.extend(track, d, ts);
      else this.tracks.push((track = this.start(d, ts)));
      if (track.id === undefined && track.hits >= this.opts.minHits) track.id = this.nextId++;
      if (!isConfirmed(track)) return { ...d };
      if (rose) improved.push(summary(track));
      return { ...d, track_id: track.id };
    });
    return { detections: out, ended, improved };
  }

  /** Ends every track (camera stopped, process shutting down); returns the confirmed ones. */
  flush(): TrackSummary[] {
    const confirmed = this.tracks.filter(isConfirmed).map(summary);
    this.tracks = [];
    return confirmed;
  }

  private expire(ts: Date): TrackSummary[] {
    const limit = ts.getTime() - this.opts.maxGapSeconds * 1000;
    const ended = this.tracks.filter((t) => t.lastTime.getTime() < limit);
    if (ended.length > 0) this.tracks = this.tracks.filter((t) => t.lastTime.getTime() >= limit);
    return ended.filter(isConfirmed).map(summary);
  }

  private start(d: Detection, ts: Date): Track {
    return {
      label: d.class, bbox: d.bbox, vx: 0, vy: 0, startTime: ts, lastTime: ts, hits: 1,
      maxConfidence: d.confidence, bestBbox: d.bbox, bestTime: ts,
    };
  }

  /** Adds a detection to a track; true when it raised the track's max confidence. */
  private extend(t: Track, d: Detection, ts: Date): boolean {
    const dt = (ts.getTime() - t.lastTime.getTime()) / 1000;
    if (dt > 0) {
      const [ox, oy] = centre(t.bbox);
      const [nx, ny] = centre(d.bbox);
      // the first step sets the velocity; later ones smooth it lightly against detector jitter
      // (on PETS09 at 1 fps, heavier smoothing lags turning walkers and doubles identity switches)
      const w = t.hits === 1 ? 1 : 0.8;
      t.vx = (1 - w) * t.vx + w * ((nx - ox) / dt);
      t.vy = (1 - w) * t.vy + w * ((ny - oy) / dt);
    }
    t.bbox = d.bbox;
    t.lastTime = ts;
    t.hits++;
    if (d.confidence <= t.maxConfidence) return false;
    t.maxConfidence = d.confidence;
    t.bestBbox = d.bbox;
    t.bestTime = ts;
    return true;
  }
}
