/**
 * Cameras and DVRs in the configuration store, and the live camera list built from them: the
 * YAML's sites are applied at start (an entry unchanged since the last start keeps the edits made
 * through the API), every stored change rebuilds the list, and the roles that record and analyse
 * follow the list (see LiveCameras), so a camera added through the API starts recording at once.
 *
 * DVR passwords set through the API are stored sealed (AES-256-GCM, key file in the data dir) and
 * never returned; the file's DVRs keep theirs where the file put them (VIGIL_DVR_<ID>_PASSWORD).
 */
import { z } from 'zod';
import type { SecretBox } from '../auth/sealed.ts';
import type { LiveCameras } from '../config/live-cameras.ts';
import { dvrPasswordVariable, envKey, resolvedCamera, secretFromEnv, type ResolvedCamera } from '../config/load.ts';
import { cpPlusUrl } from '../config/cpplus.ts';
import { cameraSchema, dvrSchema, type Config } from '../config/schema.ts';
import type { Caller } from '../core/actor.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import type { ConfigKey } from '../store/repositories/config-objects.ts';
import { fileEntry, type FileEntry } from './file.ts';
import type { KindRegistry } from './kinds.ts';
import { storageFileEntries, type LiveStoragePolicy, type StoragePolicy } from './retention.ts';
import type { ConfigObject, ConfigService } from './service.ts';

const siteId = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32').describe('the site the object belongs to');

/** A DVR as stored: the file's form without its password, plus the sealed password set through the API. */
export const storedDvrSchema = dvrSchema.omit({ password: true }).extend({
  site: siteId,
  password_sealed: z.string().optional().describe('the password set through the API, sealed; absent: the config file\'s (VIGIL_DVR_<ID>_PASSWORD)'),
}).strict();
export type StoredDvr = z.infer<typeof storedDvrSchema>;

/** A camera as stored: the file's form plus its site, and the sealed password of an RTSP URL set through the API. */
export const storedCameraSchema = z.object({ site: siteId, password_sealed: z.string().optional() }).catchall(z.unknown()).transform((v, ctx) => {
  const { site, password_sealed, ...camera } = v;
  const r = cameraSchema.safeParse(camera);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
    return z.NEVER;
  }
  return { site, ...(password_sealed ? { password_sealed } : {}), ...r.data };
});
export type StoredCamera = z.output<typeof storedCameraSchema>;

const ownId = async (def: unknown, key: ConfigKey) => ((def as { id: string }).id === key.id ? undefined : { path: 'id', message: `must be "${key.id}", the id it is stored under` });

export const CAMERA_KINDS: KindRegistry = {
  dvr: {
    scope: 'none', schema: storedDvrSchema, check: ownId,
    dependents: async (key, read) => (await read.list(['camera'])).filter((c) => (c.definition as StoredCamera).dvr === key.id).map((c) => `camera ${c.id}`),
  },
  camera: {
    scope: 'none', schema: storedCameraSchema,
    check: async (def, key, read) => {
      const own = await ownId(def, key);
      if (own) return own;
      const cam = def as StoredCamera;
      if (!cam.dvr) return undefined;
      const dvr = (await read.get({ kind: 'dvr', scope: '', id: cam.dvr }))?.definition as StoredDvr | undefined;
      if (!dvr) return { path: 'dvr', message: `no DVR "${cam.dvr}" (DVRs: ${(await read.list(['dvr'])).map((d) => d.id).join(', ') || 'none'})` };
      return dvr.kind === 'rtsp' ? { path: 'dvr', message: `DVR "${dvr.id}" is kind rtsp, so the camera needs a url` } : undefined;
    },
  },
};

/** The config file's sites as store entries: DVRs (without their passwords) before the cameras that use them. */
export function cameraFileEntries(config: Config): FileEntry[] {
  const dvrs = config.sites.flatMap((site) => site.dvrs.map(({ password: _, ...dvr }) => fileEntry({ kind: 'dvr', scope: '', id: dvr.id }, { ...dvr, site: site.id })));
  const cameras = config.sites.flatMap((site) => site.cameras.map((cam) => fileEntry({ kind: 'camera', scope: '', id: cam.id }, { ...cam, site: site.id })));
  return [...dvrs, ...cameras];
}

export interface CameraSecrets {
  box: SecretBox;
  env: NodeJS.ProcessEnv;
  /** the config file's DVR passwords, by DVR id (the loader has applied the environment's) */
  filePasswords: ReadonlyMap<string, string>;
}

export const filePasswords = (config: Config): Map<string, string> => new Map(config.sites.flatMap((s) => s.dvrs.map((d) => [d.id, d.password] as const)));

function dvrPassword(dvr: StoredDvr, s: CameraSecrets): string {
  if (dvr.password_sealed) return s.box.open(dvr.password_sealed);
  return s.filePasswords.get(dvr.id) ?? secretFromEnv(s.env, dvrPasswordVariable(dvr.id)) ?? '';
}

function cameraUrl(cam: StoredCamera, s: CameraSecrets): string {
  const url = secretFromEnv(s.env, envKey('CAMERA', cam.id, 'URL')) ?? cam.url!;
  if (!cam.password_sealed) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(s.box.open(cam.password_sealed));
  return u.toString();
}

