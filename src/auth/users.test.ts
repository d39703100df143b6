import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { userRepo } from '../store/repositories/users.ts';
import { verifyPassword } from './passwords.ts';
import { addMfaColumns, ADMIN, OPERATOR, refused } from './test-fixtures.ts';
import { userService, type UserService } from './users.ts';

describe('user service (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-users-'));
  let store: Store;
  let users: UserService;
  const changed: Array<[number, string]> = [];

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    await addMfaColumns(store);
    users = userService({ users: userRepo(store), knownCameras: async () => ['gate', 'yard'], onAccountChanged: async (id, why) => void changed.push([id, why]) });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates a user with an argon2id hash it never returns, lower-casing the username', async () => {
    const u = await users.create(ADMIN, { username: ' Alice ', password: 'correct horse', role: 'operator', cameras: ['gate'] });
    expect(u).toEqual({ id: expect.any(Number), username: 'alice', role: 'operator', cameras: ['gate'], disabled: false, mfa_enabled: false, created_at: expect.any(String) });
    expect(JSON.stringify(await users.list(ADMIN))).not.toMatch(/argon2|password/);
    const { rows } = await store.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [u.id]);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(rows[0]!.password_hash, 'correct horse')).toBe(true);
    await expect(users.create(ADMIN, { username: 'ALICE', password: 'another pass', role: 'viewer' })).rejects.toEqual(refused('conflict', /'alice' is taken/));
  });

  it('refuses bad input with the field and the rule', async () => {
    const bad = (input: unknown) => users.create(ADMIN, input);
    await expect(bad({ username: 'bob', password: 'short', role: 'viewer' })).rejects.toEqual(refused('invalid', /password: at least 10/));
    await expect(bad({ username: 'bobbybobby', password: 'BobbyBobby', role: 'viewer' })).rejects.toEqual(refused('invalid', /must not be the username/));
    await expect(bad({ username: 'b\u0000b', password: 'long enough!', role: 'viewer' })).rejects.toEqual(refused('invalid', /username: 2–32 characters/));
    await expect(bad({ username: 'bob', password: 'long enough!', role: 'root' })).rejects.toEqual(refused('invalid', /role/));
    await expect(bad({ username: 'cli', password: 'long enough!', role: 'admin' })).rejects.toEqual(refused('invalid', /reserved/));
    await expect(bad({ username: 'bob', password: 'long enough!', role: 'viewer', cameras: ['gat'] })).rejects.toEqual(refused('invalid', /no camera with id 'gat'/));
    await expect(bad({ username: 'bob', password: 'long enough!', role: 'viewer', extra: 1 })).rejects.toEqual(refused('invalid', /extra/));
  });

  it('lets only admins manage users', async () => {
    await expect(users.list(OPERATOR)).rejects.toEqual(refused('forbidden', /may not users manage/));
    await expect(users.create(OPERATOR, { username: 'eve', password: 'long enough!', role: 'admin' })).rejects.toEqual(refused('forbidden', /operator/));
  });

  it('updates role, password, cameras and disabled; never leaves no admin who can sign in', async () => {
    const root1 = await users.create(ADMIN, { username: 'root1', password: 'first admin pw', role: 'admin' });
    const others = (await users.list(ADMIN)).filter((u) => u.role === 'admin' && u.id !== root1.id);
    for (const o of others) await users.remove(ADMIN, o.id);
    await expect(users.update(ADMIN, root1.id, { role: 'viewer' })).rejects.toEqual(refused('conflict', /'root1' is the last admin/));
    await expect(users.update(ADMIN, root1.id, { disabled: true })).rejects.toEqual(refused('conflict', /last admin/));
    await expect(users.remove(ADMIN, root1.id)).rejects.toEqual(refused('conflict', /last admin/));

    const root2 = await users.create(ADMIN, { username: 'root2', password: 'second admin', role: 'admin' });
    // two demotions at once: one of them must be refused
    const results = await Promise.allSettled([users.update(ADMIN, root1.id, { role: 'operator' }), users.update(ADMIN, root2.id, { role: 'operator' })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const remaining = (await users.list(ADMIN)).filter((u) => u.role === 'admin');
    expect(remaining).toHaveLength(1);

    changed.length = 0;
    const updated = await users.update(ADMIN, root1.id, { role: 'admin', cameras: ['yard'], password: 'a new password' });
    expect(updated).toMatchObject({ role: 'admin', cameras: ['yard'] });
    // their sessions end: tokens carry the old role and cameras
    expect(changed).toEqual([[root1.id, expect.stringMatching(/^account changed \(.*role.*\)$/)]]);
    expect((await users.update(ADMIN, root1.id, { cameras: null })).cameras).toBeNull();
    const { rows } = await store.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [root1.id]);
    expect(await verifyPassword(rows[0]!.password_hash, 'a new password')).toBe(true);
    await expect(users.update(ADMIN, root1.id, {})).rejects.toEqual(refused('invalid', /at least one/));
    await expect(users.update(ADMIN, 999_999, { disabled: true })).rejects.toEqual(refused('not_found', /no user with id 999999/));
  });

  it('deletes a user; resetting MFA clears the second factor', async () => {
    const u = await users.create(ADMIN, { username: 'carol', password: 'carol-pass-1', role: 'viewer' });
    await store.query(`UPDATE users SET mfa_secret = 'S3CRET', mfa_enabled = true, mfa_last_step = 7, recovery_codes = '{a,b}' WHERE id = $1`, [u.id]);
    expect(await users.resetMfa(ADMIN, 'Carol')).toMatchObject({ username: 'carol', mfa_enabled: false });
    expect(changed.at(-1)).toEqual([u.id, 'second factor reset']);
    const { rows } = await store.query('SELECT mfa_secret, mfa_enabled, mfa_last_step, recovery_codes FROM users WHERE id = $1', [u.id]);
    expect(rows[0]).toEqual({ mfa_secret: null, mfa_enabled: false, mfa_last_step: null, recovery_codes: [] });
    await expect(users.resetMfa(ADMIN, 'nobody')).rejects.toEqual(refused('not_found', /no user named 'nobody'/));
    await users.remove(ADMIN, u.id);
    await expect(users.byUsername(ADMIN, 'carol')).rejects.toEqual(refused('not_found', /carol/));
    await expect(users.remove(ADMIN, u.id)).rejects.toEqual(refused('not_found', /no user/));
  });
});
