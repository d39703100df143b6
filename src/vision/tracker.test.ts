import { describe, expect, it } from 'vitest';
import type { BBox, Detection } from '../core/types.ts';
import { evaluateTracking } from '../eval/mot-metrics.ts';
import { readGroundTruth, type Frames, type TrackBox } from '../eval/mot-format.ts';
import { hasPets09Gt, PETS09_GT } from '../../test/fixtures/ground-truth.ts';
import { DEFAULT_TRACKER_OPTIONS, Tracker } from './tracker.ts';

const at = (s: number): Date => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + s * 1000);
const person = (bbox: BBox, confidence = 0.8): Detection => ({ class: 'person', confidence, bbox });
/** a 40x120 person whose left edge is at x */
const walker = (x: number, y = 300, confidence = 0.8): Detection => person([x, y, x + 40, y + 120], confidence);
/** most cases check confirmation after two hits; the product default (1) is covered on its own */
const twoHits = { minHits: 2 };
const idsOf = (ds: readonly Detection[]): (number | undefined)[] => ds.map((d) => d.track_id);

describe('Tracker', () => {
  it('follows one person walking at 1 fps (more than their width per frame) as one track', () => {
    const t = new Tracker(twoHits);
    const ids = new Set<number | undefined>();
    for (let s = 0; s < 10; s++) {
      const { detections } = t.update(at(s), [walker(100 + 70 * s)]);
      // tentative on its first frame: nothing reported yet
      if (s === 0) expect(detections).toEqual([]);
      else ids.add(detections[0]!.track_id);
    }
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTypeOf('number');
    expect(t.flush()).toMatchObject([{ hits: 10, label: 'person' }]);
  });

  it('reports only detections of confirmed tracks, each with its id', () => {
    const t = new Tracker({ minHits: 3 });
    expect(t.update(at(0), [walker(100)]).detections).toEqual([]);
    expect(t.update(at(1), [walker(110)]).detections).toEqual([]);
    const third = t.update(at(2), [walker(120), walker(600, 100)]);
    expect(third.detections).toHaveLength(1);
    expect(third.detections[0]).toMatchObject({ bbox: [120, 300, 160, 420], confidence: 0.8, track_id: expect.any(Number) });
  });

  it('drops a tentative track missed once and never starts tracks from weak detections', () => {
    const t = new Tracker(twoHits);
    t.update(at(0), [walker(500)]);
    t.update(at(1), []); // the blip is gone: its tentative track dies
    expect(t.update(at(2), [walker(500)]).detections).toEqual([]);
    // below newTrackThreshold, with weak births off: continues tracks but starts none
    const weak = new Tracker({ ...twoHits, weakTrackThreshold: 0.5 });
    for (let s = 0; s < 5; s++) expect(weak.update(at(s), [walker(100, 300, 0.3)]).detections).toEqual([]);
  });

  it('starts a track of a class only at its own start threshold when that is above new_track_threshold', () => {
    const strict = new Tracker({ classStartThresholds: { person: 0.7 } });
    expect(strict.update(at(0), [walker(100, 300, 0.6)]).detections).toEqual([]);
    expect(strict.update(at(1), [walker(100, 300, 0.75)]).detections).toHaveLength(1);
    // a lower class threshold does not undercut the tracker's own start score
    const lax = new Tracker({ classStartThresholds: { person: 0.3 } });
    expect(lax.update(at(0), [walker(100, 300, 0.46)]).detections).toEqual([]);
  });

  it('confirms a track of weak detections after weakTrackHits consecutive matches, and not one that misses a frame', () => {
    const weakBirths = { minHits: 1, weakTrackThreshold: 0.25, weakTrackHits: 3 };
    const t = new Tracker(weakBirths);
    // a distant person scoring 0.3 on every frame, walking 70 px a second
    const reported = [0, 1, 2, 3].map((s) => idsOf(t.update(at(s), [walker(100 + 70 * s, 300, 0.3)]).detections));
    expect(reported.slice(0, 2)).toEqual([[], []]);
    expect(reported[2]).toEqual([expect.any(Number)]);
    expect(reported[3]).toEqual(reported[2]);
    // a flicker of weak detections, missed every other frame, never becomes a track
    const flicker = new Tracker(weakBirths);
    for (let s = 0; s < 8; s++) expect(flicker.update(at(s), s % 2 === 0 ? [walker(500, 300, 0.3)] : []).detections).toEqual([]);
    // below weakTrackThreshold nothing starts; a strong detection is still confirmed at once (minHits 1)
    const below = new Tracker(weakBirths);
    for (let s = 0; s < 4; s++) expect(below.update(at(s), [walker(100, 300, 0.22)]).detections).toEqual([]);
    expect(idsOf(new Tracker(weakBirths).update(at(0), [walker(100, 300, 0.6)]).detections)).toEqual([expect.any(Number)]);
  });

  it('keeps a track through an occlusion on low-score detections (second association)', () => {
    const run = (opts: Partial<typeof DEFAULT_TRACKER_OPTIONS>): (number | undefined)[][] => {
      const t = new Tracker(opts);
      const out: (number | undefined)[][] = [];
      for (let s = 0; s < 12; s++) {
        const occluded = s >= 4 && s < 8;
        out.push(idsOf(t.update(at(s / 7), [walker(100 + 5 * s, 300, occluded ? 0.3 : 0.8)]).detections));
      }
      return out;
    };
    const ids = run({});
    expect(new Set(ids.slice(1).flat())).toEqual(new Set([ids[1]![0]]));
    expect(ids.slice(4, 8).every((f) => f.length === 1)).toBe(true);
    // without the low stage the occluded frames are not reported (the track is lost meanwhile)
    const highOnly = run({ lowThreshold: DEFAULT_TRACKER_OPTIONS.highThreshold });
    expect(highOnly.slice(4, 8).flat()).toEqual([]);
  });

  it('re-finds a lost track within the budget, ends it after, in seconds or frame intervals', () => {
    // 1 fps: budget max(2 s, 3 × 1 s) = 3 s
    const t = new Tracker(twoHits);
    t.update(at(0), [walker(100)]);
    const id = t.update(at(1), [walker(100)]).detections[0]!.track_id;
    t.update(at(2), []);
    t.update(at(3), []);
    expect(t.update(at(4), [walker(100)]).detections[0]!.track_id).toBe(id); // 3 s unseen: re-found
    expect(t.update(at(5), []).ended).toEqual([]);
    const gone = [6, 7, 8].map((s) => t.update(at(s), []));
    expect(gone.at(-1)!.ended.map((e) => e.trackId)).toEqual([id]);
    const back = t.update(at(9), [walker(100)]);
    expect(back.detections).toEqual([]); // a new, tentative track
    expect(t.update(at(10), [walker(100)]).detections[0]!.track_id).not.toBe(id);

    // 7 fps: budget max(2 s, 3 / 7 s) = 2 s
    const fast = new Tracker(twoHits);
    for (let f = 0; f < 5; f++) fast.update(at(f / 7), [walker(100)]);
    let endedAt: number | undefined;
    for (let f = 5; f < 40 && endedAt === undefined; f++) if (fast.update(at(f / 7), []).ended.length > 0) endedAt = f;
    expect((endedAt! - 4) / 7).toBeGreaterThan(2);
    expect((endedAt! - 4) / 7).toBeLessThan(2 + 1 / 7 + 1e-9);
  });

  it('coasts a followed track on its prediction: same id, predicted box flagged, uncertainty growing, nothing missed', () => {
    const t = new Tracker();
    for (let s = 0; s < 4; s++) t.update(at(s), [walker(100 + 50 * s)]);
    const before = t.forecast(at(4));
    expect(t.forecast(at(4))).toEqual(before); // a forecast changes nothing
    expect(before).toMatchObject([{ trackId: expect.any(Number), state: 'tracked', label: 'person' }]);
    const coasted = [4, 5, 6, 7, 8].map((s) => t.coast(at(s)));
    // 5 s without a detection is past the 3 s lost budget: a coasted track is not missed
    expect(coasted.flatMap((c) => c.ended)).toEqual([]);
    for (const [i, c] of coasted.entries()) {
      expect(c.detections).toEqual([{ class: 'person', confidence: 0.8, bbox: expect.any(Array), track_id: before[0]!.trackId, predicted: true }]);
      // the box moves on at the walker's speed (left edge 100 + 50 s)
      expect(c.detections[0]!.bbox[0]).toBeCloseTo(100 + 50 * (4 + i), -1);
    }
    expect(t.forecast(at(9))[0]!.uncertainty).toBeGreaterThan(before[0]!.uncertainty);
    // the detector misses it right after coasting: lost, within the budget, not ended
    expect(t.update(at(9), []).ended).toEqual([]);
    expect(t.update(at(10), [walker(100 + 50 * 10)]).detections[0]!.track_id).toBe(before[0]!.trackId);
  });

  it('ages a lost track out while coasting and reports tentative tracks in the forecast without an id', () => {
    const t = new Tracker(twoHits);
    t.update(at(0), [walker(100), walker(500)]);
    const id = t.update(at(1), [walker(100), walker(500)]).detections[0]!.track_id;
    t.update(at(2), [walker(500), walker(300, 50)]);
    expect(t.forecast(at(3)).map((f) => [f.trackId === undefined, f.state])).toEqual([[false, 'lost'], [false, 'tracked'], [true, 'tentative']]);
    const ended = [3, 4, 5, 6].flatMap((s) => t.coast(at(s)).ended);
    expect(ended.map((e) => e.trackId)).toEqual([id]);
    expect(t.forecast(at(7)).map((f) => f.state)).toEqual(['tracked', 'tentative']);
  });

  it('keeps two people crossing each other at 1 fps as two tracks', () => {
    const t = new Tracker(twoHits);
    const seen = new Map<number, number[]>(); // track id -> x positions
    for (let s = 0; s < 9; s++) {
      const a = 100 + 60 * s; // walks right
      const b = 580 - 60 * s; // walks left, same row: they cross at s = 4
      for (const d of t.update(at(s), [walker(a, 300), walker(b, 310)]).detections) seen.set(d.track_id!, [...(seen.get(d.track_id!) ?? []), d.bbox[0]]);
    }
    expect(seen.size).toBe(2);
    for (const xs of seen.values()) {
      const steps = xs.slice(1).map((x, i) => x - xs[i]!);
      // each track moves monotonically in one direction: identities did not swap at the crossing
      expect(steps.every((d) => d > 0) || steps.every((d) => d < 0)).toBe(true);
    }
  });

  it('follows a walker sampled at irregular times as one track', () => {
    const t = new Tracker(twoHits);
    const ids = new Set<number | undefined>();
    for (const s of [0, 0.3, 1.5, 1.7, 3.2, 3.3, 4.9, 6, 6.1, 8]) for (const d of t.update(at(s), [walker(100 + 60 * s)]).detections) ids.add(d.track_id);
    expect(ids.size).toBe(1);
    expect(t.flush()[0]!.hits).toBe(10);
  });

  it('never associates across classes', () => {
    const t = new Tracker(twoHits);
    t.update(at(0), [walker(100)]);
    const id = t.update(at(1), [walker(100)]).detections[0]!.track_id;
    const car: Detection = { class: 'car', confidence: 0.9, bbox: [100, 300, 140, 420] };
    // the car at the person's box: the person track is lost, the car starts its own
    expect(t.update(at(2), [car]).detections).toEqual([]);
    const both = t.update(at(3), [car, walker(100)]).detections;
    expect(both.find((d) => d.class === 'person')!.track_id).toBe(id);
    expect(both.find((d) => d.class === 'car')!.track_id).not.toBe(id);
  });

  it('reports improved confidence and the best box', () => {
    const t = new Tracker(twoHits);
    t.update(at(0), [walker(100, 300, 0.6)]);
    expect(t.update(at(1), [walker(110, 300, 0.55)]).improved).toEqual([]);
    const { improved } = t.update(at(2), [walker(120, 300, 0.9)]);
    expect(improved).toMatchObject([{ maxConfidence: 0.9, bestBbox: [120, 300, 160, 420], bestTime: at(2), hits: 3 }]);
  });

  it('gives ids unique across tracker instances (process restarts)', () => {
    const idOf = (): number => {
      const t = new Tracker({ minHits: 1 });
      return t.update(at(0), [walker(0)]).detections[0]!.track_id!;
    };
    const first = idOf();
    expect(first).toBeGreaterThanOrEqual(Date.now() - 60_000);
    expect(idOf()).toBeGreaterThanOrEqual(first);
  });
});

