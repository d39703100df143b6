import { mkdirSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.ts';
import { LiveCameras } from '../config/live-cameras.ts';
import type { Config } from '../config/schema.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import { Health } from '../core/health.ts';
import type { Logger } from '../core/log.ts';
import { openBus } from '../bus/open.ts';
import { cacheIsShared, openCache } from '../cache/open.ts';
import type { Cache } from '../cache/port.ts';
import { clipMaterialiser, type ClipMaterialiser } from '../media/clips/materialise.ts';
import { LiveFeeds } from '../media/live/feeds.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import type { Bus } from '../bus/port.ts';
import { openObjects } from '../objects/open.ts';
import type { Objects } from '../objects/port.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { createRepositories } from '../store/repositories/index.ts';
import { StorageLedger } from '../storage/ledger.ts';
import { openSettings } from '../settings/open.ts';
import { announcingAlertWrites } from './alert-announcements.ts';
import { openCameraSettings } from './camera-settings.ts';

import type { CameraAdmin } from '../settings/camera-admin.ts';
import type { RecipientAdmin } from '../settings/recipients.ts';
import type { LiveStoragePolicy, StorageAdmin } from '../settings/retention.ts';
import type { ConfigService } from '../settings/service.ts';
import type { FaceStoreOptions } from '../store/repositories/faces.ts';
import type { Repositories } from '../store/repositories/types.ts';
import { createFaceEmbedder } from '../vision/faces/embedder.ts';
import { sharedFaceEmbedder, type SharedFaceEmbedder } from '../vision/faces/shared-embedder.ts';

/** Everything a role may touch: the ports, config, health and the live camera states. */
export interface RoleContext {
  loaded: LoadedConfig;
  log: Logger;
  health: Health;
  bus: Bus;
  store: Store;
  repos: Repositories;
  objects: Objects;
  /** leases, counters, camera status and fan-out shared by every process of the deployment (one process's memory in the one box) */
  cache: Cache;
  /** the cameras run now (the config file's at start; added, edited and removed at run time): read it, never keep a copy */
  cameras: LiveCameras;
  cameraStatus: Map<string, CameraStatus>;
  /** where each camera's live HLS and RTP are (filled by the edge role) */
  liveFeeds: LiveFeeds;
  /** the process's one face worker (photo search and the face stage), started on first use */
  faceEmbedder: SharedFaceEmbedder;
  /** the one way to an event clip's MP4 (download, archive): cut from the recording on demand */
  clips: ClipMaterialiser;
  /** the storage sweeps' results (written by the edge role, read by the API) */
  storage: StorageLedger;
  /** add, edit, remove cameras and DVRs (the live camera list follows) */
  cameraAdmin: CameraAdmin;
  /** read and change retention and the storage budget */
  storageAdmin: StorageAdmin;
  /** the retention and budget in force (the storage sweep reads it at every run) */
  storagePolicy: LiveStoragePolicy;
  /** read and change notification recipients */
  recipientAdmin: RecipientAdmin;
  /** the live configuration (zones, lines, rules…): edited through the API, seeded from the YAML; roles apply its changes */
  settings: ConfigService;
}

// Frames are ~100 kB each: keep only a short window of them in memory (recording is the durable log).
const MEMORY_BUS_RETENTION = { maxRecordsPerPartition: 200, maxAgeMs: 10 * 60_000 };

/** Base of links sent out (alert notifications): api.public_url, else the bind address. */
export function apiPublicUrl(config: Config): string {
  const { host, port, public_url } = config.api;
  return public_url ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The face store compares only embeddings of the configured embedder. */
export function faceStoreOptions(config: Config): FaceStoreOptions {
  return { dim: config.faces.dim, model: config.faces.embedder, identitySimilarity: config.face_search.identity_similarity, efSearch: config.face_search.ef_search };
}

/** How to release each open context's object store (its S3 client's connections). */
const objectStoreClosers = new WeakMap<RoleContext, () => void>();

export async function openContext(loaded: LoadedConfig, log: Logger): Promise<RoleContext> {
  for (const dir of Object.values(loaded.paths)) mkdirSync(dir, { recursive: true });
  // first: a missing Redis URL is a configuration error, found before anything is opened
  const cache = await openCache(loaded.config.cache, { log: log.child({ component: 'cache' }) });
  const store = await openStore(loaded.config.store, loaded.paths.dbDir, log.child({ component: 'store' }));
  const { faces, clips } = loaded.config;
  const stored = createRepositories(store, { faces: faceStoreOptions(loaded.config), });
  // API replicas elsewhere hear of alert changes at once
  const repos = cacheIsShared(loaded.config.cache) ? { ...stored, alerts: announcingAlertWrites(stored.alerts, cache, log.child({ component: 'alerts' })) } : stored;
  const { objects, close: closeObjects } = await openObjects(loaded.config.objects, loaded.paths.objectsDir);
  const cameras = new LiveCameras(loaded.cameras);
  const settings = openSettings(store, async () => cameras.ids());
  const cameraStatus = new Map<string, CameraStatus>();
  const cameraSettings = await openCameraSettings({ loaded, settings, cameras, pushSubscriptions: repos.pushSubscriptions, status: (id) => cameraStatus.get(id), log: log.child({ component: 'cameras' }) });
  const ctx: RoleContext = {
    loaded, log, health: new Health(), store, repos,
    bus: await openBus(loaded.config.bus, { retention: MEMORY_BUS_RETENTION }, log),
    objects,
    cache,
    clips: clipMaterialiser({ segments: repos.segments, objects, recordingsDir: loaded.paths.recordingsDir, tmpDir: cutTmpDir(loaded.paths.dataDir), preSeconds: clips.pre_seconds, postSeconds: clips.post_seconds }),
    storage: new StorageLedger(),
    cameras,
    settings,
    cameraAdmin: cameraSettings.admin,
    storageAdmin: cameraSettings.storageAdmin,
    storagePolicy: cameraSettings.storagePolicy,
    recipientAdmin: cameraSettings.recipientAdmin,
    cameraStatus,
    liveFeeds: new LiveFeeds(),
    faceEmbedder: sharedFaceEmbedder(() => createFaceEmbedder({ embedder: faces.embedder, minDetScore: faces.min_detection_score, cropWidth: faces.crop_width })),
  };
  objectStoreClosers.set(ctx, closeObjects);
  return ctx;
}

export async function closeContext(ctx: RoleContext): Promise<void> {
  await ctx.faceEmbedder.close();
  await ctx.bus.close();
  await ctx.cache.close();
  await ctx.store.close();
  objectStoreClosers.get(ctx)?.();
}

/** A started role: `stop` releases everything it holds. */
export interface RunningRole {
  name: string;
  stop(): Promise<void>;
}
