/**
 * Per-pixel background model on small grayscale frames: a running mean and variance with a
 * time-based learning rate (the same adaptation whatever the analysis rate), so slow changes
 * (sun, shadows, an object left for minutes) fade into the background while anything that moved
 * since stands out. A pixel is foreground when it differs from the mean by more than
 * max(threshold, sigmas x its own standard deviation): noisy areas (leaves, water, sensor noise)
 * need a larger change than calm ones.
 */
export interface BackgroundOptions {
  /** minimum absolute difference (0..255, after contrast normalisation) counted as change */
  threshold: number;
  /** standard deviations of a pixel's own noise a change must exceed */
  sigmas: number;
  /** time constant of adaptation: a change that persists this long is mostly background */
  adaptSeconds: number;
}

/** frames over which the first mean is averaged (warm-up learns faster than adaptSeconds) */
const WARMUP_FRAMES = 5;

export class BackgroundModel {
  private mean: Float32Array;
  private variance: Float32Array;
  private frames = 0;
  private lastTime = 0;

  constructor(readonly size: number, private readonly opts: BackgroundOptions) {
    this.mean = new Float32Array(size);
    this.variance = new Float32Array(size);
  }

  get initialised(): boolean {
    return this.frames > 0;
  }

  /** Forgets the past: the next frame is the new background (scene or lighting changed wholesale). */
  reset(gray: Uint8Array, timeMs: number): void {
    this.mean.set(gray);
    this.variance.fill(this.opts.threshold * this.opts.threshold / (this.opts.sigmas * this.opts.sigmas));
    this.frames = 1;
    this.lastTime = timeMs;
  }

  /**
   * Marks foreground pixels of `gray` in `out` (1/0), ignoring pixels where `ignore` is 1, and
   * returns how many were foreground. Does not learn: call learn() after deciding what to do.
   */
  foreground(gray: Uint8Array, out: Uint8Array, ignore?: Uint8Array): number {
    const { threshold, sigmas } = this.opts;
    const t2 = threshold * threshold;
    const s2 = sigmas * sigmas;
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const d = gray[i]! - this.mean[i]!;
      const hit = ignore?.[i] !== 1 && d * d > Math.max(t2, s2 * this.variance[i]!);
      out[i] = hit ? 1 : 0;
      if (hit) count++;
    }
    return count;
  }

  /** Blends `gray` into the model, weighted by the time since the previous frame. */
  learn(gray: Uint8Array, timeMs: number): void {
    if (this.frames === 0) {
      this.reset(gray, timeMs);
      return;
    }
    const dt = Math.max(0, timeMs - this.lastTime) / 1000;
    const byTime = 1 - Math.exp(-dt / this.opts.adaptSeconds);
    const alpha = Math.max(byTime, this.frames < WARMUP_FRAMES ? 1 / (this.frames + 1) : 0);
    // noise is learnt from small differences only: a person walking through must not inflate it
    const cap = 4 * this.opts.threshold * this.opts.threshold;
    for (let i = 0; i < this.size; i++) {
      const d = gray[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + alpha * d;
      this.variance[i] = this.variance[i]! + alpha * (Math.min(d * d, cap) - this.variance[i]!);
    }
    this.frames++;
    this.lastTime = timeMs;
  }
}