if (!hasPets09Gt) console.warn(`skipping PETS09 tracker test: ground truth not found at ${PETS09_GT}`);

describe.skipIf(!hasPets09Gt)('Tracker on PETS09-S2L1 ground truth with detector-like noise', () => {
  /**
   * GT boxes jittered by ±2 % of their height, 5 % dropped, scores spread over both association
   * stages: the tracker must keep identities.
   */
  function track(step: number) {
    const gt = readGroundTruth(PETS09_GT, 'mot15');
    let seed = 1;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const tracker = new Tracker(twoHits);
    const out: Frames<TrackBox> = new Map();
    const frames = [...gt.keys()].sort((a, b) => a - b).filter((f) => (f - 1) % step === 0);
    for (const f of frames) {
      const dets: Detection[] = [];
      for (const g of gt.get(f)!) {
        if (g.ignore || rand() < 0.05) continue;
        const [x1, y1, x2, y2] = g.bbox;
        const j = (): number => (rand() - 0.5) * 0.04 * (y2 - y1);
        dets.push(person([x1 + j(), y1 + j(), x2 + j(), y2 + j()], 0.35 + 0.6 * rand()));
      }
      const { detections } = tracker.update(at((f - 1) / 7), dets);
      out.set(f, detections.map((d) => ({ id: d.track_id!, bbox: d.bbox, score: d.confidence })));
    }
    return evaluateTracking(gt, out, { frames });
  }

  it('keeps identities at the native 7 fps', () => {
    const m = track(1);
    const summary = JSON.stringify({ mota: m.mota, idf1: m.idf1, switches: m.id_switches, fp: m.fp, fn: m.fn });
    expect(m.idf1, summary).toBeGreaterThan(0.9);
    expect(m.mota, summary).toBeGreaterThan(0.85);
  });

  it('and at 1 fps', () => {
    const m = track(7);
    const summary = JSON.stringify({ mota: m.mota, idf1: m.idf1, switches: m.id_switches, fp: m.fp, fn: m.fn });
    // measured 0.64 / 0.76: at 1 fps people of a group swap more often (real centernet: 0.63 / 0.69)
    expect(m.idf1, summary).toBeGreaterThan(0.55);
    expect(m.mota, summary).toBeGreaterThan(0.7);
  });
});
