import sharp from 'sharp';
import type { BBox } from '../../core/types.ts';
import { initWasmBackend } from '../detectors/tfjs-wasm.ts';
import { clampRegion, readImageHeader } from '../frame-input.ts';
import { area } from '../../core/geometry.ts';
import { loadDescriptorModel, type DescriptorModel } from './descriptors.ts';
import { FaceBoxes, type RawFace } from './faceboxes.ts';
import { frontalness, laplacianVariance, QUALITY_SIDE, qualityScore } from './quality.ts';
import { BadImageError, NoFaceError, type FaceEmbedderModel, type FaceResult } from './types.ts';

export interface FacePipelineOptions {
  embedder: FaceEmbedderModel;
  /** faceboxes score below which a box is not a face */
  minDetScore: number;
  /** person crops are upscaled so their width reaches this many px (faces of ~12 px become ~60 px) */
  cropWidth: number;
  /** largest upscale factor of a person crop */
  maxUpscale: number;
}

export const DEFAULT_PIPELINE: FacePipelineOptions = { embedder: 'faceres', minDetScore: 0.5, cropWidth: 256, maxUpscale: 8 };

/** Upper share of a person box searched for the head (boxes are often a little loose or cut). */
const HEAD_SHARE = 0.45;
/** Photos are shrunk to this longest side before detection (faceboxes cost grows with area). */
const PHOTO_SIDE = 800;
/** Face boxes are widened by this factor (square, centred) before the descriptor crop. */
const FACE_CONTEXT = 1.2;

interface Raster {
  rgb: Buffer;
  width: number;
  height: number;
}

/** Checks a JPEG/PNG before decoding: size limit and decodability, as named BadImageErrors. */
const imageSize = (jpeg: Uint8Array): Promise<{ width: number; height: number }> => readImageHeader(jpeg, (reason) => new BadImageError(reason));

async function decode(jpeg: Uint8Array, area: { left: number; top: number; width: number; height: number }, scale: number): Promise<Raster> {
  const width = Math.max(1, Math.round(area.width * scale));
  const height = Math.max(1, Math.round(area.height * scale));
  try {
    const rgb = await sharp(jpeg).removeAlpha().toColourspace('srgb').extract(area).resize(width, height, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
    return { rgb, width, height };
  } catch (err) {
    throw new BadImageError(`not a decodable image (${(err as Error).message})`);
  }
}

/** Square crop of `box` widened by `factor`, from a raster, resized to side x side (RGB or grey). */
async function squareCrop(img: Raster, box: RawFace['box'], factor: number, side: number, grey: boolean): Promise<Buffer> {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const half = (Math.max(box[2] - box[0], box[3] - box[1]) * factor) / 2;
  const region = clampRegion([cx - half, cy - half, cx + half, cy + half], img.width, img.height)!;
  let s = sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } }).extract(region).resize(side, side, { fit: 'fill' });
  if (grey) s = s.greyscale();
  const out = await s.raw().toBuffer();
  // sharp keeps 3 channels for greyscale raw output
  return grey && out.length === side * side * 3 ? Buffer.from(out.filter((_, i) => i % 3 === 0)) : out;
}

/**
 * Face detection (faceboxes), quality and descriptor in the calling thread; the FaceEmbedder
 * worker wraps one of these. Not safe for concurrent calls (one tfjs model each).
 */
export class FacePipeline {
  private constructor(
    private readonly detector: FaceBoxes,
    private readonly descriptor: DescriptorModel,
    private readonly opts: FacePipelineOptions,
  ) {}

  static async load(opts: Partial<FacePipelineOptions> = {}): Promise<FacePipeline> {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    const full: FacePipelineOptions = { ...DEFAULT_PIPELINE, ...given };
    await initWasmBackend();
    return new FacePipeline(await FaceBoxes.load(), await loadDescriptorModel(full.embedder), full);
  }

  get model(): FaceEmbedderModel {
    return this.descriptor.model;
  }

  get dim(): number {
    return this.descriptor.dim;
  }

  /** The largest face of a photo (ties: better quality). */
  async embedImage(jpeg: Uint8Array): Promise<FaceResult> {
    const { width, height } = await imageSize(jpeg);
    const scale = Math.min(1, PHOTO_SIDE / Math.max(width, height));
    const img = await decode(jpeg, { left: 0, top: 0, width, height }, scale);
    const faces = await this.detector.detect(img.rgb, img.width, img.height, this.opts.minDetScore);
    if (faces.length === 0) throw new NoFaceError('no face detected');
    const largest = faces.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
    return this.describe(img, largest, scale, 0, 0);
  }

  /** The best face in the upper part of a person box (frame pixels), searched on an upscaled crop. */
  async embedFaceInCrop(jpeg: Uint8Array, personBox: BBox): Promise<FaceResult> {
    const { width, height } = await imageSize(jpeg);
    const [x1, y1, x2, y2] = personBox;
    const margin = 0.1 * (x2 - x1);
    const region = clampRegion([x1 - margin, y1 - margin, x2 + margin, y1 + HEAD_SHARE * (y2 - y1)], width, height);
    if (!region || region.width < 8 || region.height < 8) throw new NoFaceError('person box too small for a face');
    const scale = Math.min(this.opts.maxUpscale, Math.max(1, this.opts.cropWidth / region.width));
    const img = await decode(jpeg, region, scale);
    const faces = await this.detector.detect(img.rgb, img.width, img.height, this.opts.minDetScore);
    if (faces.length === 0) throw new NoFaceError('no face detected in the person crop');
    const results = await Promise.all(faces.slice(0, 3).map((f) => this.describe(img, f, scale, region.left, region.top)));
    return results.reduce((a, b) => (b.quality.score > a.quality.score ? b : a));
  }

  /** Quality and descriptor of one detected face; its box mapped back to source pixels. */
  private async describe(img: Raster, face: RawFace, scale: number, offsetX: number, offsetY: number): Promise<FaceResult> {
    const [bx1, by1, bx2, by2] = face.box;
    const box: BBox = [bx1 / scale + offsetX, by1 / scale + offsetY, bx2 / scale + offsetX, by2 / scale + offsetY];
    const grey = { width: QUALITY_SIDE, height: QUALITY_SIDE, data: await squareCrop(img, face.box, 1, QUALITY_SIDE, true) };
    // sharpness is measured at the source resolution: upscaling must not make a 12 px face look sharp
    const sourceSide = Math.max(3, Math.min(QUALITY_SIDE, Math.round((by2 - by1) / scale)));
    const atSource = { width: sourceSide, height: sourceSide, data: await squareCrop(img, face.box, 1, sourceSide, true) };
    const sharpness = laplacianVariance(atSource);
    const frontal = frontalness(grey, (by2 - by1) / Math.max(1, bx2 - bx1));
    const sizePx = box[3] - box[1];
    const quality = { score: qualityScore({ sizePx, sharpness, frontal, detScore: face.score }), sizePx, sharpness, frontal, detScore: face.score };
    const embedding = await this.descriptor.embed(await squareCrop(img, face.box, FACE_CONTEXT, this.descriptor.inputSize, false));
    return { embedding, box, quality };
  }

  dispose(): void {
    this.detector.dispose();
    this.descriptor.dispose();
  }
}
