import { configSchema, type Config } from '../config/schema.ts';
import type { BBox, Detection } from '../core/types.ts';
import { solveAssignment } from './assignment.ts';
import { BoxKalman, DEFAULT_BOX_NOISE, type BoxNoise } from './kalman.ts';
import { iou } from '../core/geometry.ts';

/**
 * ByteTrack (Zhang et al. 2022) for surveillance cadence: frames at 7 fps, 1 fps keyframes or
 * irregular gaps. Differences from the paper: a continuous-time Kalman filter (kalman.ts), the
 * lost-track budget in seconds and frame intervals, association only within a class, and IoU
 * computed on boxes widened by the filter's position uncertainty (so a new track whose velocity
 * is still unknown can be confirmed at 1 fps, where a walker moves more than its width).
 *
 * Contract (inference role, analytics):
 * - call update() with every analysed frame of the camera in capture order, with ALL detections
 *   down to lowThreshold (an empty list when nothing was seen, so tracks can end);
 * - it returns only detections that belong to confirmed tracks, each with its track_id (the
 *   detector's own box and score); what is published is the caller's decision;
 * - `ended` lists confirmed tracks that died (lost longer than the budget), `improved` confirmed
 *   tracks whose best score rose this frame (refresh the snapshot); flush() ends all;
 * - on a frame the detector skipped because the tracks explain what moved, call coast() instead:
 *   tracks move on by their prediction and are not missed (see forecast() to decide whether to);
 * - ids start at the creation time in ms, so they stay unique across restarts.
 */
export interface TrackerOptions {
  /** detections at or above this score take part in the first association and can start tracks */
  highThreshold: number;
  /** detections between this and highThreshold only continue existing tracks (second association) */
  lowThreshold: number;
  /** a high detection left unmatched starts a track only at or above this score */
  newTrackThreshold: number;
  /** per class: a higher start score than newTrackThreshold (the class's detection threshold) */
  classStartThresholds?: Readonly<Record<string, number>>;
  /** minimum IoU of the first association (high detections vs every track) */
  matchIou: number;
  /** minimum IoU of the second association (low detections vs tracks matched last frame) */
  lowMatchIou: number;
  /** consecutive frames with a detection before a track is confirmed (gets an id) */
  minHits: number;
  /**
   * an unmatched detection from here up to newTrackThreshold starts a tentative track that is
   * confirmed only after weakTrackHits consecutive matches (the tracker confirms what one frame's
   * score cannot); at or above newTrackThreshold: off
   */
  weakTrackThreshold: number;
  weakTrackHits: number;
  /** a lost track dies after max(lostSeconds, lostFrames × the camera's frame interval) */
  lostSeconds: number;
  lostFrames: number;
  /** Kalman noise (defaults tuned on PETS09) */
  noise?: BoxNoise;
}

/** The `tracking` section's defaults (schema.ts), for trackers built without a configuration. */
export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = trackerOptions(configSchema.parse({}).tracking);

/** Tracker options from the `tracking` configuration section. */
export function trackerOptions(c: Config['tracking']): TrackerOptions {
  return {
    highThreshold: c.high_threshold, lowThreshold: c.low_threshold, newTrackThreshold: c.new_track_threshold,
    matchIou: c.match_iou, lowMatchIou: c.low_match_iou, minHits: c.min_hits,
    weakTrackThreshold: c.weak_track_threshold, weakTrackHits: c.weak_track_hits, lostSeconds: c.lost_seconds, lostFrames: c.lost_frames,
  };
}

