import { describe, expect, it } from 'vitest';
import { FrameLane } from './frame-lane.ts';

/** A lane whose runs finish only when released, recording what ran and what was dropped. */
function lane(max: number) {
  const ran: number[] = [];
  const dropped: number[] = [];
  const errors: string[] = [];
  const gates: (() => void)[] = [];
  const l = new FrameLane<number>(max, (n) => {
    ran.push(n);
    if (n < 0) return Promise.reject(new Error(`bad ${n}`));
    return new Promise<void>((resolve) => gates.push(resolve));
  }, (n) => dropped.push(n), (n, err) => errors.push(`${n}: ${(err as Error).message}`));
  const release = async (): Promise<void> => {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { l, ran, dropped, errors, release };
}

describe('FrameLane', () => {
  it('runs frames one at a time in order', async () => {
    const { l, ran, release } = lane(5);
    for (const n of [1, 2, 3]) l.offer(n);
    expect(ran).toEqual([1]);
    expect(l.depth).toBe(2);
    await release();
    expect(ran).toEqual([1, 2]);
    await release();
    await release();
    expect(ran).toEqual([1, 2, 3]);
    expect(l.depth).toBe(0);
  });

  it('drops the oldest waiting frame when full, never the one running', async () => {
    const { l, ran, dropped, release } = lane(2);
    for (const n of [1, 2, 3, 4, 5]) l.offer(n);
    expect(dropped).toEqual([2, 3]);
    for (let i = 0; i < 3; i++) await release();
    expect(ran).toEqual([1, 4, 5]);
  });

  it('reports a failed frame and goes on with the next', async () => {
    const { l, ran, errors, release } = lane(2);
    l.offer(-1);
    l.offer(7);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual(['-1: bad -1']);
    expect(ran).toEqual([-1, 7]);
    await release();
  });

  it('close drops what waits and waits for the frame in progress', async () => {
    const { l, ran, dropped, release } = lane(3);
    for (const n of [1, 2, 3]) l.offer(n);
    let closed = false;
    const closing = l.close().then(() => (closed = true));
    expect(dropped).toEqual([2, 3]);
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    await release();
    await closing;
    l.offer(9);
    expect(dropped).toEqual([2, 3, 9]);
    expect(ran).toEqual([1]);
  });
});
