import type { Config } from '../config/schema.ts';
import type { BBox, Detection } from '../core/types.ts';
import type { DetectOptions, DetectResult } from './detectors/types.ts';
import type { DetectionFilter } from './filter.ts';
import { coveredShare, cropAround, insideShare, intersects } from './motion/crop.ts';
import { MotionDetector, type MotionOptions, type MotionResult } from './motion/detector.ts';
import type { Polygon } from './motion/mask.ts';
import type { FrameTag } from './pool.ts';
import { tileGrid, type TileOptions } from './tiles.ts';
import type { Tracker, TrackerUpdate } from './tracker.ts';

/** The `motion` configuration section: the motion model plus the gate's own settings. */
export interface MotionConfig extends MotionOptions {
  /** false: the detector runs on every full frame */
  enabled: boolean;
  /** objects held without motion are looked at again after this many frames */
  recheck_frames: number;
  /** analyse a square crop around the motion when it is smaller than max_crop_share of the frame */
  crop: boolean;
  crop_margin: number;
  crop_min_size: number;
  max_crop_share: number;
}

/** The detector (pool); the analyzer always tags a frame with its camera and capture time. */
export type DetectFn = (jpeg: Uint8Array, opts: DetectOptions | undefined, frame: Required<Pick<FrameTag, 'cameraId' | 'capturedAt'>>) => Promise<DetectResult>;

export interface CameraAnalyzerOptions {
  cameraId: string;
  /** the detector (pool), asked for every score down to the floor (see detectorFilter) */
  detect: DetectFn;
  motion: MotionConfig;
  /** motion masks of this camera, source pixels */
  mask?: readonly Polygon[];
  /** the camera's tracker: fed every detection down to the floor, returns confirmed tracks; coasts on frames the detector skips */
  tracker: Pick<Tracker, 'update' | 'forecast' | 'coast'>;
  /** reported classes and their thresholds */
  filter: DetectionFilter;
  /** detections from here up to their class threshold are `uncertain` (training data) */
  uncertainMin: number;
  /** a large analysed area is split into tiles near the model's input size (default: never) */
  tiles?: TileOptions;
  /** tracker-guided skipping of the detector (default: never) */
  coast?: CoastOptions;
}

export type CoastOptions = Config['detection']['coast'];

/**
 * A motion region is explained by the tracks when at least this share of it lies inside their
 * enlarged predicted boxes (measured at 1 fps on vtest material: at 0.8 almost no frame of a busy
 * scene is explained, since a walker's blob reaches past a box predicted a second ahead).
 */
const EXPLAINED_SHARE = 0.5;

export interface FrameInput {
  jpeg: Uint8Array;
  timestamp: Date;
  seq: number;
}

export type Ran = 'full' | 'crop' | 'none';

export interface FrameAnalysis {
  width: number;
  height: number;
  /** what goes to ai.detections: detections of confirmed tracks, with track_id */
  detections: Detection[];
  /** fresh detections scored in [uncertainMin, class threshold): candidates for training data */
  uncertain: Detection[];
  ended: TrackerUpdate['ended'];
  improved: TrackerUpdate['improved'];
  motion: { regions: BBox[]; ratio: number };
  ran: Ran;
  /** ran is 'none' because the tracks explain every motion region: detections are their predicted boxes */
  coasted?: true;
  /** the area analysed when ran is 'crop' */
  region?: BBox;
  /** a crop around still objects due for a recheck, analysed apart from the motion's `region` */
  recheck?: BBox;
  /**
   * the parts of the frame the detector ran on, one model run each, when it ran more than once:
   * a large area tiled, or a still object rechecked in its own crop apart from the motion's
   */
  tiles?: BBox[];
  /** why the detector ran (or did not), for logs and the bench */
  reason: string;
  inferenceMs: number;
}

/** Model runs the detector made on a frame: none, one, or one per tile or separate crop. */
export function modelRuns(a: Pick<FrameAnalysis, 'ran' | 'tiles'>): number {
  return a.ran === 'none' ? 0 : (a.tiles?.length ?? 1);
}

