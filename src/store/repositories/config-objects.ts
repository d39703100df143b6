import type { Sql, Store } from '../port.ts';

/** What the configuration store holds (migration 016 checks the same list). */
export const CONFIG_KINDS = ['site', 'camera', 'dvr', 'zone', 'line', 'rule', 'recipient', 'retention'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

/** Names one configuration object: scope is what its id is unique within ('' = the whole installation). */
export interface ConfigKey {
  kind: ConfigKind;
  scope: string;
  id: string;
}

export interface ConfigObjectRow extends ConfigKey {
  definition: unknown;
  version: number;
  /** hash of the YAML entry the config file last wrote it from; null when it never came from the file */
  yaml_hash: string | null;
  updated_at: Date;
  updated_by: string;
}

export interface ConfigWrite extends ConfigKey {
  definition: unknown;
  /** who: `user:alice`, `config-file` */
  by: string;
  /** the file's hash of this entry; undefined keeps the stored one (an edit through the API) */
  yamlHash?: string;
  /** the version the writer read (0: it must not exist yet); undefined writes whatever is stored */
  expectedVersion?: number;
}

export interface ConfigRemove extends ConfigKey {
  by: string;
  expectedVersion?: number;
}

/** A write either lands (the new row) or finds another version than expected (the current one; null: none). */
export type ConfigWriteResult = { ok: true; row: ConfigObjectRow } | { ok: false; current: number | null };

export interface ConfigVersionRow {
  version: number;
  /** null: this version deleted the object */
  definition: unknown;
  changed_at: Date;
  changed_by: string;
}

export interface ConfigObjectRepo {
  /** every object of the kinds, ordered by kind, scope, id; only `scope` when given */
  list(kinds: readonly ConfigKind[], scope?: string): Promise<ConfigObjectRow[]>;
  get(key: ConfigKey): Promise<ConfigObjectRow | null>;
  write(w: ConfigWrite): Promise<ConfigWriteResult>;
  /** `{ ok: false, current: null }` when there is nothing to delete */
  remove(r: ConfigRemove): Promise<ConfigWriteResult>;
  /** the object's versions, newest first */
  history(key: ConfigKey): Promise<ConfigVersionRow[]>;
  /**
   * The YAML hash each object of the kinds was last written with (its newest version, deleted
   * ones included), keyed by configKeyString: an entry whose hash is unchanged is not applied again.
   */
  yamlHashes(kinds: readonly ConfigKind[]): Promise<Map<string, string | null>>;
}

export const configKeyString = (k: ConfigKey): string => `${k.kind}/${k.scope}/${k.id}`;

const COLUMNS = 'kind, scope, id, definition, version, yaml_hash, updated_at, updated_by';
const KEY = 'kind = $1 AND scope = $2 AND id = $3';

async function current(tx: Sql, k: ConfigKey): Promise<number | null> {
  const { rows } = await tx.query<{ version: number }>(`SELECT version FROM config_objects WHERE ${KEY}`, [k.kind, k.scope, k.id]);
  return rows[0]?.version ?? null;
}

async function recordVersion(tx: Sql, row: ConfigKey & { version: number; definition: unknown; yaml_hash: string | null; by: string }): Promise<void> {
  await tx.query(
    `INSERT INTO config_versions (kind, scope, id, version, definition, yaml_hash, changed_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
    [row.kind, row.scope, row.id, row.version, row.definition === null ? null : JSON.stringify(row.definition), row.yaml_hash, row.by],
  );
}

/** One transaction per change: the object row and its version row land together or not at all. */
export function configObjectRepo(store: Store): ConfigObjectRepo {
  return {
    async list(kinds, scope) {
      const { rows } = await store.query<ConfigObjectRow>(
        `SELECT ${COLUMNS} FROM config_objects WHERE kind = ANY($1) AND ($2::text IS NULL OR scope = $2) ORDER BY kind, scope, id`,
        [[...kinds], scope ?? null]);
      return rows;
    },
    async get(k) {
      const { rows } = await store.query<ConfigObjectRow>(`SELECT ${COLUMNS} FROM config_objects WHERE ${KEY}`, [k.kind, k.scope, k.id]);
      return rows[0] ?? null;
    },
    write(w) {
      return store.transaction(async (tx) => {
        const def = JSON.stringify(w.definition);
        const params = [w.kind, w.scope, w.id, def, w.yamlHash ?? null, w.by];
        let rows: ConfigObjectRow[];
        if (w.expectedVersion === 0 || (w.expectedVersion === undefined && (await current(tx, w)) === null)) {
          // a re-created object continues its history's numbering
          ({ rows } = await tx.query<ConfigObjectRow>(
            `INSERT INTO config_objects (${COLUMNS})
             SELECT $1::text, $2::text, $3::text, $4::jsonb,
                    COALESCE((SELECT max(version) FROM config_versions WHERE kind = $1::text AND scope = $2::text AND id = $3::text), 0) + 1,
                    $5::text, now(), $6::text
             ON CONFLICT (kind, scope, id) DO NOTHING RETURNING ${COLUMNS}`, params));
        } else {
          ({ rows } = await tx.query<ConfigObjectRow>(
            `UPDATE config_objects SET definition = $4::jsonb, version = version + 1, yaml_hash = COALESCE($5, yaml_hash), updated_at = now(), updated_by = $6
             WHERE ${KEY} AND ($7::int IS NULL OR version = $7) RETURNING ${COLUMNS}`, [...params, w.expectedVersion ?? null]));
        }
        const row = rows[0];
        if (!row) return { ok: false, current: await current(tx, w) };
        await recordVersion(tx, { ...row, by: w.by });
        return { ok: true, row };
      });
    },
    remove(r) {
      return store.transaction(async (tx) => {
        const { rows } = await tx.query<ConfigObjectRow>(
          `DELETE FROM config_objects WHERE ${KEY} AND ($4::int IS NULL OR version = $4) RETURNING ${COLUMNS}`,
          [r.kind, r.scope, r.id, r.expectedVersion ?? null]);
        const row = rows[0];
        if (!row) return { ok: false, current: await current(tx, r) };
        await recordVersion(tx, { ...row, version: row.version + 1, definition: null, by: r.by });
        return { ok: true, row: { ...row, version: row.version + 1, updated_by: r.by } };
      });
    },
    async history(k) {
      const { rows } = await store.query<ConfigVersionRow>(
        `SELECT version, definition, changed_at, changed_by FROM config_versions WHERE ${KEY} ORDER BY version DESC`, [k.kind, k.scope, k.id]);
      return rows;
    },
    async yamlHashes(kinds) {
      const { rows } = await store.query<ConfigKey & { yaml_hash: string | null }>(
        `SELECT DISTINCT ON (kind, scope, id) kind, scope, id, yaml_hash FROM config_versions
         WHERE kind = ANY($1) ORDER BY kind, scope, id, version DESC`, [[...kinds]]);
      return new Map(rows.map((r) => [configKeyString(r), r.yaml_hash]));
    },
  };
}
