import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApi } from '../../../test/fixtures/accounts-api.ts';

describe('API key routes', () => {
  let api: Awaited<ReturnType<typeof accountsApi>>;
  beforeAll(async () => {
    api = await accountsApi(['gate']);
  }, 60_000);
  afterAll(() => api?.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, role = 'admin') =>
    api.app.inject({ method, url, payload, headers: { 'x-test-role': role } });

  it('creates a key shown once (not cached), lists it without the key and revokes it', async () => {
    const created = await call('POST', '/api/v1/apikeys', { name: 'ha', role: 'viewer', cameras: ['gate'], routes: ['GET /api/v1/events', 'GET /api/v1/cameras/:id'] });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const k = created.json();
    expect(k).toMatchObject({ name: 'ha', role: 'viewer', state: 'active', created_by: 'user:test-admin', key: expect.stringMatching(/^vgl_/) });
    const list = await call('GET', '/api/v1/apikeys');
    expect(list.json().items).toEqual([expect.objectContaining({ id: k.id, prefix: k.prefix })]);
    expect(list.body).not.toContain(k.key);
    const revoked = await call('DELETE', `/api/v1/apikeys/${k.id}`);
    expect(revoked.json()).toMatchObject({ id: k.id, state: 'revoked' });
    expect((await call('DELETE', '/api/v1/apikeys/987654')).statusCode).toBe(404);
  });

  it('grants only routes that exist and the role may call', async () => {
    const bad = async (routes: string[], message: RegExp) => {
      const r = await call('POST', '/api/v1/apikeys', { name: 'scoped', role: 'viewer', routes });
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(message);
    };
    await bad(['GET /api/v1/nothing'], /no route GET \/api\/v1\/nothing/);
    await bad(['POST /api/v1/users'], /the viewer role may not call POST \/api\/v1\/users/);
    await bad(['events'], /a route such as/);
    expect((await call('POST', '/api/v1/apikeys', { name: 'dup', role: 'viewer' })).statusCode).toBe(201);
    expect((await call('POST', '/api/v1/apikeys', { name: 'dup', role: 'viewer' })).statusCode).toBe(409);
    expect((await call('GET', '/api/v1/apikeys', undefined, 'operator')).statusCode).toBe(403);
  });
});