/** Detector settings for the pool behind an analyzer: every reported class down to `floor`. */
export function detectorFilter(filter: DetectionFilter, floor: number): DetectionFilter {
  return { ...filter, thresholds: {}, default_threshold: floor };
}

interface Held {
  det: Detection;
  /** frames since the detector last looked at it */
  unchecked: number;
}

/** A crop/full-frame decision: undefined area = do not run. */
interface Plan {
  ran: Ran;
  region?: BBox;
  recheck?: BBox;
  reason: string;
  /** what motion asks to look at; undefined: everything */
  targets?: BBox[];
}

/**
 * One camera's analysis: motion gate → detector (full frame or a crop around the motion) →
 * tracker. Objects of confirmed tracks where nothing moves are held at their last box (the
 * detector did not look there, so they have not gone) and looked at again every recheck_frames,
 * so a person standing still keeps their track and a static false positive is not re-found on
 * every frame. With `coast` on, a frame whose motion the confirmed tracks' predictions explain
 * skips the detector and the tracks coast (see mayCoast). Frames must come in capture order; one
 * analyze() at a time.
 */
export class CameraAnalyzer {
  private readonly motion: MotionDetector;
  private held: Held[] = [];
  /** confirmed tracks seen moving at least once */
  private readonly moved = new Set<number>();
  /** analysed frames since the detector last ran */
  private sinceDetector = 0;
  /** motion regions of the detector's last run that held no detection: clutter (shadows, reflections, flicker) it has just looked at */
  private clutter: BBox[] = [];

  constructor(private readonly opts: CameraAnalyzerOptions) {
    this.motion = new MotionDetector(opts.motion, opts.mask);
  }

  async analyze(frame: FrameInput): Promise<FrameAnalysis> {
    const { motion: cfg, filter } = this.opts;
    const motion = await this.motion.update(frame.jpeg, frame.timestamp.getTime());
    const coastReason = this.mayCoast(motion, frame.timestamp);
    if (coastReason) return this.coast(frame.timestamp, motion, coastReason);
    const { targets, ...plan } = this.plan(motion, cfg);
    const tiles = this.runsOf(plan, targets, motion);

    let fresh: Detection[] = [];
    let inferenceMs = 0;
    if (plan.ran !== 'none') {
      const opts = tiles ? { tiles } : plan.region ? { region: plan.region } : undefined;
      const result = await this.opts.detect(frame.jpeg, opts, { cameraId: this.opts.cameraId, capturedAt: frame.timestamp.getTime() });
      fresh = result.detections.filter((d) => filter.classes.includes(d.class));
      inferenceMs = result.inferenceMs;
    }
    // what the detector did not look at keeps its last box
    const looked = tiles ?? (plan.region ? [plan.region] : undefined);
    const kept = plan.ran === 'none' ? this.held : !looked ? [] : this.held.filter((h) => looked.every((a) => insideShare(h.det.bbox, a) < 0.5));
    const input = [...fresh, ...kept.map((h) => stripId(h.det))];
    const tracked = this.opts.tracker.update(frame.timestamp, input);
    this.sinceDetector = plan.ran === 'none' ? this.sinceDetector + 1 : 0;
    if (plan.ran !== 'none') this.clutter = motion.regions.filter((r) => !fresh.some((d) => intersects(r, d.bbox)));

    const keptBoxes = new Map(kept.map((h) => [key(h.det.bbox), h.unchecked + 1]));
    this.held = tracked.detections.map((det) => ({ det, unchecked: keptBoxes.get(key(det.bbox)) ?? 0 }));
    return {
      ...this.report(tracked, motion),
      uncertain: fresh.filter((d) => d.confidence >= this.opts.uncertainMin && d.confidence < classThreshold(filter, d.class)),
      ...plan, ...(tiles ? { tiles } : {}), inferenceMs,
    };
  }

