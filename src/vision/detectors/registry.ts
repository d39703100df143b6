import type { DetectionFilter } from '../filter.ts';
import type { CenternetOnnxConfig } from './centernet-onnx.ts';
import type { OnnxDetectorConfig } from './onnx.ts';
import type { TritonDetectorConfig } from './triton.ts';
import type { Detector } from './types.ts';

/** Settings of the configurable detectors: the `detection.centernet_onnx` / `detection.onnx` / `detection.triton` config sections. */
export interface DetectorSettings {
  /** onnxruntime intra-op threads of each worker's session (centernet-onnx; onnx unless its section sets threads); default 1 */
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

/** `detection.onnx.threads` when set, else the pool's threads per worker. */
const withThreads = (onnx: OnnxDetectorConfig, threads?: number): OnnxDetectorConfig => ({ ...onnx, threads: onnx.threads ?? threads });

// each model's code is imported when it is loaded: a detector worker of one model does not carry
// the others' runtimes (tfjs for centernet takes ~15 MB in every thread that imports it)
const LOADERS = {
  centernet: async (filter) => (await import('./centernet.ts')).loadCenternet(filter),
  'centernet-onnx': async (filter, settings) => (await import('./centernet-onnx.ts')).loadCenternetOnnx(filter, settings.centernet_onnx, settings.threads),
  onnx: async (filter, settings) => (await import('./onnx.ts')).loadOnnxDetector(withThreads(section(settings, 'onnx'), settings.threads), filter),
  triton: async (filter, settings) => (await import('./triton.ts')).loadTritonDetector(section(settings, 'triton'), filter),
} satisfies Record<string, (filter: DetectionFilter, settings: DetectorSettings) => Promise<Detector>>;

/** Models selectable by `detection.model`. */
export type DetectorModel = keyof typeof LOADERS;

export function loadDetector(model: DetectorModel, filter: DetectionFilter, settings: DetectorSettings = {}): Promise<Detector> {
  return LOADERS[model](filter, settings);
}
