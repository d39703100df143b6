import { writeFileSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.ts';
import { analyseVideo, type VideoAnalysis } from './analyse-video.ts';
import { DetectionTally, matchFrame } from './detection-metrics.ts';
import { formatTracks, readTracks, type Frames, type TrackBox } from './mot-format.ts';
import { evaluateTracking } from './mot-metrics.ts';
import { openProductAnalyzer } from './product-analyzer.ts';
import { openSequence, type Sequence, type SequenceOptions } from './sequence.ts';

export interface VideoRunOptions extends SequenceOptions {
  loaded: LoadedConfig;
  /** take this configured camera's motion mask */
  camera?: string;
  /** class scored (ground truth is of this class) */
  cls: string;
  onFrame?: (done: number, total: number) => void;
}

const round = (n: number): number => Math.round(n * 10000) / 10000;
const SWEEP_STEP = 0.05;

/** Runs the product's analysis (motion gate → detector pool → tracker) over the sequence's frames. */
async function analyse(opts: VideoRunOptions, seq: Sequence): Promise<VideoAnalysis & { workers: number; thresholds: object }> {
  const product = await openProductAnalyzer(opts.loaded, opts.camera);
  try {
    const run = await analyseVideo({ video: opts.video!, frames: seq.frames, sequenceFps: seq.sequenceFps, analyzer: product.analyzer, onFrame: opts.onFrame });
    return { ...run, workers: product.workers, thresholds: product.thresholds };
  } finally {
    await product.close();
  }
}

function runSummary(opts: SequenceOptions & { cls: string }, seq: Sequence, run?: VideoAnalysis) {
  return {
    gt: opts.gt, gt_format: opts.gtFormat, video: opts.video, class: opts.cls, iou: 0.5, min_height: opts.minHeight,
    sequence_fps: seq.sequenceFps, sequence_fps_source: seq.sequenceFpsSource,
    fps: opts.fps ?? seq.sequenceFps,
    ...(run ? { frames_analysed: run.frames.length, frames_expected: seq.frames.length, frames_failed: run.failed.length, failures: run.failed.slice(0, 10) } : {}),
    ...(run ? { detector_runs: countBy(run.frames.map((f) => f.analysis.ran)) } : {}),
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/**
 * `vigil eval detect`: the detections the product reports (the analyzer's FrameAnalysis.detections,
 * which the inference role publishes to ai.detections) scored against the ground truth, frame by frame.
 * The sweep and AP50 rank those same reported detections by score: they show what raising a
 * threshold would give (to see lower thresholds, lower them in the configuration).
 */
export async function evalDetect(opts: VideoRunOptions) {
  const seq = openSequence(opts);
  const run = await analyse(opts, seq);
  const tally = new DetectionTally();
  for (const { frame, analysis } of run.frames) {
    const reported = analysis.detections.filter((d) => d.class === opts.cls).map((d) => ({ bbox: d.bbox, score: d.confidence }));
    tally.add(matchFrame(seq.gt.get(frame) ?? [], reported));
  }
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
    workers: run.workers,
    thresholds: run.thresholds,
    precision: round(all.precision), recall: round(all.recall), ap50: round(tally.averagePrecision()),
    tp: all.tp, fp: all.fp, fn: all.fn, ignored_detections: tally.ignored,
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
  let predicted: Frames<TrackBox>;
  let run: (VideoAnalysis & { workers: number; thresholds: object }) | undefined;
  let frames = seq.frames;
  if (opts.tracks) {
    predicted = readTracks(opts.tracks);
    if (!opts.fps) frames = [...new Set([...seq.frames, ...predicted.keys()])].sort((a, b) => a - b);
  } else {
    run = await analyse(opts, seq);
    predicted = new Map();
    for (const { frame, analysis } of run.frames) {
      const boxes = analysis.detections
        .filter((d) => d.class === opts.cls && d.track_id !== undefined)
        .map((d) => ({ id: d.track_id!, bbox: d.bbox, score: d.confidence }));
      predicted.set(frame, boxes);
    }
    frames = run.frames.map((f) => f.frame);
    if (opts.saveTracks) writeFileSync(opts.saveTracks, formatTracks(predicted));
  }
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
