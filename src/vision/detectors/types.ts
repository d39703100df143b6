import type { BBox, Detection } from '../../core/types.ts';
import type { FrameImage } from '../frame-input.ts';

export interface DetectResult {
  /** source frame size; detection boxes are in its pixels */
  width: number;
  height: number;
  detections: Detection[];
  /** model execution time, without JPEG decoding */
  inferenceMs: number;
}

export interface DetectOptions {
  /** analyse only this part of the frame (source pixels), e.g. around motion; boxes stay in frame pixels */
  region?: BBox;
  /**
   * analyse each of these parts of the frame (source pixels) as its own model input and merge the
   * boxes across them: tiles of a frame too large to shrink into one input (replaces region)
   */
  tiles?: readonly BBox[];
}

/** One loaded model; not safe for concurrent detect() calls on one instance (one per worker). */
export interface Detector {
  readonly model: string;
  detect(image: FrameImage, opts?: DetectOptions): Promise<DetectResult>;
  /** several frames in one model call, where the backend benefits (results in input order) */
  detectBatch?(inputs: readonly { jpeg: FrameImage; opts?: DetectOptions }[]): Promise<DetectResult[]>;
  dispose(): void;
}
