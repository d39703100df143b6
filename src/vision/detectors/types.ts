import type { Detection } from '../../core/types.ts';

export interface DetectResult {
  /** source frame size; detection boxes are in its pixels */
  width: number;
  height: number;
  detections: Detection[];
  /** model execution time, without JPEG decoding */
  inferenceMs: number;
}

/** One loaded model; not safe for concurrent detect() calls on one instance (one per worker). */
export interface Detector {
  readonly model: string;
  detect(jpeg: Uint8Array): Promise<DetectResult>;
  dispose(): void;
}
