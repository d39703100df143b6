import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { registerSecret, redact } from '../core/redact.ts';
import { cpPlusUrl } from './cpplus.ts';
import { cameraSchema, configSchema, dvrSchema, type CameraConfig, type Config, type DvrConfig } from './schema.ts';
import type { AnalysisRate } from '../core/types.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = 'ConfigError';
  }
}

/** A camera with everything a worker needs; `url` holds credentials and must never be logged unredacted. */
export interface ResolvedCamera {
  id: string;
  name: string;
  siteId: string;
  /** the site's IANA time zone (schedules, day boundaries, times shown to people) */
  timezone?: string;
  dvrId?: string;
  channel?: number;
  stream: 0 | 1;
  url: string;
  /** CP PLUS sub stream (stream=1) for grid views, when the camera has `substream: true`; holds credentials like `url` */
  substreamUrl?: string;
  location?: string;
  retentionDays: number;
  detect: boolean;
  /** frames analysed: keyframes only (default) or N decoded fps */
  analysis?: AnalysisRate;
  /** motion is ignored inside these polygons (source pixels) */
  motionMask?: [number, number][][];
}

export interface LoadedConfig {
  config: Config;
  cameras: ResolvedCamera[];
  paths: { dataDir: string; recordingsDir: string; objectsDir: string; dbDir: string };
  source: string;
}

/** Name of a VIGIL_… environment variable from its parts (upper-cased; other characters become _). */
export const envKey = (...parts: string[]): string => ['VIGIL', ...parts].join('_').toUpperCase().replace(/[^A-Z0-9_]/g, '_');

/** Secret from VIGIL_<NAME> or from the file named by VIGIL_<NAME>_FILE (Kubernetes/Docker secrets). */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined) return direct;
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

/**
 * A secret from the file a setting names (it wins: a mounted secret), else from the environment as
 * `secretFromEnv` reads it. A file that cannot be read is named with its setting, never its content.
 */
