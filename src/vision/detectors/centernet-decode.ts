import type { Detection } from '../../core/types.ts';
import { cocoLabel } from '../coco.ts';
import { passesFilter, type DetectionFilter } from '../filter.ts';
import { reportedDetection, toFrameBox, type ModelInput } from '../frame-input.ts';
import { area } from '../../core/geometry.ts';
import { nmsPerClass } from '../nms.ts';

/** centernet's `tower_0/detections` output is [1, K, 6]: x1, y1, x2, y2 (input pixels), score, class id. */
export const CENTERNET_ROW = 6;

/**
 * Turns centernet's top-K rows into source-frame detections: filtered by class and per-class
 * threshold, mapped out of the letterbox (and the crop region), boxes falling in the padding dropped, then per-class NMS
 * (the model's own peak picking leaves near-duplicate boxes on large objects).
 */
export function decodeCenternet(rows: ArrayLike<number>, input: Pick<ModelInput, 'lb' | 'offsetX' | 'offsetY'>, filter: DetectionFilter): Detection[] {
  const found: Detection[] = [];
  for (let i = 0; i + CENTERNET_ROW <= rows.length; i += CENTERNET_ROW) {
    const score = rows[i + 4]!;
    const label = cocoLabel(rows[i + 5]!);
    if (label === undefined || !passesFilter(filter, label, score)) continue;
    const bbox = toFrameBox(input, [rows[i]!, rows[i + 1]!, rows[i + 2]!, rows[i + 3]!]);
    if (area(bbox) <= 0) continue;
    found.push(reportedDetection(label, score, bbox));
  }
  return nmsPerClass(found, filter.nms_iou);
}
