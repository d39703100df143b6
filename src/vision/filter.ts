/** Which detections are reported: the `detection` section of the config. */
export interface DetectionFilter {
  /** classes reported; others are dropped */
  classes: readonly string[];
  /** per-class minimum score */
  thresholds: Readonly<Record<string, number>>;
  /** minimum score of classes without their own threshold */
  default_threshold: number;
  /** IoU above which boxes of one class are merged */
  nms_iou: number;
}

export function passesFilter(filter: DetectionFilter, label: string, score: number): boolean {
  return filter.classes.includes(label) && score >= (filter.thresholds[label] ?? filter.default_threshold);
}
