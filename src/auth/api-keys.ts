import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { actorLabel, type Actor } from '../api/contract/actor.ts';
import { apiKeyName, createApiKeyBody, type ApiKey, type CreatedApiKey } from '../api/contract/api-keys.ts';
import type { Role } from '../api/contract/permissions.ts';
import { UseCaseError } from '../core/errors.ts';
import type { ApiKeyRepo, ApiKeyRow } from '../store/repositories/api-keys.ts';
import { checkCameras, parseWith, requirePermission } from './access.ts';

/**
 * Keys look like `vgl_<prefix>_<secret>`: `vgl_` makes a leaked key recognisable (secret
 * scanners, logs), the 12-hex-digit prefix finds its row, the secret is 256 random bits. Only a
 * SHA-256 of the whole key is stored: with that much entropy a slow password hash adds nothing,
 * and each request's check stays a microsecond.
 */
const KEY_PATTERN = /^vgl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key: a gateway polling every second would otherwise write every second */
export const LAST_USED_EVERY_MS = 60_000;
const DAY_MS = 86_400_000;

/** Why a key was refused, for the caller's log line (the client is told only that it was refused). */
export type ApiKeyRefusal = 'malformed' | 'unknown' | 'wrong_secret' | 'revoked' | 'expired';
export type ApiKeyCheck = { actor: Actor; reason?: undefined } | { actor: null; reason: ApiKeyRefusal };

/** why `route` cannot be in a key of `role` (no such route, or the role may not call it), null when it can */
export type RouteProblem = (route: string, role: Role) => string | null;

export interface ApiKeyServiceDeps {
  keys: ApiKeyRepo;
  knownCameras: () => Promise<readonly string[]>;
  /** absent = any well-formed route */
  routeProblem?: RouteProblem;
  now?: () => Date;
}

export interface ApiKeyService {
  list(actor: Actor): Promise<ApiKey[]>;
  /** the only time the key itself is returned */
  create(actor: Actor, input: unknown): Promise<CreatedApiKey>;
  /** by id, or by name; revoking a revoked key changes nothing and returns it */
  revoke(actor: Actor, idOrName: number | string): Promise<ApiKey>;
  /** the key's actor, or why it is refused; records the use (time and IP, at most once a minute per key) */
  check(key: string, ip: string | null): Promise<ApiKeyCheck>;
  /** the key's actor, or null (check() says why) */
  verify(key: string, ip: string | null): Promise<Actor | null>;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

function keyState(r: ApiKeyRow, now: Date): ApiKey['state'] {
  if (r.revoked_at) return 'revoked';
  return r.expires_at <= now ? 'expired' : 'active';
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export const toApiKey = (r: ApiKeyRow, now: Date): ApiKey => ({
  id: r.id, name: r.name, prefix: r.prefix, role: r.role as Role, cameras: r.cameras, routes: r.routes, created_by: r.created_by,
  created_at: r.created_at.toISOString(), expires_at: r.expires_at.toISOString(), revoked_at: iso(r.revoked_at),
  last_used_at: iso(r.last_used_at), last_used_ip: r.last_used_ip, state: keyState(r, now),
});

export function apiKeyService(deps: ApiKeyServiceDeps): ApiKeyService {
  const { keys } = deps;
  const now = deps.now ?? (() => new Date());
  const lastWritten = new Map<number, number>();

  async function recordUse(row: ApiKeyRow, ip: string | null, at: Date): Promise<void> {
    const last = lastWritten.get(row.id) ?? row.last_used_at?.getTime() ?? 0;
    if (at.getTime() - last < LAST_USED_EVERY_MS) return;
    lastWritten.set(row.id, at.getTime());
    await keys.touch(row.id, at, ip && isIP(ip) ? ip : null, new Date(at.getTime() - LAST_USED_EVERY_MS));
  }

  const service: ApiKeyService = {
    async list(actor) {
      requirePermission(actor, 'apikeys:manage');
      const t = now();
      return (await keys.list()).map((r) => toApiKey(r, t));
    },

    async create(actor, input) {
      requirePermission(actor, 'apikeys:manage');
      const body = parseWith(createApiKeyBody, input);
      await checkCameras(body.cameras, deps.knownCameras);
      const problems = (body.routes ?? []).flatMap((r) => deps.routeProblem?.(r, body.role) ?? []);
      if (problems.length) throw new UseCaseError('invalid', `routes: ${problems.slice(0, 5).join('; ')}`);
      const prefix = randomBytes(6).toString('hex');
      const key = `vgl_${prefix}_${randomBytes(32).toString('base64url')}`;
      const t = now();
      const row = await keys.insert({
        name: body.name, prefix, keyHash: sha256(key).toString('hex'), role: body.role, cameras: body.cameras ?? null, routes: body.routes ?? null,
        createdBy: actorLabel(actor), createdAt: t, expiresAt: new Date(t.getTime() + body.expires_in_days * DAY_MS),
      });
      if (!row) throw new UseCaseError('conflict', `an API key named '${body.name}' exists (revoked keys keep their names)`);
      return { ...toApiKey(row, t), key };
    },

    async revoke(actor, idOrName) {
      requirePermission(actor, 'apikeys:manage');
      const found = typeof idOrName === 'number' ? await keys.get(idOrName) : await keys.byName(parseWith(apiKeyName, idOrName));
      if (!found) throw new UseCaseError('not_found', typeof idOrName === 'number' ? `no API key with id ${idOrName}` : `no API key named '${idOrName}'`);
      const t = now();
      const row = await keys.revoke(found.id, t);
      if (!row) throw new UseCaseError('not_found', `no API key with id ${found.id}`);
      return toApiKey(row, t);
    },

    async check(key, ip) {
      const m = KEY_PATTERN.exec(key);
      if (!m) return { actor: null, reason: 'malformed' };
      const row = await keys.byPrefix(m[1]!);
      if (!row) return { actor: null, reason: 'unknown' };
      if (!timingSafeEqual(sha256(key), Buffer.from(row.key_hash, 'hex'))) return { actor: null, reason: 'wrong_secret' };
      const t = now();
      const state = keyState(row, t);
      if (state !== 'active') return { actor: null, reason: state };
      await recordUse(row, ip, t);
      return { actor: { kind: 'api_key', id: row.id, name: row.name, role: row.role as Role, cameras: row.cameras, routes: row.routes, expiresAt: row.expires_at } };
    },

    async verify(key, ip) {
      return (await service.check(key, ip)).actor;
    },
  };
  return service;
}
