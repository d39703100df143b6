import type { BBox } from '../core/types.ts';

/**
 * How a source frame is fitted into a square model input without distortion: resized to
 * `width`x`height` (the aspect kept up to rounding), then padded by `padX`/`padY` on the left/top.
 * The per-axis scale is width/srcWidth and height/srcHeight, exact for the resized content.
 */
export interface Letterbox {
  srcWidth: number;
  srcHeight: number;
  size: number;
  width: number;
  height: number;
  padX: number;
  padY: number;
}

export function letterbox(srcWidth: number, srcHeight: number, size: number): Letterbox {
  if (!(srcWidth > 0 && srcHeight > 0 && size > 0)) throw new Error(`invalid letterbox ${srcWidth}x${srcHeight} -> ${size}`);
  const fit = Math.min(size / srcWidth, size / srcHeight);
  const width = Math.max(1, Math.min(size, Math.round(srcWidth * fit)));
  const height = Math.max(1, Math.min(size, Math.round(srcHeight * fit)));
  return {
    srcWidth,
    srcHeight,
    size,
    width,
    height,
    padX: Math.floor((size - width) / 2),
    padY: Math.floor((size - height) / 2),
  };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Maps a box in model-input pixels back to source-frame pixels, clamped to the frame. */
export function toSourceBox(lb: Letterbox, [x1, y1, x2, y2]: BBox): BBox {
  const sx = lb.srcWidth / lb.width;
  const sy = lb.srcHeight / lb.height;
  return [
    clamp((x1 - lb.padX) * sx, 0, lb.srcWidth),
    clamp((y1 - lb.padY) * sy, 0, lb.srcHeight),
    clamp((x2 - lb.padX) * sx, 0, lb.srcWidth),
    clamp((y2 - lb.padY) * sy, 0, lb.srcHeight),
  ];
}
