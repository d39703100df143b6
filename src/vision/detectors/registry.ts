import type { DetectionFilter } from '../filter.ts';
import type { CenternetOnnxConfig } from './centernet-onnx.ts';
import type { OnnxDetectorConfig } from './onnx.ts';
import type { TritonDetectorConfig } from './triton.ts';
import type { Detector } from './types.ts';

/** Settings of the configurable detectors: the `detection.centernet_onnx` / `detection.onnx` / `detection.triton` config sections. */
export interface DetectorSettings {
  /**
   * centernet-onnx: onnxruntime intra-op threads of each worker's session (default 1). One worker
   * with two threads measured about half the frames per second of two workers with one (the
   * detector bench, pool shapes 1x2 and 2), so parallelism stays one model per worker.
   */
  threads?: number;
  centernet_onnx?: CenternetOnnxConfig;
  onnx?: OnnxDetectorConfig;
  triton?: TritonDetectorConfig;
}

function section<K extends keyof DetectorSettings>(settings: DetectorSettings, key: K): NonNullable<DetectorSettings[K]> {
  const value = settings[key];
  if (!value) throw new Error(`detection.model ${key} needs a detection.${key} section`);
  return value;
}

// each model's code is imported when it is loaded: a detector worker of one model does not carry
// the others' runtimes (tfjs for centernet takes ~15 MB in every thread that imports it)
const LOADERS = {
  centernet: async (filter) => (await import('./centernet.ts')).loadCenternet(filter),
  'centernet-onnx': async (filter, settings) => (await import('./centernet-onnx.ts')).loadCenternetOnnx(filter, settings.centernet_onnx, settings.threads),
  onnx: async (filter, settings) => (await import('./onnx.ts')).loadOnnxDetector(section(settings, 'onnx'), filter),
  triton: async (filter, settings) => (await import('./triton.ts')).loadTritonDetector(section(settings, 'triton'), filter),
} satisfies Record<string, (filter: DetectionFilter, settings: DetectorSettings) => Promise<Detector>>;

/** Models selectable by `detection.model`. */
export type DetectorModel = keyof typeof LOADERS;

export function loadDetector(model: DetectorModel, filter: DetectionFilter, settings: DetectorSettings = {}): Promise<Detector> {
  return LOADERS[model](filter, settings);
}
