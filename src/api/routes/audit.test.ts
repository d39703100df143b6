import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { auditWriter, guardedAuditWriter } from '../../audit/record.ts';
import { Health } from '../../core/health.ts';
import { rootLogger, type Logger } from '../../core/log.ts';
import { createDiskObjects } from '../../objects/disk.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/port.ts';
import { createRepositories } from '../../store/repositories/index.ts';
import type { Actor } from '../contract/actor.ts';
import type { Role } from '../contract/permissions.ts';
import { addRoute, unauthenticated, useAuthenticator, type Authenticate } from '../route.ts';
import { TestAuth } from '../../../test/fixtures/api-auth.ts';
import { buildApi, type ApiDeps } from '../server.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

const actorOf = (role: Role, name: string): Actor => ({ kind: 'user', id: { admin: 1, operator: 2, viewer: 3 }[role], name, role, cameras: null, routes: null });

// The test's caller comes from a header: a role, "expired" (credentials that fail), or none at all.
const authenticate: Authenticate = async (req) => {
  const who = req.headers['x-test-role'];
  if (who === 'expired') throw unauthenticated('the access token has expired');
  if (who === 'admin' || who === 'operator' || who === 'viewer') return actorOf(who, `${who}-user`);
  return null;
};

interface Row { actor_kind: string | null; actor_name: string | null; user_id: number | null; ip: string | null; action: string; resource: string; outcome: string; status: number; details: Record<string, unknown> }

