import type { Store } from '../port.ts';
import { archiveRepo } from './archive.ts';
import { cameraRepo } from './cameras.ts';
import { clipRepo } from './clips.ts';
import { eventRepo } from './events.ts';
import { segmentRepo } from './segments.ts';
import type { Repositories } from './types.ts';

export { InvalidCursorError } from './types.ts';
export type * from './types.ts';
export type * from './archive.ts';
export type * from './clips.ts';

export function createRepositories(sql: Store): Repositories {
  return { cameras: cameraRepo(sql), segments: segmentRepo(sql), events: eventRepo(sql), archive: archiveRepo(sql), clips: clipRepo(sql) };
}
