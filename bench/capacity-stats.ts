import type { FrameAnalysis, Ran } from '../src/vision/analyzer.ts';
import { median as medianOf, percentile, round } from './detector.ts';

/** shares and per-frame ratios are reported to 3 decimals */
const share = (n: number): number => round(n, 3);

export interface RunStats {
  frames: number;
  detector_runs: Record<Ran, number>;
  /** model runs: one per full frame or crop, one per tile of a tiled one */
  model_runs: number;
  /** frames the detector (full frame or crop, any number of tiles) ran on, per analysed frame: the load-independent cost of a camera */
  detector_runs_per_frame: number;
  model_runs_per_frame: number;
  /** frames the detector skipped because the tracks explained the motion (among detector_runs.none) */
  coasted: number;
  /** median model time of a frame the detector ran on (all its tiles) */
  inference_ms_median: number | null;
  /** frames the detector did not run on: nothing moved, or the tracks explained what did (coasted) */
  skipped_share: number;
  /** mean share of the frame's source pixels the detector looked at (full frame 1, crop its area, none 0) */
  analysed_area_share: number;
  /** mean share of the frame a crop covered */
  crop_area_share: number | null;
}

/** What the tally needs of a FrameAnalysis. */
export type AnalysisOutline = Pick<FrameAnalysis, 'ran' | 'region' | 'width' | 'height'> & Partial<Pick<FrameAnalysis, 'tiles' | 'inferenceMs' | 'coasted'>>;

/** What the detector was asked about each analysed frame: the full frame, a crop, or nothing. */
export class RunTally {
  private frames = 0;
  private readonly runs: Record<Ran, number> = { full: 0, crop: 0, none: 0 };
  private area = 0;
  private cropArea = 0;
  private modelRuns = 0;
  private coasted = 0;
  private readonly inferenceMs: number[] = [];

  add(a: AnalysisOutline): void {
    this.frames++;
    this.runs[a.ran]++;
    if (a.coasted) this.coasted++;
    if (a.ran !== 'none') {
      this.modelRuns += a.tiles?.length ?? 1;
      if (a.inferenceMs !== undefined) this.inferenceMs.push(a.inferenceMs);
    }
    if (a.ran === 'full') this.area += 1;
    if (a.ran === 'crop' && a.region) {
      const [x1, y1, x2, y2] = a.region;
      const share = ((x2 - x1) * (y2 - y1)) / (a.width * a.height);
      this.area += share;
      this.cropArea += share;
    }
  }

  summary(): RunStats {
    const n = this.frames;
    return {
      frames: n,
      detector_runs: { ...this.runs },
      model_runs: this.modelRuns,
      detector_runs_per_frame: n > 0 ? share((this.runs.full + this.runs.crop) / n) : 0,
      model_runs_per_frame: n > 0 ? share(this.modelRuns / n) : 0,
      coasted: this.coasted,
      inference_ms_median: this.inferenceMs.length > 0 ? median(this.inferenceMs) : null,
      skipped_share: n > 0 ? share(this.runs.none / n) : 0,
      analysed_area_share: n > 0 ? share(this.area / n) : 0,
      crop_area_share: this.runs.crop > 0 ? share(this.cropArea / this.runs.crop) : null,
    };
  }
}

export type DropCause = 'lane' | 'queue_full' | 'stale';

export interface StepSummary {
  cameras: number;
  offered: number;
  analysed: number;
  /** lane: a newer frame of the camera pushed it out before analysis; queue_full / stale: the pool gave up on it */
  dropped: Record<DropCause, number>;
  dropped_share: number;
  failed: number;
  /** offered but neither analysed, dropped nor failed when the step was summarised */
  unfinished: number;
  /** offer → analysis done; thirds: frames offered in the first / last third of the step (growth = falling behind) */
  latency_ms: { p50: number; p95: number; p99: number; max: number; p50_first_third: number; p50_last_third: number } | null;
  runs: RunStats;
}

/** A step is sustainable when (almost) nothing is dropped and latency does not grow across it. */
export const MAX_DROPPED_SHARE = 0.01;
export const MAX_LATENCY_GROWTH_MS = 250;

export function sustainable(s: StepSummary): boolean {
  if (s.offered === 0 || s.dropped_share > MAX_DROPPED_SHARE) return false;
  return !s.latency_ms || s.latency_ms.p50_last_third - s.latency_ms.p50_first_third <= MAX_LATENCY_GROWTH_MS;
}

/**
 * The outcome of every frame offered during one measured step of the capacity bench. Outcomes
 * are attributed to the step the frame was offered in, even when they arrive after it ended.
 */
export class StepTally {
  private offered = 0;
  private analysed = 0;
  private failed = 0;
  private readonly dropped: Record<DropCause, number> = { lane: 0, queue_full: 0, stale: 0 };
  private readonly latencies: { offeredAt: number; ms: number }[] = [];
  private readonly runs = new RunTally();
  private lastOffer: number;

  constructor(readonly cameras: number, private readonly startedAt: number) {
    this.lastOffer = startedAt;
  }

  offer(at: number): void {
    this.offered++;
    this.lastOffer = Math.max(this.lastOffer, at);
  }

  done(offeredAt: number, finishedAt: number, analysis: AnalysisOutline): void {
    this.analysed++;
    this.latencies.push({ offeredAt, ms: finishedAt - offeredAt });
    this.runs.add(analysis);
  }

  drop(cause: DropCause): void {
    this.dropped[cause]++;
  }

  fail(): void {
    this.failed++;
  }

  summary(): StepSummary {
    const dropped = this.dropped.lane + this.dropped.queue_full + this.dropped.stale;
    return {
      cameras: this.cameras,
      offered: this.offered,
      analysed: this.analysed,
      dropped: { ...this.dropped },
      dropped_share: this.offered > 0 ? share(dropped / this.offered) : 0,
      failed: this.failed,
      unfinished: this.offered - this.analysed - dropped - this.failed,
      latency_ms: this.latencySummary(),
      runs: this.runs.summary(),
    };
  }

  private latencySummary(): StepSummary['latency_ms'] {
    if (this.latencies.length === 0) return null;
    const third = (this.lastOffer - this.startedAt) / 3;
    const p50Of = (keep: (offeredAt: number) => boolean): number => median(this.latencies.filter((l) => keep(l.offeredAt)).map((l) => l.ms));
    const all = this.latencies.map((l) => l.ms).sort((a, b) => a - b);
    return {
      p50: Math.round(percentile(all, 50)),
      p95: Math.round(percentile(all, 95)),
      p99: Math.round(percentile(all, 99)),
      max: Math.round(all[all.length - 1]!),
      p50_first_third: p50Of((t) => t < this.startedAt + third),
      p50_last_third: p50Of((t) => t >= this.lastOffer - third),
    };
  }
}

const median = (values: readonly number[]): number => medianOf(values, 0);