describe('audit trail of the API (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-audit-api-'));
  let store: Store;
  let app: ReturnType<typeof buildApi>;
  let auth: TestAuth;

  const deps = (extra: Partial<ApiDeps> = {}): ApiDeps => ({
    cameras: new LiveCameras(), repos: createRepositories(store), objects: createDiskObjects(path.join(root, 'objects')), store, health: new Health(),
    version: 'test', startedAt: new Date(), log: rootLogger, status: () => undefined, auth: auth.stack, ...extra,
  });
  // a state-changing route of the test's own, so the trail is tested apart from any one feature's body
  const withTestRoute = (a: ReturnType<typeof buildApi>) => {
    useAuthenticator(a, authenticate);
    addRoute(a, {
      method: 'POST', url: '/api/v1/test/things/:id', permission: 'alerts:act', tag: 'test', summary: 'test',
      params: z.object({ id: z.string() }).strict(), body: z.object({ secret: z.string() }).strict(),
      handler: async ({ params }) => ({ id: params.id }),
    });
    addRoute(a, {
      method: 'GET', url: '/api/v1/test/export', permission: 'recordings:export', tag: 'test', summary: 'test', audited: { query: ['from'] },
      query: z.object({ from: z.string(), token: z.string() }).strict(),
      handler: async () => ({}),
    });
    return a;
  };
  const call = (role: string | undefined, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: { ...(role ? { 'x-test-role': role } : {}), 'x-forwarded-for': '203.0.113.9' }, remoteAddress: '192.0.2.44' });
  const rowsFor = async (resource: string) => (await store.query<Row>(
    `SELECT actor_kind, actor_name, user_id, host(ip_address) AS ip, action, resource, outcome, status, details FROM audit_log WHERE resource = $1 ORDER BY id`, [resource],
  )).rows;

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    auth = await TestAuth.open({ repos: createRepositories(store) });
    app = withTestRoute(buildApi(deps()));
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a state change: the actor, the client address, the route and the outcome; never the body', async () => {
    const r = await call('operator', 'POST', '/api/v1/test/things/42?x=1', { secret: 'hunter22' });
    expect(r.statusCode).toBe(200);
    const rows = await rowsFor('/api/v1/test/things/42');
    // without trusted proxies configured, X-Forwarded-For is ignored: the address is the socket's
    expect(rows).toEqual([{
      actor_kind: 'user', actor_name: 'operator-user', user_id: 2, ip: '192.0.2.44',
      action: 'POST /api/v1/test/things/:id', resource: '/api/v1/test/things/42', outcome: 'ok', status: 200, details: {},
    }]);
    expect(JSON.stringify(await store.query('SELECT * FROM audit_log'))).not.toContain('hunter22');
  });

  it('a denied request names who was refused and why', async () => {
    const r = await call('viewer', 'POST', '/api/v1/test/things/43', { secret: 'x' });
    expect(r.statusCode).toBe(403);
    expect(await rowsFor('/api/v1/test/things/43')).toEqual([expect.objectContaining({
      actor_name: 'viewer-user', outcome: 'denied', status: 403, details: { reason: 'the viewer role may not alerts act' },
    })]);
  });

  it('an unauthenticated or badly authenticated call is audited, also on a read', async () => {
    expect((await call(undefined, 'GET', '/api/v1/events')).statusCode).toBe(401);
    expect((await call('expired', 'POST', '/api/v1/notifications/dlq/5/retry')).statusCode).toBe(401);
    expect(await rowsFor('/api/v1/events')).toEqual([expect.objectContaining({ actor_kind: null, actor_name: null, action: 'GET /api/v1/events', outcome: 'denied', status: 401 })]);
    expect(await rowsFor('/api/v1/notifications/dlq/5/retry')).toEqual([expect.objectContaining({
      actor_name: null, ip: '192.0.2.44', outcome: 'denied', status: 401, details: { reason: 'the access token has expired' },
    })]);
  });

  it('an audited read keeps the query parameters its route names, and only those', async () => {
    expect((await call('operator', 'GET', '/api/v1/test/export?from=2025-01-20T10:00:00Z&token=sig123')).statusCode).toBe(200);
    expect(await rowsFor('/api/v1/test/export')).toEqual([expect.objectContaining({ outcome: 'ok', details: { from: '2025-01-20T10:00:00Z' } })]);
  });

  it('a plain read is not audited; a failed state change is, as failed', async () => {
    expect((await call('viewer', 'GET', '/api/v1/events')).statusCode).toBe(200);
    expect(await rowsFor('/api/v1/events')).toHaveLength(1);
    expect((await call('operator', 'POST', '/api/v1/test/things/44', { nope: 1 })).statusCode).toBe(400);
    expect(await rowsFor('/api/v1/test/things/44')).toEqual([expect.objectContaining({ outcome: 'failed', status: 400, details: { reason: expect.stringContaining("'nope'") } })]);
  });

  it('lists the trail to admins only, filtered and paged, and the read itself is audited', async () => {
    expect((await call('operator', 'GET', '/api/v1/audit')).statusCode).toBe(403);
    const first = await call('admin', 'GET', '/api/v1/audit?outcome=denied&limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { items: Row[]; next_cursor: string };
    expect(page1.items.map((i) => i.status)).toEqual([403, 401]);
    expect(page1.items[0]).toMatchObject({ actor_kind: 'user', actor_name: 'operator-user', action: 'GET /api/v1/audit', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const page2 = (await call('admin', 'GET', `/api/v1/audit?outcome=denied&limit=2&cursor=${page1.next_cursor}`)).json() as { items: Row[]; next_cursor: string | null };
    expect(page2.items.map((i) => i.status)).toEqual([401, 403]);
    expect(page2.next_cursor).toBeNull();
    const byActor = (await call('admin', 'GET', '/api/v1/audit?actor=user:viewer-user')).json() as { items: Row[] };
    expect(byActor.items.map((i) => i.resource)).toEqual(['/api/v1/test/things/43']);
    const byAction = (await call('admin', 'GET', `/api/v1/audit?action=${encodeURIComponent('POST /api/v1/test/things/:id')}&outcome=ok`)).json() as { items: Row[] };
    expect(byAction.items.map((i) => i.resource)).toEqual(['/api/v1/test/things/42']);
    expect((await rowsFor('/api/v1/audit')).filter((r) => r.actor_name === 'admin-user' && r.outcome === 'ok').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses bad filters and forged cursors with a 400', async () => {
    for (const q of ['cursor=bm90LWEtY3Vyc29y', 'from=0000-01-01T00:00:00Z', 'actor=a%00b', 'outcome=maybe', 'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z']) {
      const r = await call('admin', 'GET', `/api/v1/audit?${q}`);
      expect(r.statusCode, q).toBe(400);
    }
  });

  it('exports CSV with a header, quoting, and no formulas for a spreadsheet to run', async () => {
    await auditWriter(store)({
      actor: { ...actorOf('admin', '=HYPERLINK("http://evil","x")'), kind: 'api_key' }, ip: '::1', action: '@SUM(1)', resource: 'a,b "c"\nd', outcome: 'ok', status: 200,
      details: { note: '-2+3' },
    });
    const r = await call('admin', 'GET', `/api/v1/audit?format=csv&action=${encodeURIComponent('@SUM(1)')}`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row, end] = r.body.split('\r\n');
    expect(header).toBe('id,created_at,actor_kind,actor_name,user_id,api_key_id,ip,action,resource,outcome,status,details,prev_hash,hash');
    // the line break inside the quoted resource stays a bare \n: records end with \r\n
    expect(row).toMatch(/^\d+,\d{4}-\d\d-\d\dT[\d:.]+Z,api_key,"'=HYPERLINK\(""http:\/\/evil"",""x""\)",,1,::1,'@SUM\(1\),"a,b ""c""\nd",ok,200,"\{""note"":""-2\+3""\}",[0-9a-f]{64},[0-9a-f]{64}$/);
    expect(end).toBe('');
  });

  it('verifies the chain for admins', async () => {
    const r = await call('admin', 'GET', '/api/v1/audit/verify');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, reason: null, rows: expect.any(Number), head_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.json().rows).toBeGreaterThan(10);
  });

  it('a failed audit write does not fail the call, but is logged once and shown in health', async () => {
    const health = new Health();
    const error = vi.fn();
    const info = vi.fn();
    const log = { ...rootLogger, error, info } as unknown as Logger;
    let down = true;
    const write = auditWriter(store);
    const broken = withTestRoute(buildApi(deps({ health, log, audit: guardedAuditWriter(async (e) => { if (down) throw new Error('disk full'); await write(e); }, { log, health }) })));
    try {
      const send = () => broken.inject({ method: 'POST', url: '/api/v1/test/things/45', payload: { secret: 's' }, headers: { 'x-test-role': 'admin' } });
      expect((await send()).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      expect(error).toHaveBeenCalledTimes(1);
      expect(health.snapshot().audit).toMatchObject({ state: 'degraded', detail: expect.stringContaining('disk full') });
      down = false;
      expect((await send()).statusCode).toBe(200);
      expect(info).toHaveBeenCalledWith(expect.anything(), 'audit rows are written again');
      expect(health.snapshot().audit?.state).toBe('healthy');
      expect(await rowsFor('/api/v1/test/things/45')).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });
});
