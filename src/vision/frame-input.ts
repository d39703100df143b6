import sharp, { type Metadata } from 'sharp';
import type { BBox, Detection } from '../core/types.ts';
import { letterbox, toSourceBox, type Letterbox } from './letterbox.ts';

/** Largest frame side accepted for analysis: bigger images are refused before decoding. */
export const MAX_FRAME_SIDE = 8192;

export interface ModelInput {
  /** letterbox of the analysed area (the region, or the whole frame) into the square input */
  lb: Letterbox;
  /** where the analysed area starts in the source frame: add to boxes mapped out of `lb` */
  offsetX: number;
  offsetY: number;
  /** size of the whole source frame */
  frameWidth: number;
  frameHeight: number;
  /** size x size x 3 RGB bytes, black padding */
  rgb: Buffer;
}

/** Maps a box in model-input pixels to source-frame pixels: out of the letterbox (clamped to the analysed area), then past the crop's offset. */
export function toFrameBox({ lb, offsetX, offsetY }: Pick<ModelInput, 'lb' | 'offsetX' | 'offsetY'>, box: BBox): BBox {
  const [x1, y1, x2, y2] = toSourceBox(lb, box);
  return [x1 + offsetX, y1 + offsetY, x2 + offsetX, y2 + offsetY];
}

/** A decoded detection as the detectors report it: score to 3 decimals, box to 0.1 px. */
export function reportedDetection(label: string, score: number, bbox: BBox): Detection {
  return { class: label, confidence: round(score, 3), bbox: bbox.map((v) => round(v, 1)) as BBox };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Integer crop of `region` clamped to the frame; undefined when it is empty. */
export function clampRegion(region: BBox, width: number, height: number): { left: number; top: number; width: number; height: number } | undefined {
  const left = Math.max(0, Math.floor(region[0]));
  const top = Math.max(0, Math.floor(region[1]));
  const right = Math.min(width, Math.ceil(region[2]));
  const bottom = Math.min(height, Math.ceil(region[3]));
  if (right - left < 2 || bottom - top < 2) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

/**
 * Reads only an image's header and refuses, by name, what cannot be analysed: 0 bytes, not
 * decodable, larger than MAX_FRAME_SIDE per side (refused before any pixel is decoded).
 * `fail` builds the caller's error type from the reason.
 */
export async function readImageHeader(image: Uint8Array, fail: (reason: string) => Error = (r) => new Error(r)): Promise<ImageHeader> {
  if (image.length === 0) throw fail('empty image (0 bytes)');
  let meta: Metadata;
  try {
    // without lifting the pixel cap sharp would name the cap instead of the size
    meta = await sharp(image, { limitInputPixels: false }).metadata();
  } catch {
    throw fail('not a decodable image');
  }
  const { width, height, format } = meta;
  if (!width || !height) throw fail('not a decodable image');
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) throw fail(`image too large (${width}x${height}, max side ${MAX_FRAME_SIDE})`);
  return { width, height, format };
}

/** A frame decoded once to RGB, for several model inputs taken from it (tiles). */
export interface DecodedFrame {
  rgb: Buffer;
  width: number;
  height: number;
}

/** An encoded frame (JPEG), or one already decoded. */
export type FrameImage = Uint8Array | DecodedFrame;

/** Decodes a frame to RGB once (refusing what readImageHeader refuses), so its tiles do not each decode it again. */
export async function decodeFrame(jpeg: Uint8Array): Promise<DecodedFrame> {
  await readImageHeader(jpeg);
  const { data, info } = await sharp(jpeg).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

/**
 * Decodes a JPEG (or takes a decoded frame), optionally crops `region` (source pixels), and
 * letterboxes the result into a model's square RGB input. Throws a named error for undecodable
 * or oversized images.
 */
export async function prepareModelInput(image: FrameImage, size: number, region?: BBox): Promise<ModelInput> {
  const encoded = image instanceof Uint8Array;
  const { width, height } = encoded ? await readImageHeader(image) : image;
  const crop = region ? clampRegion(region, width, height) : undefined;
  const area = crop ?? { left: 0, top: 0, width, height };
  const lb = letterbox(area.width, area.height, size);
  let img = encoded ? sharp(image).removeAlpha().toColourspace('srgb') : sharp(image.rgb, { raw: { width, height, channels: 3 } });
  if (crop) img = img.extract(crop);
  const rgb = await img
    .resize(lb.width, lb.height, { fit: 'fill' })
    .extend({ left: lb.padX, top: lb.padY, right: size - lb.width - lb.padX, bottom: size - lb.height - lb.padY, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  if (rgb.length !== size * size * 3) throw new Error(`unexpected decoded size ${rgb.length}`);
  return { lb, offsetX: area.left, offsetY: area.top, frameWidth: width, frameHeight: height, rgb };
}
