import type { DetectionFilter } from '../filter.ts';
import { loadCenternet } from './centernet.ts';
import type { Detector } from './types.ts';

const LOADERS = {
  centernet: loadCenternet,
} satisfies Record<string, (filter: DetectionFilter) => Promise<Detector>>;

/** Models selectable by `detection.model`. */
export type DetectorModel = keyof typeof LOADERS;

export function loadDetector(model: DetectorModel, filter: DetectionFilter): Promise<Detector> {
  return LOADERS[model](filter);
}
