import type { DetectionFilter } from '../filter.ts';
import { loadCenternet } from './centernet.ts';
import { loadCenternetOnnx, type CenternetOnnxConfig } from './centernet-onnx.ts';
import { loadOnnxDetector, type OnnxDetectorConfig } from './onnx.ts';
import { loadTritonDetector, type TritonDetectorConfig } from './triton.ts';
import type { Detector } from './types.ts';

/** Settings of the configurable detectors: the `detection.centernet_onnx` / `detection.onnx` / `detection.triton` config sections. */
export interface DetectorSettings {
  centernet_onnx?: CenternetOnnxConfig;
  onnx?: OnnxDetectorConfig;
  triton?: TritonDetectorConfig;
}

function section<K extends keyof DetectorSettings>(settings: DetectorSettings, key: K): NonNullable<DetectorSettings[K]> {
  const value = settings[key];
  if (!value) throw new Error(`detection.model ${key} needs a detection.${key} section`);
  return value;
}

const LOADERS = {
  centernet: (filter) => loadCenternet(filter),
  'centernet-onnx': (filter, settings) => loadCenternetOnnx(filter, settings.centernet_onnx),
  onnx: (filter, settings) => loadOnnxDetector(section(settings, 'onnx'), filter),
  triton: (filter, settings) => loadTritonDetector(section(settings, 'triton'), filter),
} satisfies Record<string, (filter: DetectionFilter, settings: DetectorSettings) => Promise<Detector>>;

/** Models selectable by `detection.model`. */
export type DetectorModel = keyof typeof LOADERS;

export function loadDetector(model: DetectorModel, filter: DetectionFilter, settings: DetectorSettings = {}): Promise<Detector> {
  return LOADERS[model](filter, settings);
}
