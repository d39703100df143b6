import os from 'node:os';
import type { Config } from '../config/schema.ts';
import { CameraAnalyzer, detectorFilter } from './analyzer.ts';
import type { DetectionFilter } from './filter.ts';
import type { Polygon } from './motion/mask.ts';
import { createDetectorPool, type DetectorPool, type DetectorPoolOptions } from './pool.ts';
import { Tracker, trackerOptions, type TrackerOptions } from './tracker.ts';

/** The reported classes and thresholds of the `detection` section. */
export function reportFilter(detection: Config['detection']): DetectionFilter {
  return { classes: detection.classes, thresholds: detection.thresholds, default_threshold: detection.default_threshold, nms_iou: detection.nms_iou };
}

/**
 * The detector pool behind the analyzers, from the configuration: the configured model, asked
 * for every score down to the floor (the analyzer applies the class thresholds). `extra` adds the
 * live-only settings (per-camera queues, deadline, batching).
 */
export function createAnalysisPool(config: Config, extra: Partial<DetectorPoolOptions> = {}): Promise<DetectorPool> {
  const { detection } = config;
  return createDetectorPool({
    model: detection.model,
    workers: detection.workers ?? os.availableParallelism(),
    settings: { centernet_onnx: detection.centernet_onnx, onnx: detection.onnx, triton: detection.triton },
    ...detectorFilter(reportFilter(detection), detection.score_floor),
    ...extra,
  });
}

/**
 * The tracker of a camera: a detection is reported only once its track is confirmed, so a class's
 * detection threshold must also hold for starting its tracks, or raising it would change nothing.
 */
export function cameraTrackerOptions(config: Config): TrackerOptions {
  const { detection } = config;
  const classStartThresholds = Object.fromEntries(detection.classes.map((c) => [c, detection.thresholds[c] ?? detection.default_threshold]));
  return { ...trackerOptions(config.tracking), classStartThresholds };
}

/**
 * One camera's analyzer (motion gate → pool → tracker → thresholds), as the inference role and
 * `vigil eval` run it. priority 'catchup': its frames use the pool's catch-up lane (recorded
 * frames analysed after the fact, only when no live frame waits).
 */
export function createCameraAnalyzer(config: Config, pool: DetectorPool, cameraId: string, mask?: readonly Polygon[], priority: 'live' | 'catchup' = 'live'): CameraAnalyzer {
  return new CameraAnalyzer({
    cameraId,
    detect: priority === 'live' ? pool.detect.bind(pool) : (jpeg, opts, frame) => pool.detect(jpeg, opts, { ...frame, priority }),
    motion: config.motion,
    mask,
    tracker: new Tracker(cameraTrackerOptions(config)),
    filter: reportFilter(config.detection),
    uncertainMin: config.detection.uncertain_min,
    tiles: config.detection.tiles,
    coast: config.detection.coast,
  });
}
