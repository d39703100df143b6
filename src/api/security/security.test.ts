import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { FastifyInstance, FastifyRequest, InjectOptions } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../cache/memory.ts';
import { configSchema } from '../../config/schema.ts';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { assertSameSiteRequest, CSRF_COOKIE, CSRF_HEADER } from '../csrf.ts';
import { apiSecurity, buildApi, type ApiSecurity } from '../server.ts';
import { createUser, TestAuth } from '../../../test/fixtures/api-auth.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

const testAuth = await TestAuth.open();
afterAll(() => testAuth.close());

const retried: number[] = [];
const repos = {
  notifications: {
    requeueDlq: async (id: number) => {
      retried.push(id);
      return { ok: true, delivery: { id: 9 } };
    },
  },
} as unknown as Repositories;

const apiConfig = (over: Record<string, unknown> = {}) => configSchema.parse({ api: over }).api;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const buildReplica = (security: ApiSecurity): FastifyInstance => buildApi({
  cameras: new LiveCameras(), repos, objects: {} as Objects, store: { ping: async () => true } as unknown as Store, health: new Health(),
  status: () => undefined, version: 'test', startedAt: new Date(), log: rootLogger, security, auth: testAuth.stack,
});

function build(security: ApiSecurity = apiSecurity(apiConfig())): FastifyInstance {
  app = buildReplica(security);
  return app;
}

const securityHeaders = (headers: Record<string, unknown>) => ({
  csp: headers['content-security-policy'], nosniff: headers['x-content-type-options'], referrer: headers['referrer-policy'], cors: headers['access-control-allow-origin'],
});