/** What a camera takes from its site unless it sets its own. */
export interface SiteDefaults {
  retentionDays: () => number;
  /** IANA time zone of the site (schedules, the times shown) */
  timezone: (siteId: string) => string;
}

/** What cannot run of the stored cameras, and why (logged by the caller, naming the camera). */
export interface CameraProblem { camera_id: string; cause: string }

/** The enabled cameras of the stored objects, as workers run them. */
export function resolveStoredCameras(objects: readonly ConfigObject[], s: CameraSecrets, site: SiteDefaults): { cameras: ResolvedCamera[]; problems: CameraProblem[] } {
  const dvrs = new Map(objects.filter((o) => o.kind === 'dvr').map((o) => [o.id, o.definition as StoredDvr]));
  const cameras: ResolvedCamera[] = [];
  const problems: CameraProblem[] = [];
  for (const o of objects) {
    if (o.kind !== 'camera') continue;
    const cam = o.definition as StoredCamera;
    if (!cam.enabled) continue;
    try {
      const stored = cam.dvr ? dvrs.get(cam.dvr) : undefined;
      if (cam.dvr && !stored) throw new Error(`no DVR "${cam.dvr}"`);
      const dvr = stored ? { ...stored, password: dvrPassword(stored, s) } : undefined;
      registerSecret(dvr?.password);
      const url = dvr && cam.channel ? cpPlusUrl({ ...dvr, channel: cam.channel, stream: cam.stream }) : cameraUrl(cam, s);
      cameras.push(resolvedCamera(cam, { id: cam.site, timezone: site.timezone(cam.site) }, url, dvr, site.retentionDays()));
    } catch (err) {
      problems.push({ camera_id: cam.id, cause: (err as Error).message });
    }
  }
  return { cameras, problems };
}

/** The process itself, reading the store to run what it holds. */
const CAMERAS: Caller = { kind: 'system', id: 0, name: 'cameras', cameras: null };

export interface CameraSyncOptions {
  settings: ConfigService;
  /** the retention and budget in force, kept in step with the store too */
  storage: LiveStoragePolicy;
  cameras: LiveCameras;
  secrets: CameraSecrets;
  config: Config;
  site: SiteDefaults;
  log: Logger;
}

/** Keeps the live camera list, and the storage policy, equal to what the store holds. */
export class CameraSync {
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private failing = new Set<string>();

  constructor(private readonly o: CameraSyncOptions) {}

  /** Applies the config file's sites, fills the list, and follows every change stored from now on. */
  async start(): Promise<void> {
    await this.o.settings.applyFile([...cameraFileEntries(this.o.config), ...storageFileEntries(this.o.config)]);
    await this.reload();
    this.unsubscribe = this.o.settings.onChange((c) => {
      if (c.kind === 'camera' || c.kind === 'dvr' || c.kind === 'retention') void this.reload();
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Rebuilds the list from the store; reloads run one after another, in order, so the last one wins. */
  reload(): Promise<void> {
    this.chain = this.chain.then(() => this.rebuild()).catch((err: unknown) => this.o.log.error({ err }, 'cameras not reloaded from the configuration store'));
    return this.chain;
  }

  private async rebuild(): Promise<void> {
    const [policy] = await this.o.settings.list(CAMERAS, 'retention');
    if (policy) this.o.storage.set(policy.definition as StoragePolicy);
    const objects = [...await this.o.settings.list(CAMERAS, 'dvr'), ...await this.o.settings.list(CAMERAS, 'camera')];
    const { cameras, problems } = resolveStoredCameras(objects, this.o.secrets, this.o.site);
    // loud once when a camera cannot run, once when it can again
    const now = new Set(problems.map((p) => p.camera_id));
    for (const p of problems) if (!this.failing.has(p.camera_id)) this.o.log.error(p, 'camera not started: its settings cannot be used');
    for (const id of this.failing) if (!now.has(id)) this.o.log.info({ camera_id: id }, 'camera settings usable again');
    this.failing = now;
    this.o.cameras.replace(cameras);
  }
}

/**
 * The `sites` section of the exported configuration: each site of the config file (name, time
 * zone) with the DVRs and cameras the store holds now, in the config file's shape. Passwords are
 * not exported: the file takes them from VIGIL_DVR_<ID>_PASSWORD (or _FILE) on the target.
 */
export const sitesSection = (config: Pick<Config, 'sites'>) => ({
  kinds: ['dvr', 'camera'] as const,
  build(objects: readonly (ConfigKey & { definition: unknown })[]): { sites: unknown[] } {
    const ids = [...new Set([...config.sites.map((s) => s.id), ...objects.map((o) => (o.definition as { site: string }).site)])];
    const of = <T extends { site: string }>(kind: string, site: string) => objects.filter((o) => o.kind === kind && (o.definition as T).site === site).map((o) => o.definition as T);
    return {
      sites: ids.map((id) => {
        const file = config.sites.find((s) => s.id === id);
        return {
          id, ...(file?.name ? { name: file.name } : {}), timezone: file?.timezone ?? 'UTC',
          dvrs: of<StoredDvr>('dvr', id).map(({ site: _, password_sealed: __, ...d }) => d),
          cameras: of<StoredCamera>('camera', id).map(({ site: _, password_sealed: __, ...c }) => c),
        };
      }),
    };
  },
});
