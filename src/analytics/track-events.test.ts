import { describe, expect, it } from 'vitest';
import type { DetectionMessage } from '../core/types.ts';
import type { EventInput, EventRepo } from '../store/repositories/types.ts';
import { TrackEventWriter, trackEventKey, trackSnapshotKey } from './track-events.ts';

const msg = (ts: string, detections: DetectionMessage['detections']): DetectionMessage => ({
  camera_id: 'cam_001', timestamp: ts, frame_seq: 1, width: 960, height: 1080, model: 'centernet', detections,
});

describe('TrackEventWriter', () => {
  it('writes only tracked detections, keyed by camera and track', async () => {
    const upserts: EventInput[] = [];
    const writer = new TrackEventWriter({ upsert: async (e: EventInput) => (upserts.push(e), 1) } as unknown as EventRepo);
    const n = await writer.handle(msg('2026-01-01T10:00:00Z', [
      { class: 'person', confidence: 0.8, bbox: [1, 2, 3, 4], track_id: 42 },
      { class: 'car', confidence: 0.5, bbox: [5, 6, 7, 8] },
    ]));
    expect(n).toBe(1);
    expect(upserts[0]).toMatchObject({
      eventKey: trackEventKey('cam_001', 42), label: 'person', confidence: 0.8, snapshotPath: trackSnapshotKey('cam_001', 42),
      startTime: new Date('2026-01-01T10:00:00Z'), endTime: new Date('2026-01-01T10:00:00Z'),
    });
  });

  it('a replayed message produces the same key (idempotent upsert downstream)', async () => {
    const keys: string[] = [];
    const writer = new TrackEventWriter({ upsert: async (e: EventInput) => (keys.push(e.eventKey), 1) } as unknown as EventRepo);
    const m = msg('2026-01-01T10:00:01Z', [{ class: 'person', confidence: 0.9, bbox: [1, 2, 3, 4], track_id: 7 }]);
    await writer.handle(m);
    await writer.handle(m);
    expect(new Set(keys).size).toBe(1);
  });
});
