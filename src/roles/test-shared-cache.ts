import { expect } from 'vitest';
import type { Cache } from '../cache/port.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import { rootLogger } from '../core/log.ts';
import type { AlertRepo } from '../store/repositories/alerts.ts';
import { announcingAlertWrites, followAlertAnnouncements } from './alert-announcements.ts';
import { cameraStatusPublisher, followCameraStatus } from './camera-status-share.ts';

export const statusOf = (state: CameraStatus['state']): CameraStatus => ({
  state, connected: state === 'streaming', lastFrameAt: null, lastSegmentAt: null, reconnects: 0, currentBackoffMs: 0,
  lastError: null, sourceFps: null, analysisFps: 1, bitrateKbps: 0,
});

/** Resolves once `ready()` holds (bounded). */
export async function settled(ready: () => boolean): Promise<void> {
  for (let i = 0; !ready(); i++) {
    if (i > 1500) throw new Error('not shared through the cache within 15 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The edge's publisher on one cache client and a follower on another (the same cache in memory). */
export function cameraStatusSharing(edgeSide: () => Promise<Cache>, apiSide: () => Promise<Cache>): () => Promise<void> {
  return async () => {
    const [edgeCache, apiCache] = [await edgeSide(), await apiSide()];
    const edge = cameraStatusPublisher(edgeCache, rootLogger);
    edge.set('cam_before', statusOf('backoff'));
    // shared before the follower started: it is read from the hash
    const seen = new Map<string, CameraStatus>();
    const follower = await followUntilSeen(apiCache, seen, 'cam_before');
    try {
      edge.set('cam_1', statusOf('starting'));
      edge.set('cam_1', statusOf('streaming'));
      edge.delete('cam_before');
      await settled(() => seen.get('cam_1')?.state === 'streaming' && !seen.has('cam_before'));
      expect([...seen.keys()]).toEqual(['cam_1']);
      expect(seen.get('cam_1')).toEqual(statusOf('streaming'));
    } finally {
      await follower.stop();
    }
  };
}

/** Starts following until `camera` is known (it was shared before: its write may still be in flight). */
async function followUntilSeen(cache: Cache, seen: Map<string, CameraStatus>, camera: string) {
  for (let i = 0; ; i++) {
    const follower = await followCameraStatus(cache, seen, rootLogger);
    if (seen.has(camera)) return follower;
    await follower.stop();
    if (i > 100) throw new Error(`${camera} never appeared in the shared camera status`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Alert writes on one cache client wake a follower on another (the same cache in memory); reads do not. */
export function alertWritesAnnounced(writerSide: () => Promise<Cache>, readerSide: () => Promise<Cache>): () => Promise<void> {
  return async () => {
    const [writerCache, readerCache] = [await writerSide(), await readerSide()];
    const stored = {
      get: async () => null,
      changeStatus: async () => ({ id: 7 }),
      escalate: async () => true,
      recordTrigger: async () => ({ eventId: 1, created: true }),
      raiseSystem: async () => ({ alertId: 2, created: true }),
      clearSystem: async () => true,
    } as unknown as AlertRepo;
    let wakes = 0;
    const stop = await followAlertAnnouncements(readerCache)(() => void wakes++);
    try {
      const alerts = announcingAlertWrites(stored, writerCache, rootLogger);
      expect(await alerts.get(7)).toBeNull();
      expect(await alerts.changeStatus(7, {} as never, () => {})).toEqual({ id: 7 });
      expect(await alerts.escalate(7, new Date(), 'admin')).toBe(true);
      await settled(() => wakes >= 2);
      await alerts.clearSystem('disk', 'cleared');
      // announcements arrive in order: had the read announced too, this would already be 4
      await settled(() => wakes >= 3);
      expect(wakes).toBe(3);
    } finally {
      await stop();
    }
  };
}
