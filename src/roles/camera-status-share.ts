import type { Cache } from '../cache/port.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import type { Logger } from '../core/log.ts';
import type { RunningRole } from './context.ts';

/**
 * Camera status across processes. The edge role keeps each camera's status in RoleContext's map;
 * the API, notifier and system alerts read that map. In the one box they share it in memory. When
 * the cache is shared (Redis), the edge also writes each status to a hash in the cache (the current
 * state, for a process starting later) and announces it on a channel (for processes running now),
 * and a process without the edge fills its own map from both.
 */
const HASH = 'camera-status';
const CHANNEL = 'camera-status';
/** A follower reads the whole hash this often: it repairs what a reconnect lost (pub/sub keeps nothing). */
export const RESYNC_MS = 30_000;

interface StatusChange {
  cameraId: string;
  /** null: the camera was removed */
  status: CameraStatus | null;
}

/** What the edge calls beside its map; a failed write is logged (the next status of the camera repairs it). */
export interface CameraStatusPublisher {
  set(cameraId: string, status: CameraStatus): void;
  delete(cameraId: string): void;
}

export function cameraStatusPublisher(cache: Cache, log: Logger): CameraStatusPublisher {
  const send = (change: StatusChange): void => {
    const stored = change.status ? cache.hset(HASH, change.cameraId, change.status) : cache.hdel(HASH, change.cameraId);
    Promise.all([stored, cache.publish(CHANNEL, change)]).catch((err: unknown) => log.warn({ err, camera_id: change.cameraId }, 'camera status not shared through the cache'));
  };
  return {
    set: (cameraId, status) => send({ cameraId, status }),
    delete: (cameraId) => send({ cameraId, status: null }),
  };
}

/**
 * Keeps `statuses` equal to what the edge shares: every change as announced, and the whole hash at
 * start and every RESYNC_MS. A camera changed while the hash is being read keeps its announced
 * status, which is newer than the hash's.
 */
export async function followCameraStatus(cache: Cache, statuses: Map<string, CameraStatus>, log: Logger): Promise<RunningRole> {
  const changedDuringRead = new Set<string>();
  const stopFollowing = await cache.subscribe<StatusChange>(CHANNEL, ({ cameraId, status }) => {
    changedDuringRead.add(cameraId);
    if (status) statuses.set(cameraId, status);
    else statuses.delete(cameraId);
  });
  const resync = async (): Promise<void> => {
    changedDuringRead.clear();
    const all = await cache.hgetall<CameraStatus>(HASH);
    for (const id of statuses.keys()) if (!(id in all) && !changedDuringRead.has(id)) statuses.delete(id);
    for (const [id, status] of Object.entries(all)) if (!changedDuringRead.has(id)) statuses.set(id, status);
  };
  try {
    await resync();
  } catch (e) {
    await stopFollowing();
    throw e;
  }
  const timer = setInterval(() => void resync().catch((err: unknown) => log.warn({ err }, 'camera status not read from the cache; retrying')), RESYNC_MS);
  timer.unref();
  return {
    name: 'camera-status',
    stop: async () => {
      clearInterval(timer);
      await stopFollowing();
    },
  };
}
