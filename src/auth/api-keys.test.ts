import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { apiKeyRepo } from '../store/repositories/api-keys.ts';
import { apiKeyService, LAST_USED_EVERY_MS, type ApiKeyService } from './api-keys.ts';
import { ADMIN, OPERATOR, refused } from './test-fixtures.ts';

describe('API key service (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-apikeys-'));
  let store: Store;
  let keys: ApiKeyService;
  let clock = new Date('2030-01-01T00:00:00Z');

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    keys = apiKeyService({
      keys: apiKeyRepo(store), knownCameras: async () => ['gate', 'yard'], now: () => clock,
      routeProblem: (route, role) => (route === 'GET /api/v1/events' ? null : `${role} may not call ${route}`),
    });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const lastUsed = async (id: number) => (await store.query<{ at: Date | null; ip: string | null }>('SELECT last_used_at AS at, host(last_used_ip) AS ip FROM api_keys WHERE id = $1', [id])).rows[0];

  it('creates a high-entropy key shown once, stored as a hash, scoped by role, cameras and routes', async () => {
    const k = await keys.create(ADMIN, { name: 'gate-gw', role: 'viewer', cameras: ['gate'], routes: ['GET /api/v1/events'], expires_in_days: 30 });
    expect(k.key).toMatch(new RegExp(`^vgl_${k.prefix}_[A-Za-z0-9_-]{43}$`));
    expect(k).toMatchObject({ name: 'gate-gw', role: 'viewer', cameras: ['gate'], routes: ['GET /api/v1/events'], created_by: 'user:test-admin', state: 'active', expires_at: '2030-01-31T00:00:00.000Z' });
    const stored = JSON.stringify((await store.query('SELECT * FROM api_keys WHERE id = $1', [k.id])).rows);
    expect(stored).not.toContain(k.key.slice(17));
    expect(JSON.stringify(await keys.list(ADMIN))).not.toContain(k.key.slice(17));
    const actor = await keys.verify(k.key, '10.1.2.3');
    expect(actor).toEqual({ kind: 'api_key', id: k.id, name: 'gate-gw', role: 'viewer', cameras: ['gate'], routes: ['GET /api/v1/events'], expiresAt: new Date('2030-01-31T00:00:00Z') });
    expect(await lastUsed(k.id)).toEqual({ at: clock, ip: '10.1.2.3' });
  });

  it('writes last use at most once a minute per key', async () => {
    const k = await keys.create(ADMIN, { name: 'poller', role: 'operator' });
    const t0 = clock;
    await keys.verify(k.key, '10.0.0.1');
    clock = new Date(t0.getTime() + LAST_USED_EVERY_MS - 1000);
    await keys.verify(k.key, '10.0.0.2');
    expect(await lastUsed(k.id)).toEqual({ at: t0, ip: '10.0.0.1' });
    clock = new Date(t0.getTime() + LAST_USED_EVERY_MS + 1000);
    await keys.verify(k.key, '10.0.0.3');
    expect(await lastUsed(k.id)).toEqual({ at: clock, ip: '10.0.0.3' });
    clock = t0;
  });

  it('refuses malformed, unknown, wrong, expired and revoked keys, saying why', async () => {
    const k = await keys.create(ADMIN, { name: 'short-lived', role: 'viewer', expires_in_days: 1 });
    const flipped = k.key.slice(0, -1) + (k.key.endsWith('A') ? 'B' : 'A');
    expect(await keys.check('Bearer nonsense', null)).toEqual({ actor: null, reason: 'malformed' });
    expect(await keys.check(k.key.replace(k.prefix, '000000000000'), null)).toEqual({ actor: null, reason: 'unknown' });
    expect(await keys.check(flipped, null)).toEqual({ actor: null, reason: 'wrong_secret' });
    clock = new Date(clock.getTime() + 2 * 86_400_000);
    expect(await keys.check(k.key, null)).toEqual({ actor: null, reason: 'expired' });
    expect((await keys.list(ADMIN)).find((x) => x.id === k.id)?.state).toBe('expired');
    clock = new Date('2030-01-01T00:00:00Z');

    expect((await keys.check(k.key, '::1')).actor).not.toBeNull();
    expect(await keys.revoke(ADMIN, 'short-lived')).toMatchObject({ state: 'revoked', revoked_at: clock.toISOString() });
    expect(await keys.check(k.key, null)).toEqual({ actor: null, reason: 'revoked' });
    expect(await keys.verify(k.key, null)).toBeNull();
    // revoking again keeps the first time
    clock = new Date(clock.getTime() + 5000);
    expect((await keys.revoke(ADMIN, k.id)).revoked_at).toBe('2030-01-01T00:00:00.000Z');
    clock = new Date('2030-01-01T00:00:00Z');
  });

  it('refuses bad input, unknown scopes, duplicate names and non-admins', async () => {
    await expect(keys.create(ADMIN, { name: 'gate-gw', role: 'viewer' })).rejects.toEqual(refused('conflict', /named 'gate-gw' exists/));
    await expect(keys.create(ADMIN, { name: 'x', role: 'viewer', cameras: ['nope'] })).rejects.toEqual(refused('invalid', /no camera with id 'nope'/));
    await expect(keys.create(ADMIN, { name: 'x', role: 'viewer', routes: ['GET /api/v1/users'] })).rejects.toEqual(refused('invalid', /routes: viewer may not call GET \/api\/v1\/users/));
    await expect(keys.create(ADMIN, { name: 'x', role: 'viewer', routes: ['events please'] })).rejects.toEqual(refused('invalid', /routes.0: a route such as/));
    await expect(keys.create(ADMIN, { name: 'x', role: 'viewer', expires_in_days: 0 })).rejects.toEqual(refused('invalid', /expires_in_days/));
    await expect(keys.create(ADMIN, { name: 'bad name!', role: 'viewer' })).rejects.toEqual(refused('invalid', /name: 1–64 characters/));
    await expect(keys.create(OPERATOR, { name: 'x', role: 'viewer' })).rejects.toEqual(refused('forbidden', /may not apikeys manage/));
    await expect(keys.list(OPERATOR)).rejects.toEqual(refused('forbidden', /operator/));
    await expect(keys.revoke(ADMIN, 'missing')).rejects.toEqual(refused('not_found', /no API key named 'missing'/));
    await expect(keys.revoke(ADMIN, 424242)).rejects.toEqual(refused('not_found', /no API key with id 424242/));
  });
});
