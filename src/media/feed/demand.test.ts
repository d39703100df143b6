import { afterEach, describe, expect, it, vi } from 'vitest';
import { Demand } from './demand.ts';

describe('Demand', () => {
  afterEach(() => vi.useRealTimers());

  it('turns on with the first claim and off with the last release, each release counting once', () => {
    const changes: boolean[] = [];
    const demand = new Demand((wanted) => changes.push(wanted));
    const viewer = demand.claim('webrtc');
    const analysis = demand.claim('analysis');
    const viewer2 = demand.claim('webrtc');
    expect(changes).toEqual([true]);
    expect(demand.reasons).toEqual(['analysis', 'webrtc']);
    viewer();
    viewer(); // a second call of the same release must not take the other viewer's claim
    expect(demand.reasons).toEqual(['analysis', 'webrtc']);
    analysis();
    expect(demand.wanted).toBe(true);
    viewer2();
    expect(demand.wanted).toBe(false);
    expect(demand.reasons).toEqual([]);
    expect(changes).toEqual([true, false]);
    demand.claim('snapshot')();
    expect(changes).toEqual([true, false, true, false]);
  });

  it('keeps a claim while used and releases it once idle', () => {
    vi.useFakeTimers();
    const changes: boolean[] = [];
    const demand = new Demand((wanted) => changes.push(wanted));
    const player = demand.whileUsed('ll-hls', 30_000);
    player.use();
    vi.advanceTimersByTime(20_000);
    player.use(); // a request 20 s later keeps it for another 30 s
    vi.advanceTimersByTime(20_000);
    expect(demand.reasons).toEqual(['ll-hls']);
    vi.advanceTimersByTime(10_001);
    expect(demand.wanted).toBe(false);
    expect(changes).toEqual([true, false]);
    player.use();
    player.stop();
    expect(changes).toEqual([true, false, true, false]);
  });
});
