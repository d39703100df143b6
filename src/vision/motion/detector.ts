import sharp from 'sharp';
import type { BBox } from '../../core/types.ts';
import { readImageHeader } from '../frame-input.ts';
import { BackgroundModel } from './background.ts';
import { connectedBoxes, dilate, mergeNearby } from './components.ts';
import { rasterisePolygons, type Polygon } from './mask.ts';

/** The `motion` section of the configuration (see src/config/schema.ts for meanings and defaults). */
export interface MotionOptions {
  width: number;
  threshold: number;
  sigmas: number;
  adapt_seconds: number;
  dilate: number;
  min_area: number;
  recalibrate_ratio: number;
}

export interface MotionResult {
  /** source frame size */
  width: number;
  height: number;
  /** boxes around moving things, source pixels */
  regions: BBox[];
  /** share of the analysed (unmasked) frame that changed */
  ratio: number;
  /** the background was (re)learnt from this frame: first frame, or a sudden global change */
  recalibrated: boolean;
}

/** A frame that cannot be analysed; the camera's next frame is unaffected. */
export class BadFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadFrameError';
  }
}

/**
 * Contrast normalisation maps the 10th..90th brightness percentiles onto 64..192: percentiles this
 * far in barely move when an object covers a few percent of the frame, and the headroom keeps
 * the tails from clipping.
 */
const STRETCH_TAIL = 0.1;
const STRETCH_LO = 64;
const STRETCH_SPAN = 128;

/**
 * Motion on small grayscale frames, one instance per camera: contrast-normalised (so a change of
 * exposure or lighting level is not motion), blurred, compared with an adaptive background
 * model, dilated and split into connected regions. A change over most of the frame (lights
 * switched, IR mode, camera moved) recalibrates the background instead of reporting it.
 */
export class MotionDetector {
  private model?: BackgroundModel;
  private ignore?: Uint8Array;
  private grid?: { w: number; h: number; srcW: number; srcH: number };

  constructor(private readonly opts: MotionOptions, private readonly mask: readonly Polygon[] = []) {}

  async update(jpeg: Uint8Array, timeMs: number): Promise<MotionResult> {
    const { gray, w, h, srcW, srcH } = await this.decode(jpeg);
    if (!this.grid || this.grid.srcW !== srcW || this.grid.srcH !== srcH) {
      this.grid = { w, h, srcW, srcH };
      this.model = new BackgroundModel(w * h, { threshold: this.opts.threshold, sigmas: this.opts.sigmas, adaptSeconds: this.opts.adapt_seconds });
      this.ignore = this.mask.length > 0 ? rasterisePolygons(this.mask, w, h, w / srcW, h / srcH) : undefined;
    }
    const model = this.model!;
    const none = (recalibrated: boolean): MotionResult => ({ width: srcW, height: srcH, regions: [], ratio: 0, recalibrated });
    normaliseContrast(gray, this.ignore);
    if (!model.initialised) {
      model.reset(gray, timeMs);
      return none(true);
    }
    const fg = new Uint8Array(w * h);
    const changed = model.foreground(gray, fg, this.ignore);
    const usable = w * h - (this.ignore?.reduce((n, v) => n + v, 0) ?? 0);
    const ratio = usable > 0 ? changed / usable : 0;
    if (ratio > this.opts.recalibrate_ratio) {
      model.reset(gray, timeMs);
      return none(true);
    }
    model.learn(gray, timeMs);
    const minPixels = this.opts.min_area * w * h;
    const blobs = mergeNearby(connectedBoxes(dilate(fg, w, h, this.opts.dilate), w, h), this.opts.dilate);
    const sx = srcW / w;
    const sy = srcH / h;
    const regions = blobs
      .filter((b) => b.pixels >= minPixels)
      .map((b): BBox => [b.x1 * sx, b.y1 * sy, Math.min(srcW, b.x2 * sx), Math.min(srcH, b.y2 * sy)]);
    return { width: srcW, height: srcH, regions, ratio: Math.round(ratio * 1e4) / 1e4, recalibrated: false };
  }

  /** JPEG → blurred grayscale at the analysis width; named errors for frames that cannot be read. */
  private async decode(jpeg: Uint8Array): Promise<{ gray: Uint8Array; w: number; h: number; srcW: number; srcH: number }> {
    const { width: srcW, height: srcH } = await readImageHeader(jpeg, (reason) => new BadFrameError(reason));
    const w = Math.min(this.opts.width, srcW);
    try {
      const { data, info } = await sharp(jpeg).greyscale().resize({ width: w }).blur(1).raw().toBuffer({ resolveWithObject: true });
      return { gray: new Uint8Array(data.buffer, data.byteOffset, data.length), w: info.width, h: info.height, srcW, srcH };
    } catch (err) {
      throw new BadFrameError(`corrupt image: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Stretches the frame's (unmasked) brightness percentiles to a fixed range, in place. */
export function normaliseContrast(gray: Uint8Array, ignore?: Uint8Array): void {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < gray.length; i++) {
    if (ignore?.[i] === 1) continue;
    hist[gray[i]!]!++;
    n++;
  }
  if (n === 0) return;
  const tail = n * STRETCH_TAIL;
  let lo = 0;
  for (let acc = 0; lo < 255 && (acc += hist[lo]!) <= tail; lo++);
  let hi = 255;
  for (let acc = 0; hi > 0 && (acc += hist[hi]!) <= tail; hi--);
  if (hi - lo < 8) return; // a flat frame (lens cap, black night): stretching would only amplify noise
  const scale = STRETCH_SPAN / (hi - lo);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.max(0, Math.min(255, Math.round(STRETCH_LO + (gray[i]! - lo) * scale)));
}
