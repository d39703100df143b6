import { describe, expect, it } from 'vitest';
import { useTestRepositories } from '../../../test/fixtures/test-repos.ts';
import { MAX_TRACK_POINTS } from './events.ts';
import type { EventInput } from './types.ts';

const T0 = Date.parse('2025-01-20T10:00:00Z');

describe('events repository', () => {
  const db = useTestRepositories('events-repo');

  const sighting = (key: string, s: number, point?: [number, number]): EventInput => ({
    eventKey: key, cameraId: 'cam_a', eventType: 'detection', label: 'person', confidence: 0.8, bbox: null, snapshotPath: null,
    startTime: new Date(T0 + s * 1000), endTime: new Date(T0 + s * 1000), metadata: { track_id: 1 },
    trackPoint: point ? [T0 + s * 1000, point[0], point[1]] : undefined,
  });

  it('appends the sampled points of a track to its path, up to the cap, beside the other metadata', async () => {
    const id = await db.repos.events.upsert(sighting('cam_a:1', 0, [10, 20]));
    await db.repos.events.upsert(sighting('cam_a:1', 1));
    await db.repos.events.upsert(sighting('cam_a:1', 2, [30, 40]));
    const e = await db.repos.events.get(id);
    expect(e?.metadata).toEqual({ track_id: 1, track: [[T0, 10, 20], [T0 + 2000, 30, 40]] });

    for (let s = 3; s < MAX_TRACK_POINTS + 5; s++) await db.repos.events.upsert(sighting('cam_a:1', s, [s, s]));
    const capped = (await db.repos.events.get(id))?.metadata.track as unknown[];
    expect(capped).toHaveLength(MAX_TRACK_POINTS);
    expect(capped.at(-1)).toEqual([T0 + (MAX_TRACK_POINTS) * 1000, MAX_TRACK_POINTS, MAX_TRACK_POINTS]);
  });

  it('filters by zone (a rule event\'s metadata.zone_id)', async () => {
    const base = sighting('cam_a:rule-1', 0);
    const inDock = await db.repos.events.upsert({ ...base, eventType: 'loitering', metadata: { zone_id: 'dock' } });
    await db.repos.events.upsert({ ...base, eventKey: 'cam_a:rule-2', eventType: 'loitering', metadata: { zone_id: 'gate' } });
    expect((await db.repos.events.list({ zoneId: 'dock', limit: 10 })).items.map((e) => e.id)).toEqual([inDock]);
    expect((await db.repos.events.list({ zoneId: 'nowhere', limit: 10 })).items).toEqual([]);
    expect((await db.repos.events.get(inDock))?.face_embedding_id).toBeNull();
  });
});
