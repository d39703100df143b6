import { describe, expect, it } from 'vitest';
import { latencyStats, previousCapture } from './alert-latency.ts';
import { samplePlazaPolygon } from '../src/dvr-sim/sample.ts';

describe('alert latency helpers', () => {
  it('takes the nearest-rank p50 and p99 (p99 of 30 samples is the worst one)', () => {
    const thirty = Array.from({ length: 30 }, (_, i) => (i + 1) * 100);
    expect(latencyStats(thirty)).toEqual({ p50_ms: 1500, p99_ms: 3000, max_ms: 3000 });
    expect(latencyStats([250, 50, 150])).toEqual({ p50_ms: 150, p99_ms: 250, max_ms: 250 });
  });

  it('finds the analysed frame before the one that fired, none for the first', () => {
    const captures = [1000, 2000, 3000];
    expect(previousCapture(captures, 3000)).toBe(2000);
    expect(previousCapture(captures, 2500)).toBe(2000);
    expect(previousCapture(captures, 1000)).toBeUndefined();
  });

  it('scales the vtest plaza into the 960x1080 main stream', () => {
    expect(samplePlazaPolygon(960, 1080)).toEqual([[38, 281], [925, 281], [925, 1080], [38, 1080]]);
    expect(samplePlazaPolygon(768, 576)).toEqual([[30, 150], [740, 150], [740, 576], [30, 576]]);
  });
});
