import type { LoadedConfig } from '../config/load.ts';
import { createAnalysisPool, createCameraAnalyzer } from '../vision/analysis-setup.ts';
import type { CameraAnalyzer } from '../vision/analyzer.ts';

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
  const { detection } = loaded.config;
  const camera = cameraId === undefined ? undefined : loaded.cameras.find((c) => c.id === cameraId);
  if (cameraId !== undefined && !camera) throw new Error(`camera ${cameraId} is not in ${loaded.source}`);
  const pool = await createAnalysisPool(loaded.config);
  return {
    analyzer: createCameraAnalyzer(loaded.config, pool, cameraId ?? 'eval', camera?.motionMask),
    workers: pool.size,
    thresholds: { default_threshold: detection.default_threshold, thresholds: detection.thresholds, score_floor: detection.score_floor },
    close: () => pool.close(),
  };
}
