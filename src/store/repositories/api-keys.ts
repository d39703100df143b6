import type { Store } from '../port.ts';

/** A machine's credential (migration 013): the hash of the key, never the key. */
export interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  /** SHA-256 of the whole key, hex */
  key_hash: string;
  role: string;
  /** null = every camera */
  cameras: string[] | null;
  /** route templates ('GET /api/v1/events'); null = every route the role allows */
  routes: string[] | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
}

export interface ApiKeyInput {
  name: string;
  prefix: string;
  keyHash: string;
  role: string;
  cameras: string[] | null;
  routes: string[] | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ApiKeyRepo {
  /** null when the name is taken */
  insert(k: ApiKeyInput): Promise<ApiKeyRow | null>;
  /** newest first */
  list(): Promise<ApiKeyRow[]>;
  get(id: number): Promise<ApiKeyRow | null>;
  byName(name: string): Promise<ApiKeyRow | null>;
  byPrefix(prefix: string): Promise<ApiKeyRow | null>;
  /** sets revoked_at once; null when there is no such key (an already revoked key keeps its first time) */
  revoke(id: number, at: Date): Promise<ApiKeyRow | null>;
  /** records a use unless one was recorded since `unchangedSince` (several processes may verify the same key) */
  touch(id: number, at: Date, ip: string | null, unchangedSince: Date): Promise<void>;
}

const COLUMNS = 'id, name, prefix, key_hash, role, cameras, routes, created_by, created_at, expires_at, revoked_at, last_used_at, host(last_used_ip) AS last_used_ip';

export function apiKeyRepo(store: Store): ApiKeyRepo {
  const one = async (text: string, params: unknown[]) => (await store.query<ApiKeyRow>(text, params)).rows[0] ?? null;
  return {
    insert: (k) => one(
      `INSERT INTO api_keys (name, prefix, key_hash, role, cameras, routes, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [k.name, k.prefix, k.keyHash, k.role, k.cameras, k.routes, k.createdBy, k.createdAt, k.expiresAt],
    ),
    async list() {
      return (await store.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`)).rows;
    },
    get: (id) => one(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]),
    byName: (name) => one(`SELECT ${COLUMNS} FROM api_keys WHERE name = $1`, [name]),
    byPrefix: (prefix) => one(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]),
    revoke: (id, at) => one(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, at]),
    async touch(id, at, ip, unchangedSince) {
      await store.query(
        `UPDATE api_keys SET last_used_at = $2, last_used_ip = $3::inet
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $4)`,
        [id, at, ip, unchangedSince],
      );
    },
  };
}
