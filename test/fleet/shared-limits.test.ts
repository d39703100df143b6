import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitOptions } from '../../src/api/security/rate-limit.ts';
import { cacheRateLimitStore } from '../../src/api/security/rate-limit-store.ts';
import { LoginThrottle, type LoginBurst } from '../../src/auth/throttle.ts';
import type { Cache } from '../../src/cache/port.ts';
import { createRedisCache } from '../../src/cache/redis.ts';
import { configSchema } from '../../src/config/schema.ts';
import { rootLogger } from '../../src/core/log.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('redis');

describe.skipIf(!!missing)('limits shared by API replicas through Redis', () => {
  const open: Array<{ close(): Promise<unknown> }> = [];
  // each test its own prefix: counts of one never reach another
  const client = (prefix: string): Cache => {
    const cache = createRedisCache({ url: env.redis.REDIS_URL!, prefix });
    open.push(cache);
    return cache;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  /** An API replica reduced to its rate limits, counting in its own Redis connection. */
  async function replica(prefix: string): Promise<FastifyInstance> {
    const app = Fastify();
    open.push(app);
    await app.register(rateLimit, { global: false, store: cacheRateLimitStore(client(prefix)), skipOnError: true });
    const limits = configSchema.parse({ api: { rate_limit: { per_ip_per_minute: 3, login_per_minute: 2, exempt_loopback: false } } }).api.rate_limit;
    app.addHook('onRequest', app.rateLimit(rateLimitOptions(limits)));
    app.get('/api/v1/openapi.json', async () => ({}));
    app.post('/api/v1/auth/login', async () => ({}));
    return app;
  }

  it('counts a client\'s requests to two replicas together', async () => {
    const prefix = `test.${randomUUID().slice(0, 8)}:`;
    const replicas = [await replica(prefix), await replica(prefix)];
    const statuses: number[] = [];
    for (const r of [0, 1, 0, 1, 0]) statuses.push((await replicas[r]!.inject({ url: '/api/v1/openapi.json', remoteAddress: '192.0.2.7' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await replicas[1]!.inject({ url: '/api/v1/openapi.json', remoteAddress: '192.0.2.7' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // sign-in has its own, tighter bucket; another address is untouched
    const logins: number[] = [];
    for (const r of [1, 0, 1]) logins.push((await replicas[r]!.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '192.0.2.7' })).statusCode);
    expect(logins).toEqual([200, 200, 429]);
    expect((await replicas[0]!.inject({ url: '/api/v1/openapi.json', remoteAddress: '192.0.2.8' })).statusCode).toBe(200);
  });

  it('slows down password guessing spread over two replicas as if it hit one, and starts its burst once', async () => {
    const prefix = `test.${randomUUID().slice(0, 8)}:`;
    const options = { accountFreeFailures: 3, ipFreeFailures: 100, baseDelayMs: 60_000, maxDelayMs: 600_000, forgetAfterMs: 600_000, burstFailures: 4 };
    const bursts: LoginBurst[] = [];
    const [a, b] = [client(prefix), client(prefix)].map((cache) => new LoginThrottle(options, cache, rootLogger, { onBurst: (x) => bursts.push(x) }));
    await a!.failure('mallory-target', '192.0.2.20');
    await b!.failure('mallory-target', '192.0.2.21');
    expect(await a!.retryAfterMs('mallory-target', '192.0.2.22')).toBe(0);
    // the third failure of the account, on the other replica: both now make it wait
    await a!.failure('mallory-target', '192.0.2.22');
    expect(await b!.retryAfterMs('mallory-target', '192.0.2.23')).toBeGreaterThan(50_000);
    expect(await a!.retryAfterMs('mallory-target', '192.0.2.23')).toBeGreaterThan(50_000);
    expect(await b!.retryAfterMs('someone-else', '192.0.2.23')).toBe(0);
    // concurrent failures on both replicas: the burst size is reached once
    await Promise.all([a!.failure('mallory-target', '192.0.2.24'), b!.failure('mallory-target', '192.0.2.25'), a!.failure('mallory-target', '192.0.2.26')]);
    expect(bursts.map((x) => x.key)).toEqual(['account:mallory-target']);
    // a sign-in on one replica clears the account on both
    await b!.success('mallory-target');
    expect(await a!.retryAfterMs('mallory-target', '192.0.2.27')).toBe(0);
  });
});