  /**
   * Why the detector may skip this frame, or undefined: every motion region lies at least half inside the
   * enlarged predicted boxes of confirmed, followed tracks, or inside clutter the detector's last run
   * looked at and found nothing in; no followed track is unsure where it is; no track is still
   * tentative; no held object is due a look; and the detector ran within the last max_frames frames.
   * Anything else (new motion, the schedule, uncertainty) runs it. A lost track does not explain
   * motion and keeps ageing while the tracks coast.
   */
  private mayCoast(motion: MotionResult, ts: Date): string | undefined {
    const coast = this.opts.coast;
    if (!coast?.enabled || !this.opts.motion.enabled || motion.recalibrated || motion.regions.length === 0) return undefined;
    if (this.sinceDetector >= coast.max_frames) return undefined;
    if (this.held.some((h) => h.unchecked + 1 >= this.opts.motion.recheck_frames)) return undefined;
    const forecast = this.opts.tracker.forecast(ts);
    const followed = forecast.filter((t) => t.state === 'tracked');
    if (forecast.some((t) => t.trackId === undefined) || followed.some((t) => t.uncertainty > coast.max_uncertainty)) return undefined;
    const explaining = [...followed.map((t) => enlarge(t.box, coast.margin)), ...this.clutter];
    if (!motion.regions.every((r) => coveredShare(r, explaining) >= EXPLAINED_SHARE)) return undefined;
    return `motion in ${motion.regions.length} region(s) explained by ${followed.length} track(s)`;
  }

  /** A frame the detector skips: the tracks move on by their prediction and report it. */
  private coast(ts: Date, motion: MotionResult, reason: string): FrameAnalysis {
    const coasted = this.opts.tracker.coast(ts);
    const tracked = { ...coasted, detections: coasted.detections.map((d) => ({ ...d, bbox: this.onMotion(d.bbox, motion.regions, coasted.detections) })) };
    this.sinceDetector++;
    const unchecked = new Map(this.held.map((h) => [h.det.track_id, h.unchecked]));
    this.held = tracked.detections.map((det) => ({ det, unchecked: (unchecked.get(det.track_id) ?? 0) + 1 }));
    return { ...this.report(tracked, motion), uncertain: [], ran: 'none', coasted: true, reason, inferenceMs: 0 };
  }

  /**
   * A predicted box moved onto the motion it explains, when that is one region that no other
   * track's box reaches: at 1 fps the prediction is often off by half a person, the motion is not.
   */
  private onMotion(box: BBox, regions: readonly BBox[], all: readonly Detection[]): BBox {
    const margin = this.opts.coast!.margin;
    const area = enlarge(box, margin);
    const mine = regions.filter((r) => coveredShare(r, [area]) >= EXPLAINED_SHARE);
    if (mine.length !== 1) return box;
    const r = mine[0]!;
    if (all.some((d) => d.bbox !== box && intersects(enlarge(d.bbox, margin), r))) return box;
    const dx = (r[0] + r[2] - box[0] - box[2]) / 2;
    const dy = (r[1] + r[3] - box[1] - box[3]) / 2;
    return [box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy];
  }

  /** The frame's reported tracks: a track is reported once it has been seen moving, so static look-alikes (bins, posters) never are. */
  private report(tracked: TrackerUpdate, motion: MotionResult): Pick<FrameAnalysis, 'width' | 'height' | 'detections' | 'ended' | 'improved' | 'motion'> {
    for (const d of tracked.detections) if (this.moving(d, motion)) this.moved.add(d.track_id!);
    for (const t of tracked.ended) this.moved.delete(t.trackId);
    return {
      width: motion.width, height: motion.height,
      detections: tracked.detections.filter((d) => this.moved.has(d.track_id!)),
      ended: tracked.ended, improved: tracked.improved,
      motion: { regions: motion.regions, ratio: motion.ratio },
    };
  }

  /** The parts of the frame the detector runs on, when more than one: the plan's areas, each tiled when too large for one run. */
  private runsOf(plan: Omit<Plan, 'targets'>, targets: readonly BBox[] | undefined, motion: MotionResult): BBox[] | undefined {
    if (plan.ran === 'none') return undefined;
    const areas = [plan.region ?? [0, 0, motion.width, motion.height] as BBox, ...(plan.recheck ? [plan.recheck] : [])];
    const runs = areas.flatMap((a) => this.tilesOf(a, targets));
    return runs.length > 1 ? runs : undefined;
  }

