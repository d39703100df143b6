import type { Store } from '../port.ts';
import { archiveRepo } from './archive.ts';
import { cameraRepo } from './cameras.ts';
import { clipRepo } from './clips.ts';
import { eventRepo } from './events.ts';
import { DEFAULT_FACE_STORE, faceRepo, type FaceStoreOptions } from './faces.ts';
import { notificationRepo } from './notifications.ts';
import { segmentRepo } from './segments.ts';
import type { Repositories } from './types.ts';

export { InvalidCursorError } from './types.ts';
export type * from './types.ts';
export type * from './archive.ts';
export type * from './clips.ts';
export type * from './faces.ts';
export type * from './notifications.ts';

/** `faces` comes from the configured embedder (dimension, model) and face_search settings. */
export function createRepositories(sql: Store, opts: { faces?: FaceStoreOptions } = {}): Repositories {
  return {
    cameras: cameraRepo(sql), segments: segmentRepo(sql), events: eventRepo(sql), archive: archiveRepo(sql), clips: clipRepo(sql),
    faces: faceRepo(sql, opts.faces ?? DEFAULT_FACE_STORE), notifications: notificationRepo(sql),
  };
}
