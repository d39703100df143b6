import type { Store } from '../store/port.ts';
import { configObjectRepo } from '../store/repositories/config-objects.ts';
import { CAMERA_KINDS } from './cameras.ts';
import { RECIPIENT_KINDS } from './recipients.ts';
import { RETENTION_KINDS } from './retention.ts';
import { DEFAULT_KINDS } from './kinds.ts';
import { ConfigService } from './service.ts';

/** The configuration store of a database, for objects of cameras `knownCameras` lists. */
export const openSettings = (store: Store, knownCameras: () => Promise<readonly string[]>): ConfigService =>
  new ConfigService({ repo: configObjectRepo(store), kinds: { ...DEFAULT_KINDS, ...CAMERA_KINDS, ...RETENTION_KINDS, ...RECIPIENT_KINDS }, knownCameras });
