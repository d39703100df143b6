import type { BBox } from '../core/types.ts';

/**
 * Constant-velocity Kalman filter over a box, in ByteTrack's state (centre x, centre y, aspect
 * w/h, height, and their rates) but in continuous time: rates are per second and process noise
 * grows with the elapsed seconds, so frames at 7 fps, 1 fps or irregular keyframes all work.
 *
 * ByteTrack's matrices are block-diagonal per coordinate (F pairs each value with its own rate,
 * H observes the values, Q and R are diagonal), so the 8-D filter is exactly four independent
 * 2-D filters; that is how it is computed here.
 */

/** One coordinate: value, rate per second and their 2x2 covariance. */
export interface Axis {
  x: number;
  v: number;
  pxx: number;
  pxv: number;
  pvv: number;
}

/** Moves an axis dt seconds ahead; qx², qv² are the variances added per second (random walk). */
export function predictAxis(a: Axis, dt: number, qx: number, qv: number): Axis {
  return {
    x: a.x + a.v * dt,
    v: a.v,
    pxx: a.pxx + 2 * dt * a.pxv + dt * dt * a.pvv + qx * qx * dt,
    pxv: a.pxv + dt * a.pvv,
    pvv: a.pvv + qv * qv * dt,
  };
}

/** Corrects an axis with a measurement z of standard deviation r. */
export function updateAxis(a: Axis, z: number, r: number): Axis {
  const s = a.pxx + r * r;
  const kx = a.pxx / s;
  const kv = a.pxv / s;
  const innovation = z - a.x;
  return {
    x: a.x + kx * innovation,
    v: a.v + kv * innovation,
    pxx: (1 - kx) * a.pxx,
    pxv: (1 - kx) * a.pxv,
    pvv: a.pvv - kv * a.pxv,
  };
}

/**
 * Noise, as fractions of the box height (ByteTrack scales its noise the same way) except for the
 * aspect ratio, which is absolute. Per-second values; see DEFAULT_BOX_NOISE for their origin.
 */
export interface BoxNoise {
  /** measurement std of centre and height */
  measure: number;
  /** measurement std of the aspect ratio */
  measureAspect: number;
  /** position random walk, std per √s */
  position: number;
  /** velocity random walk, std of the rate (heights per second) per √s */
  velocity: number;
  /** aspect random walk, std per √s */
  aspect: number;
  /** std of the unknown initial velocity, heights per second (a walker moves ~1 height/s) */
  initialVelocity: number;
}

/**
 * ByteTrack's per-frame weights (1/20 position, 1/160 velocity at 30 fps) converted to
 * seconds, then tuned on PETS09-S2L1 at 7 and 1 fps (see tracker.ts).
 */
export const DEFAULT_BOX_NOISE: BoxNoise = {
  measure: 1 / 20,
  measureAspect: 0.1,
  position: 0.1,
  velocity: 0.5,
  aspect: 0.05,
  initialVelocity: 1,
};

export class BoxKalman {
  private cx: Axis;
  private cy: Axis;
  private aspect: Axis;
  private h: Axis;

  constructor(box: BBox, private readonly noise: BoxNoise = DEFAULT_BOX_NOISE) {
    const [cx, cy, a, h] = toState(box);
    const pos = (2 * noise.measure * h) ** 2;
    const vel = (noise.initialVelocity * h) ** 2;
    this.cx = { x: cx, v: 0, pxx: pos, pxv: 0, pvv: vel };
    this.cy = { x: cy, v: 0, pxx: pos, pxv: 0, pvv: vel };
    this.aspect = { x: a, v: 0, pxx: noise.measureAspect ** 2, pxv: 0, pvv: 1e-4 };
    this.h = { x: h, v: 0, pxx: pos, pxv: 0, pvv: vel / 4 };
  }

  /** Advances the state dt seconds (dt ≤ 0 leaves it unchanged). */
  predict(dt: number): void {
    ({ cx: this.cx, cy: this.cy, aspect: this.aspect, h: this.h } = this.ahead(dt));
  }

  /** The box and its uncertainty dt seconds ahead, leaving the state as it is. */
  peek(dt: number): { box: BBox; centreStd: [number, number] } {
    const s = this.ahead(dt);
    return { box: boxOf(s), centreStd: [Math.sqrt(s.cx.pxx), Math.sqrt(s.cy.pxx)] };
  }

  box(): BBox {
    return boxOf(this.ahead(0));
  }

  private ahead(dt: number): BoxAxes {
    if (dt <= 0) return { cx: this.cx, cy: this.cy, aspect: this.aspect, h: this.h };
    const h = Math.max(this.h.x, 1);
    const { position, velocity, aspect } = this.noise;
    const next = predictAxis(this.h, dt, position * h, velocity * h / 2);
    return {
      cx: predictAxis(this.cx, dt, position * h, velocity * h),
      cy: predictAxis(this.cy, dt, position * h, velocity * h),
      aspect: predictAxis(this.aspect, dt, aspect, 0),
      // a box never shrinks to nothing, however long it coasts
      h: next.x < 1 ? { ...next, x: 1, v: 0 } : next,
    };
  }

  update(box: BBox): void {
    const [cx, cy, a, h] = toState(box);
    const r = this.noise.measure * Math.max(h, 1);
    this.cx = updateAxis(this.cx, cx, r);
    this.cy = updateAxis(this.cy, cy, r);
    this.aspect = updateAxis(this.aspect, a, this.noise.measureAspect);
    this.h = updateAxis(this.h, h, r);
  }

  /** Stops growth and drift of the height (ByteTrack does this while a track is lost). */
  freezeSize(): void {
    this.h = { ...this.h, v: 0 };
  }

  /** Centre velocity in pixels per second. */
  velocity(): [number, number] {
    return [this.cx.v, this.cy.v];
  }

  /** Standard deviation of the predicted centre, pixels. */
  centreStd(): [number, number] {
    return [Math.sqrt(this.cx.pxx), Math.sqrt(this.cy.pxx)];
  }
}

interface BoxAxes {
  cx: Axis;
  cy: Axis;
  aspect: Axis;
  h: Axis;
}

function boxOf({ cx, cy, aspect, h }: BoxAxes): BBox {
  const w = Math.max(aspect.x, 0) * h.x;
  return [cx.x - w / 2, cy.x - h.x / 2, cx.x + w / 2, cy.x + h.x / 2];
}

function toState([x1, y1, x2, y2]: BBox): [number, number, number, number] {
  const h = Math.max(y2 - y1, 1e-6);
  return [(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / h, h];
}
