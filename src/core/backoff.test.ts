import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.ts';

const cfg = { initialMs: 1000, maxMs: 60_000, jitter: 0.1 };

describe('Backoff', () => {
  it('doubles from 1 s up to the 60 s cap without jitter at r = 0.5', () => {
    const b = new Backoff({ ...cfg, random: () => 0.5 });
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(b.failures).toBe(9);
  });

  it('applies ± jitter from the injected random', () => {
    expect(backoffDelay(0, cfg, 0)).toBe(900);
    expect(backoffDelay(0, cfg, 0.999999)).toBe(1100);
    expect(backoffDelay(10, cfg, 0)).toBe(54000);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ ...cfg, random: () => 0.5 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('stays finite after very many failures', () => {
    expect(backoffDelay(10_000, cfg, 0.5)).toBe(60000);
  });
});
