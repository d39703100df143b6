import type { DetectionFilter } from './filter.ts';
import type { DetectorModel, DetectorSettings } from './detectors/registry.ts';
import type { DetectOptions, DetectResult } from './detectors/types.ts';

/** Messages between the detector pool and its worker threads. */
export interface DetectorWorkerData {
  model: DetectorModel;
  settings?: DetectorSettings;
  filter: DetectionFilter;
  /** model inputs per call for a detector that batches (a tiled frame is one input per tile) */
  maxBatch: number;
}

export interface DetectFrame {
  jpeg: Uint8Array;
  opts?: DetectOptions;
}

/** One or more frames; more than one only to a worker that announced `batch`. */
export interface DetectJob {
  id: number;
  frames: DetectFrame[];
}

/** Per frame of a job, in order: its result or why it failed (a bad frame fails only itself). */
export type FrameOutcome = { result: DetectResult } | { error: string };

export type WorkerReply =
  /** `batch`: the worker's detector implements detectBatch */
  | { type: 'ready'; batch: boolean }
  | { type: 'done'; id: number; outcomes: FrameOutcome[] };
