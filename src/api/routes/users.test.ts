import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApi } from '../../../test/fixtures/accounts-api.ts';

describe('user routes', () => {
  let api: Awaited<ReturnType<typeof accountsApi>>;
  beforeAll(async () => {
    api = await accountsApi(['gate']);
  }, 60_000);
  afterAll(() => api?.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, role = 'admin') =>
    api.app.inject({ method, url, payload, headers: role ? { 'x-test-role': role } : {} });

  it('creates, lists, changes and deletes users; never returns a hash', async () => {
    const created = await call('POST', '/api/v1/users', { username: 'guard1', password: 'night shift 42', role: 'viewer', cameras: ['gate'] });
    expect(created.statusCode).toBe(201);
    const u = created.json();
    expect(u).toMatchObject({ username: 'guard1', role: 'viewer', cameras: ['gate'], disabled: false });
    const boss = (await call('POST', '/api/v1/users', { username: 'boss', password: 'the boss pw!', role: 'admin' })).json();
    const list = await call('GET', '/api/v1/users');
    expect(list.json().items.map((x: { username: string }) => x.username)).toEqual(['boss', 'guard1']);
    expect(list.body).not.toMatch(/argon2|password/);
    expect((await call('PATCH', `/api/v1/users/${u.id}`, { role: 'operator', disabled: true })).json()).toMatchObject({ role: 'operator', disabled: true });
    expect((await call('DELETE', `/api/v1/users/${u.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/users/${u.id}`)).json()).toEqual({ error: 'not_found', message: `no user with id ${u.id}` });
    const last = await call('DELETE', `/api/v1/users/${boss.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json().message).toMatch(/'boss' is the last admin/);
  });

  it('answers bad input with 400 naming the field, a taken name with 409', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ username: 'x1', password: 'short', role: 'viewer' }, /password.*at least 10/],
      [{ username: 'x1', password: 'long enough 1', role: 'superuser' }, /role/],
      [{ username: 'x1', password: 'long enough 1', role: 'viewer', cameras: ['nowhere'] }, /no camera with id 'nowhere'/],
      [{ username: 'x\u0000', password: 'long enough 1', role: 'viewer' }, /username/],
      [{ username: 'x1', password: 'long enough 1', role: 'viewer', is_admin: true }, /is_admin/],
    ];
    for (const [body, message] of cases) {
      const r = await call('POST', '/api/v1/users', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().message).toMatch(message);
    }
    await call('POST', '/api/v1/users', { username: 'dup', password: 'long enough 1', role: 'viewer' });
    expect((await call('POST', '/api/v1/users', { username: 'DUP', password: 'long enough 1', role: 'viewer' })).statusCode).toBe(409);
    expect((await call('PATCH', '/api/v1/users/abc', { role: 'viewer' })).statusCode).toBe(400);
    expect((await call('PATCH', '/api/v1/users/1', {})).statusCode).toBe(400);
    expect((await call('PATCH', '/api/v1/users/999999', { role: 'viewer' })).statusCode).toBe(404);
  });

  it('resets a user\'s second factor by id', async () => {
    const u = (await call('POST', '/api/v1/users', { username: 'lostphone', password: 'night shift 42', role: 'operator' })).json();
    expect(u.mfa_enabled).toBe(false);
    await api.store.query("UPDATE users SET mfa_enabled = true, mfa_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1", [u.id]);
    expect((await call('GET', '/api/v1/users')).json().items.find((x: { id: number }) => x.id === u.id).mfa_enabled).toBe(true);
    const r = await call('POST', `/api/v1/users/${u.id}/mfa/reset`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ username: 'lostphone', mfa_enabled: false });
    const { rows } = await api.store.query<{ mfa_enabled: boolean; mfa_secret: string | null }>('SELECT mfa_enabled, mfa_secret FROM users WHERE id = $1', [u.id]);
    expect(rows[0]).toEqual({ mfa_enabled: false, mfa_secret: null });
    expect((await call('POST', '/api/v1/users/999999/mfa/reset')).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/users/${u.id}/mfa/reset`, undefined, 'operator')).statusCode).toBe(403);
  });

  it('is for admins only', async () => {
    for (const role of ['operator', 'viewer']) {
      expect((await call('GET', '/api/v1/users', undefined, role)).statusCode).toBe(403);
      expect((await call('POST', '/api/v1/users', { username: 'sneaky', password: 'long enough 1', role: 'admin' }, role)).statusCode).toBe(403);
    }
    expect((await call('GET', '/api/v1/users', undefined, '')).statusCode).toBe(401);
  });
});