  /** The model runs of `area`: its tiles when it is too large for one (only those holding a target, all without targets), else the area itself. */
  private tilesOf(area: BBox, targets: readonly BBox[] | undefined): BBox[] {
    const opts = this.opts.tiles;
    if (!opts?.enabled) return [area];
    const grid = tileGrid(area, opts);
    if (grid.length === 1) return grid;
    const wanted = targets ? grid.filter((t) => targets.some((b) => intersects(t, b))) : grid;
    return wanted.length > 0 ? wanted : grid;
  }

  /** Whether `d` overlaps motion (always when gating is off; never on a frame that relearnt the background). */
  private moving(d: Detection, motion: MotionResult): boolean {
    return !this.opts.motion.enabled || motion.regions.some((r) => intersects(r, d.bbox));
  }

  private plan(motion: MotionResult, cfg: MotionConfig): Plan {
    if (!cfg.enabled) return { ran: 'full', reason: 'motion gating off' };
    if (motion.recalibrated) return { ran: 'full', reason: 'background (re)learnt' };
    const due = this.held.filter((h) => h.unchecked + 1 >= cfg.recheck_frames).map((h) => h.det.bbox);
    if (motion.regions.length === 0 && due.length === 0) {
      return { ran: 'none', reason: this.held.length > 0 ? `no motion, ${this.held.length} still objects held` : 'no motion' };
    }
    // held objects the motion touches are looked at with it, so they move on instead of doubling
    const touched = this.held.map((h) => h.det.bbox).filter((b) => motion.regions.some((r) => intersects(r, b)));
    const targets = [...motion.regions, ...touched, ...due];
    const reason = motion.regions.length > 0 ? `motion in ${motion.regions.length} region(s)` : `recheck of ${due.length} still object(s)`;
    if (!cfg.crop) return { ran: 'full', reason, targets };
    const crop = (boxes: readonly BBox[]) => cropAround(boxes, motion.width, motion.height, { margin: cfg.crop_margin, minSize: cfg.crop_min_size, maxShare: cfg.max_crop_share });
    const region = crop(targets);
    const apart = motion.regions.length > 0 ? this.recheckApart([...motion.regions, ...touched], due, region, crop) : undefined;
    if (apart) return { ran: 'crop', ...apart, reason, targets };
    return region ? { ran: 'crop', region, reason, targets } : { ran: 'full', reason, targets };
  }

  /**
   * A still object due for a recheck far from the motion gets its own crop: joined with the
   * motion's, it would make that crop larger (or the full frame) and the moving people in it
   * smaller to the model (a parked car rechecked beside people 30 px tall shrank them 2× and lost
   * a third of them on those frames). One more model run, on recheck frames only; undefined when
   * one crop around everything is no larger than the motion's own.
   */
  private recheckApart(moving: readonly BBox[], due: readonly BBox[], joined: BBox | undefined, crop: (boxes: readonly BBox[]) => BBox | undefined): { region: BBox; recheck: BBox } | undefined {
    const region = crop(moving);
    if (!region || due.length === 0 || (joined && side(joined) <= side(region))) return undefined;
    const recheck = crop(due.filter((b) => insideShare(b, region) < 1));
    return recheck ? { region, recheck } : undefined;
  }
}

const classThreshold = (filter: DetectionFilter, label: string): number => filter.thresholds[label] ?? filter.default_threshold;

const key = (b: BBox): string => b.join(',');

const side = (b: BBox): number => Math.max(b[2] - b[0], b[3] - b[1]);

/** A held box fed back to the tracker: neither its id nor the predicted flag belong to a detection. */
function stripId(d: Detection): Detection {
  const { track_id: _, predicted: __, ...rest } = d;
  return rest;
}

/** `b` grown by `margin` of its width and height on each side. */
function enlarge(b: BBox, margin: number): BBox {
  const mx = margin * (b[2] - b[0]);
  const my = margin * (b[3] - b[1]);
  return [b[0] - mx, b[1] - my, b[2] + mx, b[3] + my];
}
