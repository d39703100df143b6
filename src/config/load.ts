import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { registerSecret, redact } from '../core/redact.ts';
import { cpPlusUrl } from './cpplus.ts';
import { configSchema, type Config } from './schema.ts';
import type { AnalysisRate } from '../media/ffmpeg-args.ts';

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
  dvrId?: string;
  channel?: number;
  stream: 0 | 1;
  url: string;
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

function formatIssues(raw: unknown, issues: z.core.$ZodIssue[], source: string): string {
  const lines = issues.map((i) => {
    const key = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
    const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
    const got = i.code === 'unrecognized_keys' ? '' : `; got ${describeValue(valueAt(raw, i.path))}`;
    return `  ${key}: ${i.message}${extra}${got}`;
  });
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}

/** Validates a parsed document, applies env secrets, resolves camera URLs and paths. */
export function resolveConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): LoadedConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(raw, parsed.error.issues, source));
  const config = parsed.data;

  const cameraIds = new Set<string>();
  const cameras: ResolvedCamera[] = [];
  for (const [si, site] of config.sites.entries()) {
    const dvrs = new Map(site.dvrs.map((d) => [d.id, d]));
    for (const dvr of site.dvrs) {
      dvr.username = secretFromEnv(env, envKey('DVR', dvr.id, 'USERNAME')) ?? dvr.username;
      dvr.password = secretFromEnv(env, envKey('DVR', dvr.id, 'PASSWORD')) ?? dvr.password;
      registerSecret(dvr.password);
    }
    for (const [ci, cam] of site.cameras.entries()) {
      const at = `sites[${si}].cameras[${ci}]`;
      if (cameraIds.has(cam.id)) throw new ConfigError(`invalid configuration in ${source}:\n  ${at}.id: duplicate camera id; got "${cam.id}"`);
      cameraIds.add(cam.id);
      let url: string;
      if (cam.url) {
        url = secretFromEnv(env, envKey('CAMERA', cam.id, 'URL')) ?? cam.url;
        try {
          const u = new URL(url);
          registerSecret(decodeURIComponent(u.password));
        } catch {
          throw new ConfigError(`invalid configuration in ${source}:\n  ${at}.url: not a valid URL; got ${describeValue(redact(url))}`);
        }
      } else {
        const dvr = dvrs.get(cam.dvr!);
        if (!dvr) throw new ConfigError(`invalid configuration in ${source}:\n  ${at}.dvr: no DVR with this id in sites[${si}].dvrs; got "${cam.dvr}"`);
        if (dvr.kind !== 'cpplus') throw new ConfigError(`invalid configuration in ${source}:\n  ${at}: DVR "${dvr.id}" is kind rtsp, so the camera needs a url`);
        url = cpPlusUrl({ host: dvr.host, port: dvr.port, username: dvr.username, password: dvr.password, channel: cam.channel!, stream: cam.stream });
      }
      if (!cam.enabled) continue;
      cameras.push({
        id: cam.id, name: cam.name ?? cam.id, siteId: site.id, dvrId: cam.dvr, channel: cam.channel, stream: cam.stream, url,
        location: cam.location, retentionDays: cam.retention_days ?? config.recording.retention_days, detect: cam.detect, analysis: cam.analysis, motionMask: cam.motion_mask,
      });
    }
  }

  const dataDir = path.resolve(baseDir, config.storage.data_dir);
  const under = (p: string | undefined, d: string) => (p ? path.resolve(baseDir, p) : path.join(dataDir, d));
  const apiPort = env.VIGIL_API_PORT;
  if (apiPort !== undefined) {
    const n = Number(apiPort);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`VIGIL_API_PORT: must be a port number; got ${describeValue(apiPort)}`);
    config.api.port = n;
  }
  if (env.VIGIL_API_HOST) config.api.host = env.VIGIL_API_HOST;
  return {
    config, cameras, source,
    paths: { dataDir, recordingsDir: under(config.storage.recordings_dir, 'recordings'), objectsDir: under(config.storage.objects_dir, 'objects'), dbDir: under(config.storage.db_dir, 'db') },
  };
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
