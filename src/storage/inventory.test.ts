import { describe, expect, it } from 'vitest';
import type { FootageSpan, SegmentTier, StorageRepo, TieredSegmentRow } from '../store/repositories/storage.ts';
import { segmentItems } from './inventory.ts';

const NOW = Date.UTC(2025, 0, 20, 12);
let id = 0;
const row = (tier: SegmentTier, bytes = 100): TieredSegmentRow => {
  const start = new Date(NOW - 3600_000 + ++id * 10_000);
  return { id, camera_id: 'cam_a', start_time: start, end_time: new Date(start.getTime() + 10_000), path: `cam_a/20250120/${id}.ts`, bytes, status: 'closed', unsynced: false, tier };
};

/** A storage repo holding `perTier` rows of each tier; remembers which tiers were asked for. */
function fakeRepo(perTier: Record<SegmentTier, TieredSegmentRow[]>, aged: TieredSegmentRow[] = [], spans: FootageSpan[] = []): StorageRepo & { asked: SegmentTier[] } {
  const asked: SegmentTier[] = [];
  return {
    asked,
    agedRecordings: async (_cam, _before, limit) => aged.slice(0, limit),
    oldestOfTier: async (tier, limit) => (asked.push(tier), perTier[tier].slice(0, limit)),
    openAlertSpans: async () => spans,
    segmentsIn: async (_spans, limit) => (asked.push('open-alert'), perTier['open-alert'].slice(0, limit)),
    recordingUsage: async () => [],
    openAlertSnapshots: async () => [],
  };
}

const base = { cameras: [{ id: 'cam_a', retentionDays: 7 }], defaultRetentionDays: 7, now: NOW, scope: { syncStream: null, preSeconds: 5, postSeconds: 5, evidenceSince: new Date(0), newestSince: new Date(NOW) } };

describe('segmentItems', () => {
  it('lists the tiers in deletion order only while the budget needs more', async () => {
    const alerted = row('open-alert');
    const span = { camera_id: 'cam_a', from: alerted.start_time, to: alerted.end_time! };
    const repo = fakeRepo({ recordings: [row('recordings'), row('recordings')], evidence: [row('evidence')], 'open-alert': [alerted], newest: [row('newest')] }, [], [span]);
    expect((await segmentItems({ ...base, storage: repo, batch: 10, neededBytes: 0 })).items).toEqual([]);
    expect(repo.asked).toEqual([]);
    const some = await segmentItems({ ...base, storage: repo, batch: 10, neededBytes: 250 });
    expect(some.items.map((i) => i.tier)).toEqual(['recordings', 'recordings', 'evidence']);
    // within recording retention every segment is of class recordings, whatever its tier
    expect(some.items.map((i) => i.class)).toEqual(['recordings', 'recordings', 'recordings']);
    repo.asked.length = 0;
    const all = await segmentItems({ ...base, storage: repo, batch: 10, neededBytes: 1e9 });
    expect(repo.asked).toEqual(['recordings', 'evidence', 'open-alert', 'newest']);
    expect(all.items.find((i) => i.tier === 'newest')!.expiresAt).toBeNull();
    expect(all.truncated.size).toBe(0);
  });

  it('moves footage an open alert needs to the open-alert tier, wherever it was listed', async () => {
    const old = { ...row('recordings'), tier: 'recordings' as const };
    const span = { camera_id: 'cam_a', from: new Date(old.start_time.getTime() + 1000), to: new Date(old.start_time.getTime() + 2000) };
    const repo = fakeRepo({ recordings: [], evidence: [], 'open-alert': [], newest: [] }, [old], [span]);
    const r = await segmentItems({ ...base, storage: repo, batch: 10, neededBytes: 0 });
    expect(r.items.map((i) => [i.tier, i.expiresAt])).toEqual([['open-alert', null]]);
  });

  it('stops at a tier it could list only in part, and says so', async () => {
    const repo = fakeRepo({ recordings: [row('recordings'), row('recordings'), row('recordings')], evidence: [row('evidence')], 'open-alert': [], newest: [] });
    const r = await segmentItems({ ...base, storage: repo, batch: 2, neededBytes: 1e9 });
    expect(repo.asked).toEqual(['recordings']);
    expect([...r.truncated]).toEqual(['recordings']);
  });

  it('counts aged segments against what the budget needs and flags a full aged batch', async () => {
    const aged = [row('recordings'), row('recordings')];
    const repo = fakeRepo({ recordings: aged, evidence: [], 'open-alert': [], newest: [] }, aged);
    const r = await segmentItems({ ...base, storage: repo, batch: 2, neededBytes: 150 });
    expect(repo.asked).toEqual([]);
    expect(r.agedFull).toBe(true);
    expect(r.items.every((i) => i.expiresAt === i.time + 10_000 + 7 * 86_400_000)).toBe(true);
  });
});
