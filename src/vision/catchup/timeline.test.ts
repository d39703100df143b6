import { describe, expect, it } from 'vitest';
import { AnalysisTimeline } from './timeline.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const opts = { persisted: null, marginMs: 500, maxHoleMs: 3_600_000 };

describe('AnalysisTimeline', () => {
  it('reports no hole while every live frame is analysed', () => {
    const t = new AnalysisTimeline(opts);
    expect([0, 1, 2, 3].map((s) => t.analysed(at(s)))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('turns skipped frames into one hole between the analysed frames around them', () => {
    const t = new AnalysisTimeline(opts);
    t.analysed(at(0));
    t.missed(at(1), 'queue_full');
    t.missed(at(2), 'stale');
    expect(t.analysed(at(3))).toEqual({ start: at(0), end: at(3), cause: 'live frames skipped (queue_full)', restart: false });
    // the hole is reported once; the next frames are contiguous again
    expect(t.analysed(at(4))).toBeUndefined();
    t.missed(at(5), 'failed');
    expect(t.analysed(at(6))).toEqual({ start: at(4), end: at(6), cause: 'live frames skipped (failed)', restart: false });
  });

  it('after a restart, the time since the stored cursor is a hole', () => {
    const t = new AnalysisTimeline({ ...opts, persisted: at(-120) });
    expect(t.analysed(at(0))).toEqual({ start: at(-120), end: at(0), cause: 'analysis was not running', restart: true });
    expect(t.analysed(at(1))).toBeUndefined();
  });

  it('after a restart with frames skipped before the first analysed one, one hole covers both', () => {
    const t = new AnalysisTimeline({ ...opts, persisted: at(-60) });
    t.missed(at(-1), 'queue_full');
    expect(t.analysed(at(0))).toMatchObject({ start: at(-60), end: at(0) });
  });

  it('reaches back before a first skipped frame when nothing was analysed before it', () => {
    const t = new AnalysisTimeline(opts);
    t.missed(at(10), 'stale');
    expect(t.analysed(at(11))).toEqual({ start: at(9), end: at(11), cause: 'live frames skipped (stale)', restart: false });
  });

  it('limits a hole to the configured age', () => {
    const t = new AnalysisTimeline({ ...opts, persisted: at(-86_400), maxHoleMs: 3_600_000 });
    expect(t.analysed(at(0))).toMatchObject({ start: at(-3600), end: at(0) });
  });

  it('never reports a hole for a frame older than the last analysed one', () => {
    const t = new AnalysisTimeline({ ...opts, persisted: at(10) });
    expect(t.analysed(at(5))).toBeUndefined();
    t.analysed(at(20));
    t.missed(at(21), 'stale');
    expect(t.analysed(at(19))).toBeUndefined();
  });
});
