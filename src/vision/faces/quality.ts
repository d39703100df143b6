/** Grayscale image, one byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Variance of the 4-neighbour Laplacian: high for sharp edges, near 0 for blur or flat areas. */
export function laplacianVariance({ width, height, data }: GrayImage): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * data[i]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/**
 * Frontal-ness 0..1 without landmarks (faceboxes gives none): a frontal face is roughly
 * mirror-symmetric, so 1 - mean |left - mirrored right| / 128, times a penalty when the box is
 * far from a face's usual height/width ratio (~1.2; profiles are narrow, boxes on shoulders wide).
 */
export function frontalness({ width, height, data }: GrayImage, boxAspect: number): number {
  if (width < 2 || height < 1) return 0;
  let diff = 0;
  const half = Math.floor(width / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < half; x++) diff += Math.abs(data[y * width + x]! - data[y * width + width - 1 - x]!);
  }
  const symmetry = Math.max(0, 1 - diff / (half * height) / 128);
  const aspectPenalty = Math.min(1, Math.max(0, 1 - Math.abs(Math.log(boxAspect / 1.2)) / Math.log(2)));
  return symmetry * aspectPenalty;
}

export interface QualityInputs {
  /** face height in source pixels */
  sizePx: number;
  sharpness: number;
  frontal: number;
  detScore: number;
}

/** Face height (source px) from which size no longer limits quality. */
export const GOOD_FACE_PX = 64;
/** Laplacian variance (on the face resized to QUALITY_SIDE) from which sharpness no longer limits quality. */
export const GOOD_SHARPNESS = 300;
/** side of the square grayscale face the sharpness and symmetry are measured on */
export const QUALITY_SIDE = 64;

/**
 * One score 0..1: the size factor times the geometric mean of sharpness, pose and detector
 * confidence (each normalised to 0..1). Size multiplies because a face too small to resolve is
 * useless however sharp or frontal it looks; the others trade off against each other.
 */
export function qualityScore({ sizePx, sharpness, frontal, detScore }: QualityInputs): number {
  const size = Math.min(1, Math.max(0, sizePx / GOOD_FACE_PX));
  const rest = [sharpness / GOOD_SHARPNESS, frontal, detScore].map((p) => Math.min(1, Math.max(0, p)));
  if (rest.some((p) => p === 0)) return 0;
  return size * Math.cbrt(rest[0]! * rest[1]! * rest[2]!);
}
