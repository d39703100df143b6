import { writeFileSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.ts';
import { modelRuns } from '../vision/analyzer.ts';
import { analyseVideo, type VideoAnalysis } from './analyse-video.ts';
import { HeightTally } from './by-height.ts';
import { DetectionTally, matchFrame, type ScoredBox } from './detection-metrics.ts';
import { formatTracks, readTracks, type Frames, type GtBox, type TrackBox } from './mot-format.ts';
import { evaluateTracking } from './mot-metrics.ts';
import { openProductAnalyzer, type EffectiveThresholds } from './product-analyzer.ts';
import { openSequence, type Sequence, type SequenceOptions } from './sequence.ts';

export interface VideoRunOptions extends SequenceOptions {
  loaded: LoadedConfig;
  /** take this configured camera's motion mask */
  camera?: string;
  /** class scored (ground truth is of this class) */
  cls: string;
  onFrame?: (done: number, total: number) => void;
  /** where warnings go (default: stderr) */
  warn?: (message: string) => void;
}

const round = (n: number): number => Math.round(n * 10000) / 10000;
const SWEEP_STEP = 0.05;

type AnalysedRun = VideoAnalysis & { workers: number; thresholds: EffectiveThresholds };

/** Runs the product's analysis (motion gate → detector pool → tracker) over the sequence's frames. */
async function analyse(opts: VideoRunOptions, seq: Sequence): Promise<AnalysedRun> {
  const product = await openProductAnalyzer(opts.loaded, opts.camera);
  let run: VideoAnalysis;
  try {
    run = await analyseVideo({ video: opts.video!, frames: seq.frames, sequenceFps: seq.sequenceFps, analyzer: product.analyzer, onFrame: opts.onFrame });
  } finally {
    await product.close();
  }
  const warn = opts.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  if (run.missing.length > 0) {
    warn(`${opts.video} decoded ${run.frames.length + run.failed.length} of the ${seq.frames.length} frames the ground truth asks for (up to frame ${seq.lastFrame}); the people of the ${run.missing.length} missing frames count as missed`);
  }
  if (seq.size && run.size && (seq.size.width !== run.size.width || seq.size.height !== run.size.height)) {
    warn(`${opts.video} decodes at ${run.size.width}x${run.size.height}, the ground truth is for ${seq.size.width}x${seq.size.height}`);
  }
  return { ...run, workers: product.workers, thresholds: product.thresholds };
}

function runSummary(opts: SequenceOptions & { cls: string }, seq: Sequence, run?: VideoAnalysis) {
  const size = run?.size ?? seq.size;
  return {
    gt: opts.gt, gt_format: opts.gtFormat, video: opts.video, class: opts.cls, iou: 0.5, min_height: opts.minHeight,
    sequence_fps: seq.sequenceFps, sequence_fps_source: seq.sequenceFpsSource,
    fps: opts.fps ?? seq.sequenceFps,
    ...(size ? { resolution: `${size.width}x${size.height}` } : {}),
    ...(run ? { frames_analysed: run.frames.length, frames_expected: seq.frames.length, frames_missing: run.missing.length, frames_failed: run.failed.length, failures: run.failed.slice(0, 10) } : {}),
    // model runs (a tiled frame is several), and separately what was analysed of each frame
    ...(run ? { detector_runs: run.frames.reduce((n, f) => n + modelRuns(f.analysis), 0), frames_by_plan: countBy(run.frames.map((f) => f.analysis.ran)), frames_coasted: run.frames.filter((f) => f.analysis.coasted).length } : {}),
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The reported boxes of the scored class, per analysed frame, with their track ids. */
function reportedBoxes(run: VideoAnalysis, cls: string): Frames<TrackBox> {
  return new Map(run.frames.map(({ frame, analysis }) => [frame, analysis.detections
    .filter((d) => d.class === cls && d.track_id !== undefined)
    .map((d) => ({ id: d.track_id!, bbox: d.bbox, score: d.confidence }))]));
}

/**
 * What is scored: the boxes of a result file (`saved`), on the sequence's frames plus any frame
 * the file has boxes on (false positives) unless --fps picked the frames; else the product's
 * reported boxes, written to `saveTo` when given. Every frame of the sequence is scored: one the
 * video lacks or the analyzer failed on has its people missed.
 */
async function predictions(opts: VideoRunOptions, seq: Sequence, saved: string | undefined, saveTo: string | undefined): Promise<{ predicted: Frames<TrackBox>; frames: number[]; run?: AnalysedRun }> {
  if (saved) {
    const predicted = readTracks(saved);
    return { predicted, frames: opts.fps ? seq.frames : [...new Set([...seq.frames, ...predicted.keys()])].sort((a, b) => a - b) };
  }
  const run = await analyse(opts, seq);
  const predicted = reportedBoxes(run, opts.cls);
  if (saveTo) writeFileSync(saveTo, formatTracks(predicted));
  return { predicted, frames: seq.frames, run };
}

/**
 * Detections scored against the ground truth on every given frame: a frame without detections
 * (not decoded, or the analyzer failed on it) has its people counted as missed.
 */
export function scoreDetections(gt: Frames<GtBox>, reported: Frames<ScoredBox>, frames: readonly number[]): { tally: DetectionTally; heights: HeightTally } {
  const tally = new DetectionTally();
  const heights = new HeightTally();
  for (const frame of frames) {
    const truth = gt.get(frame) ?? [];
    const m = matchFrame(truth, reported.get(frame) ?? []);
    tally.add(m);
    heights.add(truth, m.found);
  }
  return { tally, heights };
}

export interface DetectRunOptions extends VideoRunOptions {
  /** score these detections (MOT format with scores, from --save-detections) instead of running the analysis */
  detections?: string;
  /** write the reported detections in MOT format */
  saveDetections?: string;
}

/**
 * `vigil eval detect`: the detections the product reports (the analyzer's FrameAnalysis.detections,
 * which the inference role publishes to ai.detections) scored against the ground truth, frame by frame.
 * The sweep and AP50 rank those same reported detections by score: they show what raising a
 * threshold would give (to see lower thresholds, lower them in the configuration).
 */
export async function evalDetect(opts: DetectRunOptions) {
  const seq = openSequence(opts);
  const { predicted, frames, run } = await predictions(opts, seq, opts.detections, opts.saveDetections);
  const { tally, heights } = scoreDetections(seq.gt, predicted, frames);
  const all = tally.at(0);
  const sweep: { threshold: number; precision: number; recall: number; tp: number; fp: number }[] = [];
  for (let t = 0; t <= 1 + 1e-9; t += SWEEP_STEP) {
    const p = tally.at(round(t));
    if (p.tp + p.fp === 0) break;
    // thresholds below every reported score repeat the first line: keep only the highest of them
    if (sweep.length === 1 && sweep[0]!.tp === p.tp && sweep[0]!.fp === p.fp) sweep.pop();
    sweep.push({ threshold: p.threshold, precision: round(p.precision), recall: round(p.recall), tp: p.tp, fp: p.fp });
  }
  return {
    command: 'detect',
    ...runSummary(opts, seq, run),
    ...(run ? { workers: run.workers, thresholds: run.thresholds } : { detections: opts.detections, frames_scored: frames.length }),
    precision: round(all.precision), recall: round(all.recall), ap50: round(tally.averagePrecision()),
    tp: all.tp, fp: all.fp, fn: all.fn, ignored_detections: tally.ignored,
    by_height: heights.report(),
    sweep,
  };
}

export interface TrackRunOptions extends VideoRunOptions {
  /** score this tracker output (MOTChallenge result file) instead of running the analysis */
  tracks?: string;
  /** write the analysed tracks as a MOTChallenge result file */
  saveTracks?: string;
}

/**
 * `vigil eval track`: MOT metrics of the product's tracks (the reported detections that carry a
 * track_id), or of a given result file.
 */
export async function evalTrack(opts: TrackRunOptions) {
  const seq = openSequence(opts);
  const { predicted, frames, run } = await predictions(opts, seq, opts.tracks, opts.saveTracks);
  const m = evaluateTracking(seq.gt, predicted, { frames });
  const rounded = { ...m };
  for (const k of Object.keys(rounded) as (keyof typeof m)[]) rounded[k] = round(rounded[k]);
  return {
    command: 'track',
    ...runSummary(opts, seq, run),
    ...(opts.tracks ? { tracks: opts.tracks, frames_scored: frames.length } : { workers: run!.workers, thresholds: run!.thresholds }),
    ...rounded,
    motp: rounded.motp_iou,
    motp_definition: 'motp = motp_iou: mean IoU of matched pairs (MOTChallenge devkit, which prints it ×100); py-motmetrics reports motp_distance = 1 − motp_iou',
  };
}
