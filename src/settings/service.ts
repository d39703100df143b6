/**
 * The configuration use cases: read, write and delete versioned configuration objects (zones,
 * lines, rules, cameras…), and apply the YAML file at start. Every change is a new version with
 * who made it, and is announced to the listeners that apply it without a restart.
 */
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import { roleAllows, type Permission } from '../api/contract/permissions.ts';
import { callerLabel, callerSeesCamera, type Caller } from '../core/actor.ts';
import { conflict, invalid, notFound, UseCaseError } from '../core/errors.ts';
import type { ConfigKey, ConfigKind, ConfigObjectRepo, ConfigObjectRow, ConfigWriteResult } from '../store/repositories/config-objects.ts';
import type { KindRegistry, KindSpec, Problem } from './kinds.ts';

/** A stored object as callers see it. */
export interface ConfigObject extends ConfigKey {
  definition: unknown;
  version: number;
  updated_at: Date;
  updated_by: string;
}

/** One change, after it is stored: definition null = deleted. */
export interface ConfigChange extends ConfigKey {
  version: number;
  definition: unknown;
  by: string;
}

export type ConfigListener = (change: ConfigChange) => void;

export interface ConfigServiceDeps {
  repo: ConfigObjectRepo;
  kinds: KindRegistry;
  /** camera ids objects of camera-scoped kinds may belong to */
  knownCameras: () => Promise<readonly string[]>;
}

/** The caller the YAML file acts as when it is applied at start (in versions and the log). */
export const CONFIG_FILE: Caller = { kind: 'system', id: 0, name: 'config-file', cameras: null };

const toObject = (r: ConfigObjectRow): ConfigObject => ({
  kind: r.kind, scope: r.scope, id: r.id, definition: r.definition, version: r.version, updated_at: r.updated_at, updated_by: r.updated_by,
});

const describeKey = (k: ConfigKey): string => (k.scope ? `${k.kind} "${k.id}" of camera ${k.scope}` : `${k.kind} "${k.id}"`);

function parseDefinition(spec: KindSpec, k: ConfigKey, definition: unknown): unknown {
  const r = (spec.schema as z.ZodType).safeParse(definition);
  if (r.success) return r.data;
  throw invalid(`${describeKey(k)}: ${r.error.issues.slice(0, 5).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`, 'invalid_definition');
}

const problemError = (k: ConfigKey, p: Problem): UseCaseError => invalid(`${describeKey(k)}: ${p.path ? `${p.path}: ` : ''}${p.message}`, 'invalid_definition');

export class ConfigService {
  private readonly changes = new EventEmitter();

  constructor(private readonly deps: ConfigServiceDeps) {
    // every role of the process may listen (analytics, edge, notify…)
    this.changes.setMaxListeners(0);
  }

  /** Called with every stored change, synchronously after it is stored (before the writer's call returns). Returns the unsubscribe. */
  onChange(listener: ConfigListener): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  async list(caller: Caller, kind: ConfigKind, scope?: string): Promise<ConfigObject[]> {
    const spec = this.spec(kind);
    this.require(caller, 'config:read');
    const rows = await this.deps.repo.list([kind], scope);
    return rows.filter((r) => spec.scope !== 'camera' || callerSeesCamera(caller, r.scope)).map(toObject);
  }

  async get(caller: Caller, key: ConfigKey): Promise<ConfigObject> {
    this.require(caller, 'config:read');
    return toObject(await this.existing(caller, key));
  }

  /**
   * Creates or replaces an object. `expectedVersion` is the version the caller last read (0: it
   * must not exist yet): another version stored since is a conflict, so two admins editing the
   * same rule cannot silently overwrite each other.
   */
  async put(caller: Caller, key: ConfigKey, definition: unknown, expectedVersion?: number): Promise<ConfigObject> {
    const spec = this.spec(key.kind);
    this.require(caller, 'config:manage');
    await this.checkScope(caller, spec, key);
    const parsed = parseDefinition(spec, key, definition);
    const problem = await spec.check?.(parsed, key, this.deps.repo);
    if (problem) throw problemError(key, problem);
    const r = await this.deps.repo.write({ ...key, definition: parsed, by: callerLabel(caller), expectedVersion });
    return this.stored(key, r, expectedVersion);
  }