/** The score an unmatched detection of `label` needs to start a track: the higher of the two settings. */
export function startThreshold(opts: Pick<TrackerOptions, 'newTrackThreshold' | 'classStartThresholds'>, label: string): number {
  return Math.max(opts.newTrackThreshold, opts.classStartThresholds?.[label] ?? 0);
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

/** Where a track is expected at a given time, and how sure the filter is of it. */
export interface TrackForecast {
  /** undefined for a tentative track */
  trackId?: number;
  state: State;
  label: string;
  box: BBox;
  /** standard deviation of the predicted centre (the larger axis), in box heights */
  uncertainty: number;
}

export interface TrackerUpdate {
  /** detections of confirmed tracks, each with its track_id */
  detections: Detection[];
  /** confirmed tracks that died this frame */
  ended: TrackSummary[];
  /** confirmed tracks whose max confidence rose this frame: their snapshot should be refreshed */
  improved: TrackSummary[];
}

type State = 'tentative' | 'tracked' | 'lost';

interface Track {
  id?: number;
  state: State;
  label: string;
  kalman: BoxKalman;
  /** time the Kalman state refers to */
  stateTime: Date;
  startTime: Date;
  lastTime: Date;
  hits: number;
  /** hits before it is confirmed: minHits, or weakTrackHits for a track born of a weak detection */
  needHits: number;
  maxConfidence: number;
  /** score of the last detection: what a predicted box of the track reports */
  lastConfidence: number;
  bestBbox: BBox;
  bestTime: Date;
}

/** How many excess position standard deviations of centre offset trackIou forgives. */
const UNCERTAINTY_SIGMAS = 0.75;

const isConfirmed = (t: Track): t is Track & { id: number } => t.id !== undefined;

function summary(t: Track & { id: number }): TrackSummary {
  return {
    trackId: t.id, label: t.label, startTime: t.startTime, lastTime: t.lastTime, hits: t.hits,
    maxConfidence: t.maxConfidence, bestBbox: t.bestBbox, bestTime: t.bestTime,
  };
}

/**
 * IoU of a detection with a track's predicted box, forgiving the part of the centre offset that
 * the filter's position uncertainty (beyond measurement noise) explains: the detection is moved
 * towards the prediction by up to UNCERTAINTY_SIGMAS excess standard deviations per axis. Sizes
 * must still agree; a well-followed track gets plain IoU.
 */
function trackIou(t: Track, d: BBox, noise: BoxNoise): number {
  const p = t.kalman.box();
  const [sx, sy] = t.kalman.centreStd();
  const floor = 2 * noise.measure * (p[3] - p[1]);
  const pull = (offset: number, std: number): number => {
    const slack = UNCERTAINTY_SIGMAS * Math.max(0, std - floor);
    return Math.sign(offset) * Math.min(Math.abs(offset), slack);
  };
  const dx = pull((p[0] + p[2] - d[0] - d[2]) / 2, sx);
  const dy = pull((p[1] + p[3] - d[1] - d[3]) / 2, sy);
  return iou(p, [d[0] + dx, d[1] + dy, d[2] + dx, d[3] + dy]);
}

/** Per-camera multi-object tracker; see the contract above. */
export class Tracker {
  private tracks: Track[] = [];
  // ids become event keys: starting at the creation time keeps them unique across restarts
  private nextId = Date.now();
  private lastUpdate?: Date;
  /** smoothed seconds between updates: the camera's analysis interval */
  private interval?: number;
  private readonly opts: TrackerOptions;
  private readonly noise: BoxNoise;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
    this.noise = this.opts.noise ?? DEFAULT_BOX_NOISE;
  }

  update(ts: Date, detections: readonly Detection[]): TrackerUpdate {
    this.advanceTo(ts);
    const { highThreshold, lowThreshold } = this.opts;
    const high = detections.filter((d) => d.confidence >= highThreshold);
    const low = detections.filter((d) => d.confidence >= lowThreshold && d.confidence < highThreshold);
    const reported: Detection[] = [];
    const improved: TrackSummary[] = [];
    const matchedTracks = new Set<Track>();
    const continueTrack = (t: Track, d: Detection): void => {
      matchedTracks.add(t);
      const rose = this.extend(t, d, ts);
      if (!isConfirmed(t)) return;
      reported.push({ ...d, track_id: t.id });
      if (rose) improved.push(summary(t));
    };

    // 1. high detections vs every confirmed track, tracked or lost
    const confirmed = this.tracks.filter((t) => t.state !== 'tentative');
    const first = this.associate(confirmed, high, this.opts.matchIou);
    for (const [ti, di] of first.matches) continueTrack(confirmed[ti]!, high[di]!);
    // 2. low detections vs tracks that were being followed (a lost track is not revived by one)
    const followed = first.unmatchedRows.map((i) => confirmed[i]!).filter((t) => t.state === 'tracked');
    const second = this.associate(followed, low, this.opts.lowMatchIou);
    for (const [ti, di] of second.matches) continueTrack(followed[ti]!, low[di]!);
    // 3. remaining high detections (and weak ones, when they may start tracks) vs tentative tracks
    const { weakTrackThreshold, newTrackThreshold } = this.opts;
    const weak = weakTrackThreshold < newTrackThreshold ? second.unmatchedCols.map((i) => low[i]!).filter((d) => d.confidence >= weakTrackThreshold) : [];
    const left = [...first.unmatchedCols.map((i) => high[i]!), ...weak];
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const third = this.associate(tentative, left, this.opts.matchIou);
    for (const [ti, di] of third.matches) continueTrack(tentative[ti]!, left[di]!);
    // 4. births
    // weak births (when on) may start below a class's own start score; otherwise that score decides
    const birthFloor = (cls: string) => (weakTrackThreshold < newTrackThreshold ? Math.min(weakTrackThreshold, startThreshold(this.opts, cls)) : startThreshold(this.opts, cls));
    const births = third.unmatchedCols.map((i) => left[i]!).filter((d) => d.confidence >= birthFloor(d.class));

    const ended = this.missUnmatched(ts, matchedTracks);
    for (const d of births) {
      const t = this.start(d, ts);
      this.tracks.push(t);
      if (isConfirmed(t)) reported.push({ ...d, track_id: t.id });
    }
    return { detections: reported, ended, improved };
  }

  /**
   * Every track's box and uncertainty at `ts` (≥ the last update), without changing any: what the
   * caller needs to decide whether the detector may skip this frame.
   */
  forecast(ts: Date): TrackForecast[] {
    return this.tracks.map((t) => {
      const { box, centreStd } = t.kalman.peek((ts.getTime() - t.stateTime.getTime()) / 1000);
      return { ...(isConfirmed(t) ? { trackId: t.id } : {}), state: t.state, label: t.label, box, uncertainty: Math.max(...centreStd) / Math.max(box[3] - box[1], 1) };
    });
  }

  /**
   * A frame the detector did not look at because the tracks explain it: every track moves on by
   * its prediction (its uncertainty grows) and none is missed, so none dies or loses its id for it;
   * a track lost before still ages out. Returns the confirmed followed tracks' predicted boxes,
   * flagged `predicted`, with their last score.
   */
  coast(ts: Date): TrackerUpdate {
    this.advanceTo(ts);
    const reported: Detection[] = [];
    for (const t of this.tracks) {
      if (t.state !== 'tracked') continue;
      t.lastTime = ts;
      if (isConfirmed(t)) reported.push({ class: t.label, confidence: t.lastConfidence, bbox: t.kalman.box(), track_id: t.id, predicted: true });
    }
    return { detections: reported, ended: this.missUnmatched(ts, new Set(this.tracks.filter((t) => t.state !== 'lost'))), improved: [] };
  }

  /** Ends every track (camera stopped, process shutting down); returns the confirmed ones. */
  flush(): TrackSummary[] {
    const confirmed = this.tracks.filter(isConfirmed).map(summary);
    this.tracks = [];
    return confirmed;
  }

  /** Optimal IoU matching within each class; pairs below minIou are never matched. */
  private associate(tracks: readonly Track[], dets: readonly Detection[], minIou: number) {
    const cost = tracks.map((t) => {
      return dets.map((d) => (d.class === t.label ? 1 - trackIou(t, d.bbox, this.noise) : Infinity));
    });
    // rows = tracks; an empty track list still has to report every detection unmatched
    if (tracks.length === 0) return { matches: [], unmatchedRows: [], unmatchedCols: dets.map((_, i) => i) };
    return solveAssignment(cost, 1 - minIou);
  }

  /** Moves every track's filter to `ts` and notes the camera's frame interval. */
  private advanceTo(ts: Date): void {
    this.observeInterval(ts);
    for (const t of this.tracks) {
      t.kalman.predict((ts.getTime() - t.stateTime.getTime()) / 1000);
      t.stateTime = ts;
    }
  }

  /** Tracks not in `seen`: tentative ones die at once, followed ones become lost, lost ones age out (returned when confirmed). */
  private missUnmatched(ts: Date, seen: ReadonlySet<Track>): TrackSummary[] {
    const budget = Math.max(this.opts.lostSeconds, this.opts.lostFrames * (this.interval ?? 0)) * 1000;
    const ended: TrackSummary[] = [];
    this.tracks = this.tracks.filter((t) => {
      if (seen.has(t)) return true;
      if (t.state === 'tentative') return false;
      if (t.state === 'tracked') {
        t.state = 'lost';
        t.kalman.freezeSize();
      }
      if (ts.getTime() - t.lastTime.getTime() <= budget) return true;
      if (isConfirmed(t)) ended.push(summary(t));
      return false;
    });
    return ended;
  }

  private observeInterval(ts: Date): void {
    if (this.lastUpdate) {
      const dt = (ts.getTime() - this.lastUpdate.getTime()) / 1000;
      if (dt > 0) this.interval = this.interval === undefined ? dt : 0.8 * this.interval + 0.2 * dt;
    }
    this.lastUpdate = ts;
  }

  private start(d: Detection, ts: Date): Track {
    const t: Track = {
      state: 'tentative', label: d.class, kalman: new BoxKalman(d.bbox, this.noise), stateTime: ts, startTime: ts,
      lastTime: ts, hits: 1, needHits: d.confidence >= this.opts.newTrackThreshold ? this.opts.minHits : Math.max(this.opts.minHits, this.opts.weakTrackHits), maxConfidence: d.confidence, lastConfidence: d.confidence, bestBbox: d.bbox, bestTime: ts,
    };
    this.confirmIfDue(t);
    return t;
  }

  /** Adds a detection to a track; true when it raised the track's max confidence. */
  private extend(t: Track, d: Detection, ts: Date): boolean {
    t.kalman.update(d.bbox);
    t.lastTime = ts;
    t.hits++;
    t.lastConfidence = d.confidence;
    if (t.state !== 'tentative') t.state = 'tracked';
    this.confirmIfDue(t);
    if (d.confidence <= t.maxConfidence) return false;
    t.maxConfidence = d.confidence;
    t.bestBbox = d.bbox;
    t.bestTime = ts;
    return true;
  }

  private confirmIfDue(t: Track): void {
    if (t.state !== 'tentative' || t.hits < t.needHits) return;
    t.state = 'tracked';
    t.id = this.nextId++;
  }
}
