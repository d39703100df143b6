import type { Config } from '../config/schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import { cameraTrackerOptions, createAnalysisPool, createCameraAnalyzer } from '../vision/analysis-setup.ts';
import type { CameraAnalyzer } from '../vision/analyzer.ts';
import { startThreshold } from '../vision/tracker.ts';

/** The thresholds that decide what is reported, echoed in the eval JSON. */
export interface EffectiveThresholds {
  /** the detector is asked for every score down to this */
  score_floor: number;
  /** detection.thresholds, with default_threshold filled in for the other reported classes */
  class_thresholds: Record<string, number>;
  tracker: { high_threshold: number; low_threshold: number; new_track_threshold: number; min_hits: number };
  /**
   * per class: the score a detection needs to start a track, so to be reported at all (the higher of
   * its class threshold and tracking.new_track_threshold); a followed track goes on down to low_threshold
   */
  track_start: Record<string, { score: number; set_by: string }>;
}

export function effectiveThresholds(config: Config): EffectiveThresholds {
  const { detection, tracking } = config;
  const tracker = cameraTrackerOptions(config);
  const classThresholds = tracker.classStartThresholds ?? {};
  const trackStart: EffectiveThresholds['track_start'] = {};
  for (const cls of detection.classes) {
    const score = startThreshold(tracker, cls);
    const own = classThresholds[cls] ?? 0;
    trackStart[cls] = { score, set_by: own > tracking.new_track_threshold ? (cls in detection.thresholds ? `detection.thresholds.${cls}` : 'detection.default_threshold') : 'tracking.new_track_threshold' };
  }
  return {
    score_floor: detection.score_floor,
    class_thresholds: { ...classThresholds },
    tracker: { high_threshold: tracking.high_threshold, low_threshold: tracking.low_threshold, new_track_threshold: tracking.new_track_threshold, min_hits: tracking.min_hits },
    track_start: trackStart,
  };
}

export interface ProductAnalyzer {
  analyzer: CameraAnalyzer;
  workers: number;
  thresholds: EffectiveThresholds;
  close(): Promise<void>;
}

/**
 * The analysis the inference role runs on a camera (motion gate → detector pool → tracker →
 * thresholds), built from a configuration the same way (src/roles/inference.ts), without the
 * live-only parts (frame deadline, snapshots, training capture); `cameraId` picks that camera's
 * motion mask.
 */
export async function openProductAnalyzer(loaded: LoadedConfig, cameraId?: string): Promise<ProductAnalyzer> {
  const camera = cameraId === undefined ? undefined : loaded.cameras.find((c) => c.id === cameraId);
  if (cameraId !== undefined && !camera) throw new Error(`camera ${cameraId} is not in ${loaded.source}`);
  const pool = await createAnalysisPool(loaded.config);
  return {
    analyzer: createCameraAnalyzer(loaded.config, pool, cameraId ?? 'eval', camera?.motionMask),
    workers: pool.size,
    thresholds: effectiveThresholds(loaded.config),
    close: () => pool.close(),
  };
}
