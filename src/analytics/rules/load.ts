import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CameraRules, Line, Rule, RuleSet, RulesConfig, Zone } from './schema.ts';
import { lineSchema, nightSchema, referenceError, ruleId, ruleSchema, zoneSchema } from './schema.ts';

/** One rejected zone, line or rule (or camera): the rest of the file still loads. */
export interface RuleError { path: string; message: string }
export const formatRuleError = (e: RuleError): string => `${e.path}: ${e.message}`;

export interface LoadedRules { rules: RuleSet; errors: RuleError[] }

/** The whole file is unusable (unreadable, not YAML, not a mapping, bad night section): the caller keeps what it had. */
export class RulesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulesFileError';
  }
}

export interface RulesOptions {
  /** rules the file adds to (the config's inline rules): same camera + id → the file wins */
  base?: RuleSet;
  /** configured camera ids: rules for other cameras are rejected */
  cameras?: readonly string[];
}

const EMPTY: RuleSet = { night: nightSchema.parse({}), track_expiry_seconds: 30, cameras: {} };
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const issuePaths = (prefix: string, e: z.ZodError): RuleError[] => e.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));

function validateItems<T>(raw: unknown, at: string, schema: z.ZodType<T>, errors: RuleError[]): Map<string, T> {
  const out = new Map<string, T>();
  if (raw === undefined || raw === null) return out;
  if (!isMap(raw)) {
    errors.push({ path: at, message: 'must be a mapping of id → definition' });
    return out;
  }
  for (const [id, body] of Object.entries(raw)) {
    const idOk = ruleId.safeParse(id);
    const r = schema.safeParse(body);
    if (!idOk.success) errors.push({ path: `${at}.${id}`, message: `bad id: ${idOk.error.issues[0]!.message}` });
    else if (!r.success) errors.push(...issuePaths(`${at}.${id}`, r.error));
    else out.set(id, r.data);
  }
  return out;
}

/**
 * Validates a parsed rules document item by item: a bad zone, line or rule is reported in
 * `errors` and left out; a rule whose zone or line is unknown or invalid is left out; the others load.
 */
export function validateRules(raw: unknown, opts: RulesOptions = {}): LoadedRules {
  const base = opts.base ?? EMPTY;
  const doc = raw ?? {};
  if (!isMap(doc)) throw new RulesFileError('the rules document must be a mapping (night, track_expiry_seconds, cameras)');
  const { cameras: rawCameras, ...top } = doc;
  const topSchema = z.object({ night: nightSchema.optional(), track_expiry_seconds: z.number().positive().optional() }).strict();
  const t = topSchema.safeParse(top);
  if (!t.success) throw new RulesFileError(issuePaths('', t.error).map((e) => formatRuleError({ ...e, path: e.path.replace(/^\./, '') || '(root)' })).join('; '));

  const errors: RuleError[] = [];
  const cameras: Record<string, CameraRules> = structuredClone(base.cameras);
  if (rawCameras !== undefined && rawCameras !== null && !isMap(rawCameras)) throw new RulesFileError('cameras: must be a mapping of camera id → zones, lines, rules');
  for (const [camId, body] of Object.entries(rawCameras ?? {})) {
    const at = `cameras.${camId}`;
    if (opts.cameras && !opts.cameras.includes(camId)) { errors.push({ path: at, message: `unknown camera "${camId}" (not in the configuration)` }); continue; }
    if (!isMap(body)) { errors.push({ path: at, message: 'must be a mapping with zones, lines, rules' }); continue; }
    const { zones: rz, lines: rl, rules: rr, ...extra } = body;
    for (const k of Object.keys(extra)) errors.push({ path: `${at}.${k}`, message: 'unknown key (expected zones, lines, rules)' });
    const cam = cameras[camId] ?? { zones: {}, lines: {}, rules: {} };
    const zones = validateItems<Zone>(rz, `${at}.zones`, zoneSchema, errors);
    const lines = validateItems<Line>(rl, `${at}.lines`, lineSchema, errors);
    Object.assign(cam.zones, Object.fromEntries(zones));
    Object.assign(cam.lines, Object.fromEntries(lines));
    for (const [id, rule] of validateItems<Rule>(rr, `${at}.rules`, ruleSchema, errors)) {
      const ref = referenceError(rule, cam);
      if (!ref) { cam.rules[id] = rule; continue; }
      const [kind, refId, rawPlaces] = rule.type === 'line_cross' ? ['line', rule.line, rl] : ['zone', rule.zone, rz];
      const invalid = isMap(rawPlaces) && refId !== undefined && refId in rawPlaces;
      errors.push({ path: `${at}.rules.${id}.${ref.path}`, message: invalid ? `${kind} "${refId}" is invalid (see its error)` : ref.message });
    }
    cameras[camId] = cam;
  }
  return {
    rules: { night: t.data.night ?? base.night, track_expiry_seconds: t.data.track_expiry_seconds ?? base.track_expiry_seconds, cameras },
    errors,
  };
}

function readRules(file: string): { text: string; raw: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RulesFileError(`cannot read rules file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return { text, raw: parseYaml(text) };
  } catch (e) {
    throw new RulesFileError(`rules file ${file} is not valid YAML: ${(e as Error).message}`);
  }
}

export function loadRules(file: string, opts: RulesOptions = {}): LoadedRules {
  try {
    return validateRules(readRules(file).raw, opts);
  } catch (e) {
    if (e instanceof RulesFileError && !e.message.includes(file)) throw new RulesFileError(`rules file ${file}: ${e.message}`);
    throw e;
  }
}

export interface RulesWatcher { close(): void }

/**
 * Reloads the file when it changes (the directory is watched, so editors that replace the file
 * are seen). A file that cannot be used goes to onError and nothing changes: the previous rules stay.
 */
export function watchRules(file: string, onChange: (loaded: LoadedRules) => void, onError: (err: Error) => void, opts: RulesOptions & { debounceMs?: number } = {}): RulesWatcher {
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  let last = (() => { try { return hash(readFileSync(file, 'utf8')); } catch { return ''; } })();
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // mid-replace (or removed): the next event or a later write brings it back
    }
    if (hash(text) === last) return;
    last = hash(text);
    try {
      onChange(loadRules(file, opts));
    } catch (e) {
      onError(e as Error);
    }
  };
  const watcher: FSWatcher = watch(path.dirname(path.resolve(file)), (_event, name) => {
    if (name !== null && name !== path.basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, opts.debounceMs ?? 100);
  });
  watcher.on('error', onError);
  return { close: () => { clearTimeout(timer); watcher.close(); } };
}

export interface ConfiguredRules extends LoadedRules, RulesWatcher {}

/**
 * The config's `rules` section: inline rules plus the rules file (relative to configDir), watched
 * when `reload` is set. onChange gets every successful reload; onError every rejected one.
 */
export function openConfiguredRules(config: RulesConfig, o: { configDir: string; cameras?: readonly string[]; onChange: (loaded: LoadedRules) => void; onError: (err: Error) => void }): ConfiguredRules {
  const { file, reload, dry_run_hours: _dryRunHours, ...inline } = config;
  const base: RuleSet = inline;
  if (!file) return { rules: base, errors: [], close: () => {} };
  const abs = path.resolve(o.configDir, file);
  const opts = { base, cameras: o.cameras };
  const loaded = loadRules(abs, opts);
  const watcher = reload ? watchRules(abs, o.onChange, o.onError, opts) : { close: () => {} };
  return { ...loaded, close: () => watcher.close() };
}
