import os from 'node:os';
import type { LoadedConfig } from '../config/load.ts';
import { CameraAnalyzer, detectorFilter } from '../vision/analyzer.ts';
import { createDetectorPool } from '../vision/pool.ts';
import { Tracker, trackerOptions } from '../vision/tracker.ts';

export interface ProductAnalyzer {
  analyzer: CameraAnalyzer;
  workers: number;
  /** the configured per-class thresholds and floor, echoed in the eval JSON */
  thresholds: { default_threshold: number; thresholds: Record<string, number>; score_floor: number };
  close(): Promise<void>;
}

/**
 * The analysis the inference role runs on a camera (motion gate → detector pool → tracker →
 * thresholds), built from a configuration the same way (src/roles/inference.ts), without the
 * live-only parts (frame deadline, snapshots, training capture); `cameraId` picks that camera's
 * motion mask.
 */
export async function openProductAnalyzer(loaded: LoadedConfig, cameraId?: string): Promise<ProductAnalyzer> {
  const { detection, motion, tracking } = loaded.config;
  const camera = cameraId === undefined ? undefined : loaded.cameras.find((c) => c.id === cameraId);
  if (cameraId !== undefined && !camera) throw new Error(`camera ${cameraId} is not in ${loaded.source}`);
  const filter = { classes: detection.classes, thresholds: detection.thresholds, default_threshold: detection.default_threshold, nms_iou: detection.nms_iou };
  const workers = detection.workers ?? os.availableParallelism();
  const pool = await createDetectorPool({ model: detection.model, settings: { onnx: detection.onnx, triton: detection.triton }, workers, ...detectorFilter(filter, detection.score_floor) });
  const analyzer = new CameraAnalyzer({
    cameraId: cameraId ?? 'eval',
    detect: (jpeg, opts, frame) => pool.detect(jpeg, opts, frame),
    motion,
    mask: camera?.motionMask,
    tracker: new Tracker(trackerOptions(tracking)),
    filter,
    uncertainMin: detection.uncertain_min,
  });
  return {
    analyzer, workers,
    thresholds: { default_threshold: detection.default_threshold, thresholds: detection.thresholds, score_floor: detection.score_floor },
    close: () => pool.close(),
  };
}
