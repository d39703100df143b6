import type { DetectionFilter } from './filter.ts';
import type { DetectorModel } from './detectors/registry.ts';
import type { DetectOptions, DetectResult } from './detectors/types.ts';

/** Messages between the detector pool and its worker threads. */
export interface DetectorWorkerData {
  model: DetectorModel;
  filter: DetectionFilter;
}

export interface DetectJob {
  id: number;
  jpeg: Uint8Array;
  opts?: DetectOptions;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: DetectResult }
  | { type: 'failed'; id: number; message: string };
