import { describe, expect, it } from 'vitest';
import type { Caller } from '../core/actor.ts';
import { rootLogger } from '../core/log.ts';
import type { Objects } from '../objects/port.ts';
import type { EventFilter, EventRepo, EventRow } from '../store/repositories/types.ts';
import { eventService } from './service.ts';

const row = (id: number, camera: string): EventRow => ({
  id, event_key: `${camera}:${id}`, camera_id: camera, event_type: 'detection', label: 'person', confidence: 0.9, bounding_box: null,
  snapshot_path: `${camera}/${id}.jpg`, clip_path: `${camera}/${id}.mp4`, start_time: new Date(0), end_time: null, severity: null, metadata: {}, late: false, created_at: new Date(0),
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
