import { describe, expect, it } from 'vitest';
import { StreamStatsCounter } from './stream-stats.ts';

describe('StreamStatsCounter', () => {
  it('counts frames, keeps the last arrival, and measures the rate over each complete GOP by the timestamps', () => {
    const stats = new StreamStatsCounter();
    expect(stats.value).toEqual({ frames: 0, lastFrameAt: null, fps: null });
    // 12.5 fps (7200 ticks apart), arriving in a burst: the rate comes from the timestamps, not the arrival
    for (let i = 0; i < 25; i++) stats.add({ nals: [], idr: i % 10 === 0, pts90k: 1000 + i * 7200, receivedAt: 5000 + i });
    expect(stats.value).toEqual({ frames: 25, lastFrameAt: 5024, fps: 12.5 });
  });

  it('has no rate before a second IDR', () => {
    const stats = new StreamStatsCounter();
    for (let i = 0; i < 5; i++) stats.add({ nals: [], idr: i === 0, pts90k: i * 3600, receivedAt: i });
    expect(stats.value.fps).toBeNull();
  });
});