export function secretFromFileOrEnv(env: NodeJS.ProcessEnv, name: string, file?: { setting: string; path: string }): string | undefined {
  if (!file) return secretFromEnv(env, name)?.trim();
  try {
    return readFileSync(file.path, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`${file.setting} (${file.path}): cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function describeValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(obj: unknown, p: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** One problem of a config, as `path: what is wrong; got value`. */
function zodIssueLine(raw: unknown, i: z.core.$ZodIssue): string {
  const key = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
  const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
  const got = i.code === 'unrecognized_keys' ? '' : `; got ${describeValue(valueAt(raw, i.path))}`;
  return `${key}: ${i.message}${extra}${got}`;
}

/** A site's DVRs and cameras each parsed on its own (undefined where invalid), and the ids the file gives its DVRs. */
interface SiteParts {
  id: string;
  timezone: string;
  dvrs: (DvrConfig | undefined)[];
  cameras: (CameraConfig | undefined)[];
  dvrIds: Set<unknown>;
}

const listAt = (o: unknown, key: string): unknown[] => {
  const v = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v : [];
};

/**
 * The sites as far as they are valid, so that references and secrets are checked even while
 * another part of the file is wrong: one run lists every problem.
 */
function siteParts(raw: unknown): SiteParts[] {
  return listAt(raw, 'sites').map((site) => ({
    id: String((site as { id?: unknown } | null)?.id ?? ''),
    timezone: String((site as { timezone?: unknown } | null)?.timezone ?? 'UTC'),
    dvrs: listAt(site, 'dvrs').map((d) => dvrSchema.safeParse(d).data),
    cameras: listAt(site, 'cameras').map((c) => cameraSchema.safeParse(c).data),
    dvrIds: new Set(listAt(site, 'dvrs').map((d) => (d as { id?: unknown } | null)?.id)),
  }));
}

/** VIGIL_DVR_<ID>_PASSWORD: where a DVR's password comes from. */
export const dvrPasswordVariable = (dvrId: string): string => envKey('DVR', dvrId, 'PASSWORD');

/**
 * Applies each DVR's secrets from the environment (onto the config, which live views also read)
 * and builds each camera's URL; problems are added to `issues` instead of stopping at the first.
 */
function resolveCameras(sites: SiteParts[], config: Config, env: NodeJS.ProcessEnv, issues: string[]): ResolvedCamera[] {
  const cameraIds = new Map<string, string>();
  const cameras: ResolvedCamera[] = [];
  const secret = (name: string): string | undefined => {
    try {
      return secretFromEnv(env, name);
    } catch (e) {
      issues.push((e as Error).message);
      return undefined;
    }
  };
  for (const [si, site] of sites.entries()) {
    const dvrs = new Map<string, DvrConfig>();
    for (const dvr of site.dvrs) {
      if (!dvr) continue;
      dvr.username = secret(envKey('DVR', dvr.id, 'USERNAME')) ?? dvr.username;
      dvr.password = secret(dvrPasswordVariable(dvr.id)) ?? dvr.password;
      registerSecret(dvr.password);
      dvrs.set(dvr.id, dvr);
    }
    for (const [ci, cam] of site.cameras.entries()) {
      if (!cam) continue;
      const at = `sites[${si}].cameras[${ci}]`;
      const first = cameraIds.get(cam.id);
      if (first) issues.push(`${at}.id: duplicate camera id (also ${first}); got "${cam.id}"`);
      else cameraIds.set(cam.id, at);
      let url: string | undefined;
      const dvr = cam.dvr ? dvrs.get(cam.dvr) : undefined;
      if (cam.url) {
        url = secret(envKey('CAMERA', cam.id, 'URL')) ?? cam.url;
        try {
          registerSecret(decodeURIComponent(new URL(url).password));
        } catch {
          issues.push(`${at}.url: not a valid URL; got ${describeValue(redact(url))}`);
        }
      } else {
        // a DVR that is itself invalid has its own line already
        if (!dvr && !site.dvrIds.has(cam.dvr)) issues.push(`${at}.dvr: no DVR with this id in sites[${si}].dvrs; got "${cam.dvr}"`);
        else if (dvr?.kind === 'rtsp') issues.push(`${at}: DVR "${dvr.id}" is kind rtsp, so the camera needs a url`);
        else if (dvr) url = cpPlusUrl({ ...dvr, channel: cam.channel!, stream: cam.stream });
      }
      if (!cam.enabled || url === undefined) continue;
      cameras.push(resolvedCamera(cam, site, url, dvr, config.recording.retention_days));
    }
  }
  return cameras;
}

/**
 * What a worker runs for one enabled camera: `url` is the camera's own or the one built from its
 * CP PLUS DVR (`dvr`, whose secrets are already applied). Used for the config file and for cameras
 * added or edited at run time alike.
 */
export function resolvedCamera(cam: CameraConfig, site: { id: string; timezone: string }, url: string, dvr: DvrConfig | undefined, defaultRetentionDays: number): ResolvedCamera {
  const substreamUrl = cam.substream && dvr && cam.channel ? cpPlusUrl({ ...dvr, channel: cam.channel, stream: 1 }) : undefined;
  return {
    id: cam.id, name: cam.name ?? cam.id, siteId: site.id, timezone: site.timezone, dvrId: cam.dvr, channel: cam.channel, stream: cam.stream, url, ...(substreamUrl ? { substreamUrl } : {}),
    location: cam.location, retentionDays: cam.retention_days ?? defaultRetentionDays, detect: cam.detect, analysis: cam.analysis, motionMask: cam.motion_mask,
  };
}

/**
 * Validates a parsed document, applies env secrets, resolves camera URLs and paths. A ConfigError
 * lists every problem found (schema, references, secrets), each with its path.
 */
export function resolveConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): LoadedConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => zodIssueLine(raw, i));
  const config = parsed.success ? parsed.data : configSchema.parse({});
  const sites: SiteParts[] = parsed.success ? config.sites.map((s) => ({ ...s, dvrIds: new Set(s.dvrs.map((d) => d.id)) })) : siteParts(raw);
  const cameras = resolveCameras(sites, config, env, issues);
  const apiPort = env.VIGIL_API_PORT;
  if (apiPort !== undefined) {
    const n = Number(apiPort);
    if (!Number.isInteger(n) || n < 0 || n > 65535) issues.push(`VIGIL_API_PORT: must be a port number; got ${describeValue(apiPort)}`);
    else config.api.port = n;
  }
  if (issues.length) throw new ConfigError(`invalid configuration in ${source} (${issues.length} problem${issues.length > 1 ? 's' : ''}):\n${issues.map((l) => `  ${l}`).join('\n')}`);
  if (env.VIGIL_API_HOST) config.api.host = env.VIGIL_API_HOST;

  const dataDir = path.resolve(baseDir, config.storage.data_dir);
  const under = (p: string | undefined, d: string) => (p ? path.resolve(baseDir, p) : path.join(dataDir, d));
  return {
    config, cameras, source,
    paths: { dataDir, recordingsDir: under(config.storage.recordings_dir, 'recordings'), objectsDir: under(config.storage.objects_dir, 'objects'), dbDir: under(config.storage.db_dir, 'db') },
  };
}

/**
 * CP PLUS DVRs that cameras use and that have no password, each with the variable that sets
 * one. Some DVRs have none, so this is a warning at start, not an error.
 */
export function dvrsWithoutPassword(loaded: LoadedConfig): Array<{ dvrId: string; message: string }> {
  const used = new Set(loaded.cameras.map((c) => c.dvrId));
  return loaded.config.sites.flatMap((s) => s.dvrs)
    .filter((d) => d.kind === 'cpplus' && d.password === '' && used.has(d.id))
    .map((d) => {
      const v = dvrPasswordVariable(d.id);
      // worded so that redaction (which masks "password: x") leaves the advice readable
      return { dvrId: d.id, message: `dvr ${d.id} has no password (set ${v} or ${v}_FILE; ignore this if the DVR has none)` };
    });
}

/** What to check when a camera's source answers 401: the variable its password comes from. */
export function credentialsHint(camera: ResolvedCamera): string {
  if (camera.dvrId) {
    const v = dvrPasswordVariable(camera.dvrId);
    return `check dvr ${camera.dvrId}'s username and password (${v} or ${v}_FILE)`;
  }
  return `check the user and password in camera ${camera.id}'s url (or ${envKey('CAMERA', camera.id, 'URL')})`;
}

/** The config file a command uses: --config, else $VIGIL_CONFIG, else ./vigil.yaml when it exists; undefined when none. */
export function findConfigFile(flag: string | undefined): string | undefined {
  return flag ?? process.env.VIGIL_CONFIG ?? (existsSync('vigil.yaml') ? 'vigil.yaml' : undefined);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
  return resolveConfig(raw, file, env, path.dirname(path.resolve(file)));
}
