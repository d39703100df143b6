import type { Store } from '../port.ts';
import { cameraRepo } from './cameras.ts';
import { eventRepo } from './events.ts';
import { segmentRepo } from './segments.ts';
import type { Repositories } from './types.ts';

export { InvalidCursorError } from './types.ts';
export type * from './types.ts';

export function createRepositories(sql: Store): Repositories {
  return { cameras: cameraRepo(sql), segments: segmentRepo(sql), events: eventRepo(sql) };
}
