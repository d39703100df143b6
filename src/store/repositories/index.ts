import type { Store } from '../port.ts';
import { alertRepo, type AlertRepoOptions } from './alerts.ts';
import { analysisRepo } from './analysis.ts';
import { apiKeyRepo } from './api-keys.ts';
import { archiveRepo } from './archive.ts';
import { authUserRepo } from './auth-users.ts';
import { cameraRepo } from './cameras.ts';
import { clipRepo } from './clips.ts';
import { eventRepo } from './events.ts';
import { leaseRepo } from './leases.ts';
import { DEFAULT_FACE_STORE, faceRepo, type FaceStoreOptions } from './faces.ts';
import { notificationRepo } from './notifications.ts';
import { pushSubscriptionRepo } from './push-subscriptions.ts';
import { segmentRepo } from './segments.ts';
import { sessionRepo } from './sessions.ts';
import { storageRepo } from './storage.ts';
import { userRepo } from './users.ts';
import type { Repositories } from './types.ts';

export { InvalidCursorError } from './types.ts';
export type * from './types.ts';
export type * from './alerts.ts';
export type * from './analysis.ts';
export type * from './api-keys.ts';
export type * from './archive.ts';
export type * from './auth-users.ts';
export type * from './clips.ts';
export type * from './faces.ts';
export type * from './leases.ts';
export type * from './notifications.ts';
export type * from './push-subscriptions.ts';
export type * from './sessions.ts';
export type * from './storage.ts';
export type * from './users.ts';

/**
 * `faces` comes from the configured embedder (dimension, model) and face_search settings.
 */
export function createRepositories(sql: Store, opts: { faces?: FaceStoreOptions; alerts?: AlertRepoOptions } = {}): Repositories {
  return {
    cameras: cameraRepo(sql), segments: segmentRepo(sql), events: eventRepo(sql), archive: archiveRepo(sql), clips: clipRepo(sql), storage: storageRepo(sql),
    faces: faceRepo(sql, opts.faces ?? DEFAULT_FACE_STORE), notifications: notificationRepo(sql),
    alerts: alertRepo(sql, opts.alerts), pushSubscriptions: pushSubscriptionRepo(sql),
    analysis: analysisRepo(sql),
    users: userRepo(sql), apiKeys: apiKeyRepo(sql),
    authUsers: authUserRepo(sql), sessions: sessionRepo(sql),
    leases: leaseRepo(sql),
  };
}