describe('API security', () => {
  it('answers only to its own host names (DNS rebinding)', async () => {
    const a = build(apiSecurity(apiConfig({ hostnames: ['vigil.site.lan'], public_url: 'https://vigil.example.com' })));
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', '10.1.2.3', 'vigil.site.lan', 'VIGIL.example.com']) {
      expect((await a.inject({ url: '/health/live', headers: { host } })).statusCode, host).toBe(200);
    }
    const evil = await a.inject({ url: '/api/v1/openapi.json', headers: { host: 'rebind.evil.example:8080' } });
    expect(evil.statusCode).toBe(421);
    expect(evil.json()).toMatchObject({ error: 'misdirected_request', message: expect.stringContaining('api.hostnames') });
    expect((await a.inject({ url: '/health/live', headers: { host: 'a@b' } })).statusCode).toBe(400);
  });

  it('sends security headers on every response, errors and 404s included, and no CORS', async () => {
    const a = build();
    const responses = [
      await a.inject('/health/live'),
      await a.inject('/no/such/route'),
      await a.inject('/api/v1/openapi.json?bad=1'),
      await a.inject({ url: '/health/live', headers: { host: 'evil.example' } }),
      await a.inject({ method: 'OPTIONS', url: '/api/v1/notifications/dlq/1/retry', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 404, 400, 421, 404]);
    for (const r of responses) {
      const h = securityHeaders(r.headers);
      expect(h.csp).toContain("script-src 'self'");
      expect(h.csp).not.toContain('unsafe-inline');
      expect(h.csp).toContain("frame-ancestors 'self'");
      expect(h.nosniff).toBe('nosniff');
      expect(h.referrer).toBe('no-referrer');
      expect(h.cors).toBeUndefined();
    }
  });

  it('refuses state changes sent by another site\'s page with the operator\'s cookies, in every form that needs no preflight', async () => {
    const a = build();
    retried.length = 0;
    const login = await a.inject({ method: 'POST', url: '/api/v1/auth/login', payload: await createUser(testAuth.repos, 'operator') });
    expect(login.statusCode).toBe(200);
    // what a browser attaches to any request to this host, whichever page started it
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = login.cookies.find((c) => c.name === CSRF_COOKIE)!.value;
    const forged = [
      { headers: { cookie, origin: 'https://evil.example', 'content-type': 'text/plain' }, payload: 'x' },
      { headers: { cookie, origin: 'https://evil.example' } },
      { headers: { cookie, origin: 'null', 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--\r\n' },
      { headers: { cookie, referer: 'https://evil.example/page' } },
      { headers: { cookie, 'sec-fetch-site': 'cross-site' } },
      // a page cannot read the CSRF cookie of another origin, so it cannot send the header
      { headers: { cookie } },
    ];
    for (const f of forged) {
      const r = await a.inject({ method: 'POST', url: '/api/v1/notifications/dlq/1/retry', ...f });
      // a body this route does not take is refused before anything else (415); the rest by origin or the missing token
      if (f.payload) expect(r.statusCode, JSON.stringify(f.headers)).toBe(415);
      else expect([r.statusCode, r.json().error], JSON.stringify(f.headers)).toEqual([403, 'forbidden']);
    }
    expect(retried).toEqual([]);
    // our own page (cookie + the token it read) and a client sending the bearer token may
    expect((await a.inject({ method: 'POST', url: '/api/v1/notifications/dlq/1/retry', headers: { cookie, 'x-csrf-token': csrf, origin: 'http://localhost:8080', host: 'localhost:8080' } })).statusCode).toBe(202);
    expect((await a.inject({ method: 'POST', url: '/api/v1/notifications/dlq/1/retry', headers: { authorization: `Bearer ${login.json().access_token}` } })).statusCode).toBe(202);
    expect(retried).toEqual([1, 1]);
  });

  it('cookie-authenticated state changes need the double-submit token', () => {
    const hosts = apiSecurity(apiConfig()).hosts;
    const req = (headers: Record<string, string>, method = 'POST') => ({ method, headers: { host: 'localhost:8080', ...headers } }) as unknown as FastifyRequest;
    const cookie = `session=abc; ${CSRF_COOKIE}=tok123`;
    expect(() => assertSameSiteRequest(req({ cookie }), hosts)).toThrow(/needs the x-csrf-token header/);
    expect(() => assertSameSiteRequest(req({ cookie, [CSRF_HEADER]: 'tok124' }), hosts)).toThrow(/does not match/);
    expect(() => assertSameSiteRequest(req({ cookie: 'session=abc', [CSRF_HEADER]: 'tok123' }), hosts)).toThrow(/needs the x-csrf-token/);
    expect(() => assertSameSiteRequest(req({ cookie, [CSRF_HEADER]: 'tok123', origin: 'https://evil.example' }), hosts)).toThrow(/cross-site/);
    expect(() => assertSameSiteRequest(req({ cookie, [CSRF_HEADER]: 'tok123', origin: 'http://localhost:8080' }), hosts)).not.toThrow();
    expect(() => assertSameSiteRequest(req({ cookie }, 'GET'), hosts)).not.toThrow();
  });

  it('limits requests per client address, per API key, tighter for sign-in; probes never', async () => {
    const security = apiSecurity(apiConfig({ rate_limit: { per_ip_per_minute: 5, per_api_key_per_minute: 8, login_per_minute: 2, media_per_minute: 20 } }));
    const a = build(security);
    // a client on the network; 10.0.0.x are others
    const statuses = async (n: number, opts: InjectOptions) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await a.inject({ remoteAddress: '192.0.2.1', ...opts })).statusCode);
      return out;
    };
    expect(await statuses(6, { url: '/api/v1/openapi.json' })).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await a.inject({ url: '/api/v1/openapi.json', remoteAddress: '192.0.2.1' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('at most 5 a minute') });
    expect(limited.headers['x-content-type-options']).toBe('nosniff');
    // another client address (through a proxy we do not trust, X-Forwarded-For is ignored)
    expect((await a.inject({ url: '/api/v1/openapi.json', remoteAddress: '10.0.0.7', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(200);
    // an API key has its own, larger budget
    expect(await statuses(9, { url: '/api/v1/openapi.json', headers: { 'x-api-key': 'k1' } })).toEqual([...Array(8).fill(200), 429]);
    // probes and media are not starved by the API limit
    expect(await statuses(10, { url: '/health/live' })).toEqual(Array(10).fill(200));
    // (unauthenticated: 401 until the media budget is spent, which is counted before sign-in is checked)
    expect(await statuses(21, { url: '/live/cam/index.m3u8', remoteAddress: '10.0.0.8' })).toEqual([...Array(20).fill(401), 429]);
    // sign-in: by address, whatever key is sent
    expect(await statuses(3, { method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.0.0.9', headers: { 'x-api-key': 'k2' } })).toEqual([400, 400, 429]);
    // this box itself: exempt from the API limit, not from sign-in's
    expect(await statuses(7, { url: '/api/v1/openapi.json', remoteAddress: '127.0.0.1' })).toEqual(Array(7).fill(200));
    expect(await statuses(3, { method: 'POST', url: '/api/v1/auth/login', remoteAddress: '::ffff:127.0.0.1' })).toEqual([400, 400, 429]);
  });

  it('counts requests to two replicas in the cache they share', async () => {
    const cache = createMemoryCache();
    const security = { ...apiSecurity(apiConfig({ rate_limit: { per_ip_per_minute: 3, exempt_loopback: false } })), rateLimitCounters: cache };
    const replicas = [buildReplica(security), buildReplica(security)];
    try {
      const statuses: number[] = [];
      for (const replica of [0, 1, 0, 1]) statuses.push((await replicas[replica]!.inject({ url: '/api/v1/openapi.json', remoteAddress: '192.0.2.5' })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(await cache.get('rate-limit:api|ip:192.0.2.5')).toBe(4);
    } finally {
      await Promise.all([...replicas.map((r) => r.close()), cache.close()]);
    }
  });

  it('behind a trusted proxy, limits count the real client', async () => {
    const a = build(apiSecurity(apiConfig({ trusted_proxies: ['10.0.0.0/24'], rate_limit: { per_ip_per_minute: 2, exempt_loopback: false } })));
    const via = (client: string) => a.inject({ url: '/api/v1/openapi.json', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': client } });
    expect([(await via('203.0.113.1')).statusCode, (await via('203.0.113.1')).statusCode, (await via('203.0.113.1')).statusCode]).toEqual([200, 200, 429]);
    expect((await via('203.0.113.2')).statusCode).toBe(200);
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl) console.warn('skipping the TLS reload test: openssl not found');

describe.skipIf(!hasOpenssl)('HTTPS', () => {
  it('serves api.tls and picks up a renewed certificate without a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const issue = (cn: string) => execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
    issue('first.test');
    const a = build(apiSecurity(apiConfig({ tls: { cert_file: cert, key_file: key } })));
    await a.listen({ host: '127.0.0.1', port: 0 });
    const port = (a.server.address() as { port: number }).port;
    const servedName = () => new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      });
      s.on('error', reject);
    });
    expect(await servedName()).toBe('first.test');
    const r = await fetch(`https://127.0.0.1:${port}/health/live`).catch((e: Error) => e);
    // a self-signed certificate: the point is that it is TLS, not plain HTTP
    expect(r).toBeInstanceOf(Error);
    issue('second.test');
    const deadline = Date.now() + 30_000;
    let name = await servedName();
    while (name !== 'second.test' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 250));
      name = await servedName();
    }
    expect(name).toBe('second.test');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
