import { describe, expect, it } from 'vitest';
import { EventLoopWatch } from './event-loop.ts';
import { createLogger } from './log.ts';

describe('EventLoopWatch', () => {
  const watch = (): EventLoopWatch => new EventLoopWatch(createLogger('silent'));

  it('counts only the time the loop was blocked, inside the asked window', () => {
    const w = watch();
    const t0 = Date.now();
    w.tick(t0 + 250);
    w.tick(t0 + 500);
    w.tick(t0 + 20_750); // 20 s late: blocked from t0 + 750 to t0 + 20 750
    expect(w.blockedMsSince(t0, t0 + 21_000)).toBe(20_000);
    expect(w.blockedMsSince(t0 + 10_750, t0 + 21_000)).toBe(10_000);
    expect(w.blockedMsSince(t0 + 20_750, t0 + 21_000)).toBe(0);
  });

  it('ignores ordinary timer jitter', () => {
    const w = watch();
    const t0 = Date.now();
    w.tick(t0 + 900);
    expect(w.blockedMsSince(t0, t0 + 1000)).toBe(0);
  });

  it('counts a stall still going on before its late tick has run', () => {
    const w = watch();
    const t0 = Date.now();
    w.tick(t0 + 250);
    expect(w.blockedMsSince(t0, t0 + 5500)).toBe(5000);
  });
});
