import { describe, expect, it } from 'vitest';
import type { BBox } from '../core/types.ts';
import { BoxKalman, predictAxis, updateAxis } from './kalman.ts';

describe('Kalman axis (hand-computed)', () => {
  it('predicts value and covariance dt seconds ahead, noise scaled by dt', () => {
    const a = predictAxis({ x: 10, v: 2, pxx: 1, pxv: 0.5, pvv: 4 }, 0.5, 2, 1);
    // x + v·dt; pxx + 2·dt·pxv + dt²·pvv + qx²·dt; pxv + dt·pvv; pvv + qv²·dt
    expect(a).toEqual({ x: 11, v: 2, pxx: 4.5, pxv: 2.5, pvv: 4.5 });
  });

  it('corrects with a measurement weighted by the gain', () => {
    const a = updateAxis({ x: 11, v: 2, pxx: 4.5, pxv: 2.5, pvv: 4.5 }, 13, 1.5);
    // S = 4.5 + 2.25 = 6.75, Kx = 2/3, Kv = 2.5/6.75, innovation 2
    expect(a.x).toBeCloseTo(11 + 4 / 3, 10);
    expect(a.v).toBeCloseTo(2 + (2 * 2.5) / 6.75, 10);
    expect(a.pxx).toBeCloseTo(1.5, 10);
    expect(a.pxv).toBeCloseTo(2.5 / 3, 10);
    expect(a.pvv).toBeCloseTo(4.5 - (2.5 * 2.5) / 6.75, 10);
  });

  it('without process noise, two half steps equal one whole step', () => {
    const start = { x: 0, v: 3, pxx: 2, pxv: 0.4, pvv: 1 };
    const half = predictAxis(predictAxis(start, 0.5, 0, 0), 0.5, 0, 0);
    const whole = predictAxis(start, 1, 0, 0);
    for (const k of ['x', 'v', 'pxx', 'pxv', 'pvv'] as const) expect(half[k]).toBeCloseTo(whole[k], 10);
  });
});

describe('BoxKalman', () => {
  const moving = (x: number): BBox => [x, 100, x + 40, 220];

  it('starts at the measured box', () => {
    const k = new BoxKalman([10, 20, 50, 140]);
    k.box().forEach((v, i) => expect(v).toBeCloseTo([10, 20, 50, 140][i]!, 9));
    expect(k.velocity()).toEqual([0, 0]);
  });

  it('learns the velocity in pixels per second whatever the frame rate or its regularity', () => {
    const speed = 70; // px/s
    const cadences = { '7 fps': [...Array(22).keys()].map((i) => i / 7), '1 fps': [0, 1, 2, 3, 4, 5, 6], irregular: [0, 0.3, 1.5, 1.7, 3.2, 3.3, 4.9, 6] };
    for (const [name, times] of Object.entries(cadences)) {
      const k = new BoxKalman(moving(0));
      let prev = 0;
      for (const t of times.slice(1)) {
        k.predict(t - prev);
        k.update(moving(speed * t));
        prev = t;
      }
      expect(k.velocity()[0], name).toBeGreaterThan(speed * 0.9);
      expect(k.velocity()[0], name).toBeLessThan(speed * 1.1);
      // and predicts where the box will be one second later
      k.predict(1);
      expect(k.box()[0], name).toBeCloseTo(speed * (prev + 1), -1);
    }
  });

  it('grows its position uncertainty with the time since the last measurement', () => {
    const k = new BoxKalman(moving(0));
    k.predict(0.2);
    const [near] = k.centreStd();
    k.predict(1.8);
    expect(k.centreStd()[0]).toBeGreaterThan(near * 2);
  });
});

describe('BoxKalman.peek', () => {
  it('gives the box and uncertainty predict would, without changing the state', () => {
    const k = new BoxKalman([100, 100, 140, 220]);
    k.predict(1);
    k.update([130, 100, 170, 220]);
    const peeked = k.peek(2);
    expect(k.box()[0]).toBeLessThan(131); // unchanged by peek
    k.predict(2);
    expect(peeked.box).toEqual(k.box());
    expect(peeked.centreStd).toEqual(k.centreStd());
  });
});
