import { describe, expect, it } from 'vitest';
import { planStorage, type StorageClass, type StoredItem, type Tier } from './plan.ts';

const NOW = Date.UTC(2025, 0, 20, 12);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let n = 0;
function item(cls: StorageClass, tier: Tier, ageHours: number, bytes = 100, over: Partial<StoredItem> = {}): StoredItem {
  return { class: cls, tier, ref: `${tier}-${++n}`, bytes, time: NOW - ageHours * HOUR, expiresAt: null, cameraId: 'cam_a', ...over };
}
const refs = (plan: ReturnType<typeof planStorage>) => plan.map((d) => d.item.ref);

describe('planStorage', () => {
  it('with a small budget, lower-priority classes go before recordings, whatever their age', () => {
    const recording = item('recordings', 'recordings', 48);
    const snapshot = item('snapshots', 'snapshots', 1);
    const training = item('training-data', 'training-data', 2);
    const cache = item('clip-cache', 'clip-cache', 0.5);
    const leftover = item('exports', 'exports', 3);
    const plan = planStorage({ now: NOW, items: [recording, snapshot, training, cache, leftover], overBytes: 350 });
    expect(refs(plan)).toEqual([cache.ref, leftover.ref, training.ref, snapshot.ref]);
    expect(plan.every((d) => d.reason === 'budget')).toBe(true);
    // one more byte over and the oldest recording goes too
    expect(refs(planStorage({ now: NOW, items: [recording, snapshot, training, cache, leftover], overBytes: 401 })).at(-1)).toBe(recording.ref);
  });

  it('deletes the newest recording and open alerts\' evidence last, never first', () => {
    const newest = item('recordings', 'newest', 0.2);
    const openAlert = item('evidence', 'open-alert', 30);
    const evidence = item('evidence', 'evidence', 20);
    const old = item('recordings', 'recordings', 5);
    const items = [newest, openAlert, evidence, old];
    expect(refs(planStorage({ now: NOW, items, overBytes: 150 }))).toEqual([old.ref, evidence.ref]);
    expect(refs(planStorage({ now: NOW, items, overBytes: 300 }))).toEqual([old.ref, evidence.ref, openAlert.ref]);
    expect(refs(planStorage({ now: NOW, items, overBytes: 1e9 }))).toEqual([old.ref, evidence.ref, openAlert.ref, newest.ref]);
  });

  it('ages out by each item\'s expiry, but never evidence still referenced, unsynced footage, or the protected tiers', () => {
    // recording retention 7 d: segments past it go unless an event within evidence retention refers to them
    const aged = item('recordings', 'recordings', 8 * 24, 100, { expiresAt: NOW - DAY });
    const referenced = item('evidence', 'evidence', 8 * 24, 100, { expiresAt: null });
    const unsynced = item('recordings', 'recordings', 9 * 24, 100, { expiresAt: NOW - 2 * DAY, unsynced: true });
    const young = item('recordings', 'recordings', 24, 100, { expiresAt: NOW + 6 * DAY });
    const openAlert = item('snapshots', 'open-alert', 60 * 24, 100, { expiresAt: NOW - 30 * DAY });
    const plan = planStorage({ now: NOW, items: [aged, referenced, unsynced, young, openAlert], overBytes: 0 });
    expect(plan.map((d) => [d.item.ref, d.reason])).toEqual([[aged.ref, 'age']]);
  });

  it('takes archived footage of a tier before unsynced footage of it', () => {
    const unsynced = item('recordings', 'recordings', 10, 100, { unsynced: true });
    const synced = item('recordings', 'recordings', 5);
    expect(refs(planStorage({ now: NOW, items: [unsynced, synced], overBytes: 50 }))).toEqual([synced.ref]);
  });

  it('trims capped classes to their cap, oldest first, and counts what that freed against the budget', () => {
    const frames = [item('training-data', 'training-data', 3, 400), item('training-data', 'training-data', 2, 400), item('training-data', 'training-data', 1, 400)];
    const recording = item('recordings', 'recordings', 10);
    const plan = planStorage({ now: NOW, items: [...frames, recording], overBytes: 300, caps: { 'training-data': { maxBytes: 500, usedBytes: 1200, files: 3 } } });
    expect(plan.map((d) => [d.item.ref, d.reason])).toEqual([[frames[0]!.ref, 'cap'], [frames[1]!.ref, 'cap']]);
    const byCount = planStorage({ now: NOW, items: frames, overBytes: 0, caps: { 'training-data': { maxFiles: 1, usedBytes: 1200, files: 3 } } });
    expect(refs(byCount)).toEqual([frames[0]!.ref, frames[1]!.ref]);
  });

  it('stops after a tier listed only in part: its unlisted items go before any later tier', () => {
    const listed = item('recordings', 'recordings', 10);
    const evidence = item('evidence', 'evidence', 20);
    expect(refs(planStorage({ now: NOW, items: [listed, evidence], overBytes: 1000, truncated: new Set(['recordings']) }))).toEqual([listed.ref]);
  });

  it('counts each item once when it is listed twice (aged and oldest of its tier)', () => {
    const a = item('recordings', 'recordings', 10, 100, { expiresAt: NOW - 1 });
    const plan = planStorage({ now: NOW, items: [a, { ...a }], overBytes: 150 });
    expect(plan.map((d) => [d.item.ref, d.reason])).toEqual([[a.ref, 'age']]);
  });
});
