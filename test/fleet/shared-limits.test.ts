import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitOptions } from '../../src/api/security/rate-limit.ts';
import { cacheRateLimitStore } from '../../src/api/security/rate-limit-store.ts';
import type { Cache } from '../../src/cache/port.ts';
import { createRedisCache } from '../../src/cache/redis.ts';
import { configSchema } from '../../src/config/schema.ts';
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
});
