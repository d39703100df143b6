import { describe, expect, it } from 'vitest';
import { RunTally, StepTally, sustainable } from './capacity-stats.ts';

const W = 800;
const H = 600;
const full = { ran: 'full' as const, width: W, height: H };
const none = { ran: 'none' as const, width: W, height: H };
const crop = { ran: 'crop' as const, width: W, height: H, region: [0, 0, 400, 300] as [number, number, number, number] };

describe('RunTally', () => {
  it('counts runs, the skipped share and the share of source pixels analysed', () => {
    const t = new RunTally();
    for (const a of [full, crop, none, { ...none, coasted: true as const }]) t.add(a);
    t.add({ ...full, tiles: [[0, 0, 400, 600], [300, 0, 800, 600]], inferenceMs: 200 });
    expect(t.summary()).toEqual({
      frames: 5, detector_runs: { full: 2, crop: 1, none: 2 }, model_runs: 4, inference_ms_median: 200, skipped_share: 0.4,
      detector_runs_per_frame: 0.6, model_runs_per_frame: 0.8, coasted: 1,
      analysed_area_share: 0.45, // (1 + 0.25 + 0 + 0 + 1) / 5
      crop_area_share: 0.25,
    });
  });

  it('reports no crop share without crops, and zeros without frames', () => {
    expect(new RunTally().summary()).toMatchObject({ frames: 0, skipped_share: 0, analysed_area_share: 0, crop_area_share: null });
  });
});

describe('StepTally', () => {
  it('accounts every offered frame and splits latency by thirds of the step', () => {
    const t = new StepTally(2, 0);
    for (const at of [0, 100, 500, 900]) t.offer(at);
    t.done(0, 200, full);
    t.done(100, 400, none);
    t.done(900, 1900, full);
    t.drop('lane');
    const s = t.summary();
    expect(s).toMatchObject({ cameras: 2, offered: 4, analysed: 3, dropped: { lane: 1, queue_full: 0, stale: 0 }, dropped_share: 0.25, failed: 0, unfinished: 0 });
    expect(s.latency_ms).toEqual({ p50: 300, p95: 1000, p99: 1000, max: 1000, p50_first_third: 200, p50_last_third: 1000 });
    expect(s.runs.detector_runs).toEqual({ full: 2, crop: 0, none: 1 });
  });

  it('counts frames still in flight as unfinished', () => {
    const t = new StepTally(1, 0);
    t.offer(0);
    t.offer(1000);
    t.done(0, 50, none);
    expect(t.summary()).toMatchObject({ analysed: 1, unfinished: 1, dropped_share: 0 });
  });
});

describe('sustainable', () => {
  const steady = (): StepTally => {
    const t = new StepTally(1, 0);
    for (let at = 0; at < 3000; at += 100) {
      t.offer(at);
      t.done(at, at + 300, full);
    }
    return t;
  };

  it('holds with no drops and flat latency', () => {
    expect(sustainable(steady().summary())).toBe(true);
  });

  it('fails when more than 1 % of the frames are dropped', () => {
    const t = steady();
    t.offer(2999);
    t.drop('queue_full');
    expect(t.summary().dropped_share).toBeGreaterThan(0.01);
    expect(sustainable(t.summary())).toBe(false);
  });

  it('fails when latency grows across the step', () => {
    const t = new StepTally(1, 0);
    for (let at = 0; at < 3000; at += 100) {
      t.offer(at);
      t.done(at, at + 200 + at / 2, full);
    }
    expect(sustainable(t.summary())).toBe(false);
  });

  it('fails when nothing was offered', () => {
    expect(sustainable(new StepTally(1, 0).summary())).toBe(false);
  });
});