  /** Deletes an object no other object refers to (a zone a rule uses stays until the rule goes). */
  async remove(caller: Caller, key: ConfigKey, expectedVersion?: number): Promise<void> {
    const spec = this.spec(key.kind);
    this.require(caller, 'config:manage');
    await this.existing(caller, key);
    const users = (await spec.dependents?.(key, this.deps.repo)) ?? [];
    if (users.length) throw conflict(`${describeKey(key)} is used by ${users.join(', ')}: change or delete them first`, 'in_use');
    const r = await this.deps.repo.remove({ ...key, by: callerLabel(caller), expectedVersion });
    if (!r.ok) throw this.versionConflict(key, r.current, expectedVersion);
    this.emit({ ...key, version: r.row.version, definition: null, by: callerLabel(caller) });
  }

  /**
   * Writes the YAML's objects whose entry changed since the file last wrote them (by `yamlHash`),
   * as the config-file caller, in the given order (zones before the rules that use them). An
   * unchanged entry leaves the stored object as it is, so an edit made through the API survives a
   * restart; objects only in the database stay. Returns the keys written.
   */
  async applyFile(entries: readonly (ConfigKey & { definition: unknown; yamlHash: string })[]): Promise<ConfigKey[]> {
    const kinds = [...new Set(entries.map((e) => e.kind))];
    const known = await this.deps.repo.yamlHashes(kinds);
    const written: ConfigKey[] = [];
    for (const e of entries) {
      if (known.get(`${e.kind}/${e.scope}/${e.id}`) === e.yamlHash) continue;
      const key = { kind: e.kind, scope: e.scope, id: e.id };
      const definition = parseDefinition(this.spec(e.kind), key, e.definition);
      const r = await this.deps.repo.write({ ...key, definition, by: callerLabel(CONFIG_FILE), yamlHash: e.yamlHash });
      this.stored(key, r, undefined);
      written.push(key);
    }
    return written;
  }

  private stored(key: ConfigKey, r: ConfigWriteResult, expectedVersion: number | undefined): ConfigObject {
    if (!r.ok) throw this.versionConflict(key, r.current, expectedVersion);
    this.emit({ ...key, version: r.row.version, definition: r.row.definition, by: r.row.updated_by });
    return toObject(r.row);
  }

  private emit(change: ConfigChange): void {
    this.changes.emit('change', change);
  }

  private versionConflict(key: ConfigKey, current: number | null, expected: number | undefined): UseCaseError {
    if (current === null && expected === undefined) return notFound(`no ${describeKey(key)}`);
    const now = current === null ? 'it does not exist (deleted meanwhile?)' : `it is at version ${current}`;
    return conflict(`${describeKey(key)} changed since you read it: you sent version ${expected ?? 'none'}, ${now}; reload and apply your change again`, 'version_conflict');
  }

  private spec(kind: ConfigKind): KindSpec {
    const spec = this.deps.kinds[kind];
    if (!spec) throw invalid(`objects of kind ${kind} are not managed here`);
    return spec;
  }

  private require(caller: Caller, permission: Permission): void {
    if (caller.kind === 'system') return;
    if (!caller.role || !roleAllows(caller.role, permission)) throw new UseCaseError('forbidden', `${callerLabel(caller)} may not ${permission.replace(':', ' ')}`);
  }

  /** A camera-scoped object belongs to a known camera the caller may see (another is reported as unknown). */
  private async checkScope(caller: Caller, spec: KindSpec, key: ConfigKey): Promise<void> {
    if (spec.scope === 'none') {
      if (key.scope !== '') throw invalid(`${key.kind} objects have no scope`);
      return;
    }
    if (!callerSeesCamera(caller, key.scope) || !(await this.deps.knownCameras()).includes(key.scope)) throw notFound(`no camera with id '${key.scope}'`);
  }

  private async existing(caller: Caller, key: ConfigKey): Promise<ConfigObjectRow> {
    const spec = this.spec(key.kind);
    const row = spec.scope === 'camera' && !callerSeesCamera(caller, key.scope) ? null : await this.deps.repo.get(key);
    if (!row) throw notFound(`no ${describeKey(key)}`);
    return row;
  }
}
