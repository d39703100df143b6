import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import type { BBox, DetectionMessage } from '../core/types.ts';
import type { EventInput, EventRepo } from '../store/repositories/types.ts';
import { TrackEventWriter, trackEventKey, trackSnapshotKey } from './track-events.ts';

const CAM = 'cam_001';
const T0 = Date.parse('2026-01-01T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

const msg = (s: number, detections: DetectionMessage['detections'], snapshot_tracks?: number[], frame_seq = s): DetectionMessage => ({
  camera_id: CAM, timestamp: iso(s), frame_seq, width: 960, height: 1080, model: 'centernet', detections,
  ...(snapshot_tracks ? { snapshot_tracks } : {}),
});

function harness(opts = { rejoinIou: 0.5, rejoinSeconds: 300, rejoinStillSeconds: 10 }) {
  const upserts: EventInput[] = [];
  const deleted: string[] = [];
  const writer = new TrackEventWriter(
    { upsert: async (e: EventInput) => (upserts.push(e), 1) } as unknown as EventRepo,
    { delete: async (_bucket, key) => void deleted.push(key) },
    opts, createLogger('silent'),
  );
  return { writer, upserts, deleted, keys: () => new Set(upserts.map((u) => u.eventKey)) };
}

const car = (track_id: number, bbox: BBox, confidence = 0.8) => ({ class: 'car', confidence, bbox, track_id });

describe('TrackEventWriter', () => {
  it('writes only tracked detections, keyed by camera and track, with the box of the frame that is its snapshot', async () => {
    const { writer, upserts } = harness();
    const n = await writer.handle(msg(0, [
      { class: 'person', confidence: 0.8, bbox: [1, 2, 3, 4], track_id: 42 },
      { class: 'car', confidence: 0.5, bbox: [5, 6, 7, 8] },
    ], [42]));
    expect(n).toBe(1);
    expect(upserts[0]).toMatchObject({
      eventKey: trackEventKey(CAM, 42), label: 'person', confidence: 0.8, bbox: [1, 2, 3, 4], newView: true,
      snapshotPath: trackSnapshotKey(CAM, 42, iso(0), 0), startTime: new Date(T0), endTime: new Date(T0),
    });
  });

  it('changes the box only with the snapshot, and deletes the snapshot it replaced', async () => {
    const { writer, upserts, deleted } = harness();
    await writer.handle(msg(0, [car(7, [0, 0, 10, 10])], [7]));
    await writer.handle(msg(1, [car(7, [2, 0, 12, 10], 0.7)]));
    await writer.handle(msg(2, [car(7, [4, 0, 14, 10], 0.9)], [7]));
    expect(upserts.map((u) => [u.bbox, u.snapshotPath, u.newView])).toEqual([
      [[0, 0, 10, 10], trackSnapshotKey(CAM, 7, iso(0), 0), true],
      // not a snapshot frame: the stored box and snapshot stay as they are
      [null, null, false],
      [[4, 0, 14, 10], trackSnapshotKey(CAM, 7, iso(2), 2), true],
    ]);
    expect(deleted).toEqual([trackSnapshotKey(CAM, 7, iso(0), 0)]);
    // a redelivered older record does not bring back the replaced (deleted) snapshot
    await writer.handle(msg(0, [car(7, [0, 0, 10, 10])], [7]));
    expect(upserts.at(-1)).toMatchObject({ bbox: null, snapshotPath: null, newView: false });
  });

  it('keeps a point of the path a second: the box centre of the first frame of each second', async () => {
    const { writer, upserts } = harness();
    for (const s of [0, 0.4, 0.8, 1.2, 2.2]) await writer.handle(msg(s, [car(7, [s * 10, 0, s * 10 + 10, 20])]));
    expect(upserts.map((u) => u.trackPoint)).toEqual([[T0, 5, 10], undefined, undefined, [T0 + 1200, 17, 10], [T0 + 2200, 27, 10]]);
  });

  it('a replayed message produces the same key (idempotent upsert downstream)', async () => {
    const { writer, keys } = harness();
    const m = msg(1, [{ class: 'person', confidence: 0.9, bbox: [1, 2, 3, 4], track_id: 7 }]);
    await writer.handle(m);
    await writer.handle(m);
    expect(keys().size).toBe(1);
  });

  it('a parked car whose track ends and restarts in place stays one event', async () => {
    const { writer, upserts, keys } = harness();
    await writer.handle(msg(0, [car(1, [100, 100, 300, 200])], [1]));
    await writer.handle(msg(5, [car(1, [101, 100, 301, 200])]));
    await writer.handle(msg(12, [car(1, [100, 101, 300, 201])]));
    // the track is lost, and a minute later a new track starts on the same spot (detector jitter)
    await writer.handle(msg(65, [car(2, [104, 98, 305, 203])], [2]));
    await writer.handle(msg(66, [car(2, [104, 98, 305, 203])]));
    expect(keys()).toEqual(new Set([trackEventKey(CAM, 1)]));
    expect(upserts.at(-2)).toMatchObject({ eventKey: trackEventKey(CAM, 1), snapshotPath: trackSnapshotKey(CAM, 2, iso(65), 65), bbox: [104, 98, 305, 203] });
  });

  it('a new track elsewhere, of another class, beside a live track or after the window is a new event', async () => {
    const { writer, keys } = harness();
    await writer.handle(msg(0, [car(1, [100, 100, 300, 200])], [1]));
    await writer.handle(msg(12, [car(1, [100, 100, 300, 200])]));
    await writer.handle(msg(14, [car(2, [600, 100, 800, 200])], [2]));
    await writer.handle(msg(20, [{ class: 'truck', confidence: 0.8, bbox: [100, 100, 300, 200], track_id: 3 }], [3]));
    // a second car pulls up beside car 4, which is seen in the same frame: two cars, two events
    await writer.handle(msg(30, [car(4, [900, 100, 1100, 200]), car(5, [905, 100, 1105, 200])], [4, 5]));
    // car 1 was last seen at 12 s: past the 300 s window its spot is free for a new event
    await writer.handle(msg(400, [car(6, [100, 100, 300, 200])], [6]));
    expect([...keys()].sort()).toEqual([1, 2, 3, 4, 5, 6].map((id) => trackEventKey(CAM, id)).sort());
  });

  it('the next person through a door where a walker\'s track ended is a new event', async () => {
    const { writer, keys } = harness();
    const person = (track_id: number, x: number) => ({ class: 'person', confidence: 0.8, bbox: [x, 100, x + 40, 200] as BBox, track_id });
    for (let s = 0; s <= 10; s++) await writer.handle(msg(s, [person(1, 400 - s * 30)], s === 0 ? [1] : undefined));
    // track 1 ended at the door (x = 100); 20 s later someone comes out of it
    await writer.handle(msg(30, [person(2, 102)], [2]));
    expect(keys()).toEqual(new Set([trackEventKey(CAM, 1), trackEventKey(CAM, 2)]));
  });

  it('rejoin_seconds 0 never continues an event', async () => {
    const { writer, keys } = harness({ rejoinIou: 0.5, rejoinSeconds: 0, rejoinStillSeconds: 0 });
    await writer.handle(msg(0, [car(1, [100, 100, 300, 200])], [1]));
    await writer.handle(msg(3, [car(2, [100, 100, 300, 200])], [2]));
    expect(keys().size).toBe(2);
  });
});
