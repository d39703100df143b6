import { describe, expect, it } from 'vitest';
import type { Caller } from '../core/actor.ts';
import { rootLogger } from '../core/log.ts';
import type { Objects } from '../objects/port.ts';
import type { EventFilter, EventRepo, EventRow } from '../store/repositories/types.ts';
import { eventService, publicEvent } from './service.ts';

const row = (id: number, camera: string): EventRow => ({
  id, event_key: `${camera}:${id}`, camera_id: camera, event_type: 'detection', label: 'person', confidence: 0.9, bounding_box: null,
  snapshot_path: `${camera}/${id}.jpg`, clip_path: `${camera}/${id}.mp4`, start_time: new Date(0), end_time: null, severity: null, metadata: {}, late: false, created_at: new Date(0), face_embedding_id: null,
});

describe('event service', () => {
  const rows = new Map([[1, row(1, 'cam_a')], [2, row(2, 'cam_b')]]);
  const filters: EventFilter[] = [];
  const read: string[] = [];
  const events = eventService({
    events: {
      get: async (id: number) => rows.get(id) ?? null,
      list: async (f: EventFilter) => {
        filters.push(f);
        return { items: [...rows.values()].filter((e) => !f.cameraIds || f.cameraIds.includes(e.camera_id)), nextCursor: null };
      },
    } as unknown as EventRepo,
    objects: {
      get: async (_bucket: string, key: string) => { read.push(key); return Buffer.from('jpeg'); },
      head: async (_bucket: string, key: string) => { read.push(key); return { size: 4 }; },
    } as unknown as Objects,
    log: rootLogger,
  });
  const gate: Caller = { kind: 'user', id: 1, name: 'gate', cameras: ['cam_a'] };

  it('a viewer of cam_a lists only cam_a events; asking for cam_b is an empty page', async () => {
    expect((await events.list(gate, { limit: 10 })).items.map((e) => e.id)).toEqual([1]);
    expect(filters.at(-1)).toMatchObject({ cameraIds: ['cam_a'] });
    expect(await events.list(gate, { camera: 'cam_b', limit: 10 })).toEqual({ items: [], next_cursor: null });
    expect((await events.list({ ...gate, cameras: null }, { limit: 10 })).items).toHaveLength(2);
  });

  it('another camera\'s event, its snapshot and its clip are not found, and no object is read', async () => {
    for (const use of [() => events.get(gate, 2), () => events.snapshot(gate, 2, false), () => events.clip(gate, 2)]) {
      await expect(use()).rejects.toMatchObject({ failure: 'not_found', message: 'no event with id 2' });
    }
    expect(read).toEqual([]);
    expect((await events.get(gate, 1)).snapshot_url).toBe('/api/v1/events/1/snapshot');
    expect((await events.snapshot(gate, 1, false)).toString()).toBe('jpeg');
  });
});

describe('publicEvent', () => {
  it('returns a rule event\'s zone and boxes and a track\'s path in time order, typed; malformed metadata gives none', () => {
    const rule = publicEvent({
      ...row(3, 'cam_a'), event_type: 'loitering',
      metadata: { zone_id: 'dock', boxes: [{ track_id: 4, class: 'person', confidence: 0.7, bbox: [1, 2, 3, 4] }] },
    });
    expect(rule).toMatchObject({ zone_id: 'dock', boxes: [{ track_id: 4, class: 'person', confidence: 0.7, bbox: [1, 2, 3, 4] }], track: [] });
    // a late catch-up appended an older point last
    const track = publicEvent({ ...row(4, 'cam_a'), metadata: { track_id: 9, track: [[2000, 5, 6], [1000, 1, 2]] } });
    expect(track.track).toEqual([{ at: new Date(1000), x: 1, y: 2 }, { at: new Date(2000), x: 5, y: 6 }]);
    expect(track.metadata).toEqual({ track_id: 9 });
    expect(publicEvent({ ...row(5, 'cam_a'), metadata: { zone_id: 7, boxes: 'x', track: [['a']] } })).toMatchObject({ zone_id: null, boxes: [], track: [] });
  });
});
