import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheContract } from '../../src/cache/contract.ts';
import type { Cache } from '../../src/cache/port.ts';
import { createRedisCache } from '../../src/cache/redis.ts';
import { alertWritesAnnounced, cameraStatusSharing } from '../../src/roles/test-shared-cache.ts';
import { logLines } from '../fixtures/log-lines.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('redis');
// one prefix per run: runs sharing the server never see each other's keys or channels
const prefix = `test.${randomUUID().slice(0, 8)}:`;

describe.skipIf(!!missing)('redis cache', () => {
  cacheContract('redis', async () => createRedisCache({ url: env.redis.REDIS_URL!, prefix }), { sharedBetweenInstances: true });
});

describe.skipIf(!!missing)('roles of several processes through redis', () => {
  const clients: Cache[] = [];
  const client = async (): Promise<Cache> => {
    const cache = createRedisCache({ url: env.redis.REDIS_URL!, prefix: `${prefix}status:` });
    clients.push(cache);
    return cache;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  it('camera status published by the edge on one client reaches the API following on another', cameraStatusSharing(client, client));
  it('alert writes on one client wake the /ws/alerts feed following on another', alertWritesAnnounced(client, client));
});

describe.skipIf(!!missing)('redis cache after its connections are cut', () => {
  /** Cuts every client connection of the server (the caller's own excepted), as a restart or a network blip would. */
  const cutConnections = (type: 'normal' | 'pubsub'): void => {
    const url = new URL(env.redis.REDIS_URL!);
    // the password through the environment: never in a command line
    const r = spawnSync('redis-cli', ['-h', url.hostname, '-p', url.port, '--no-auth-warning', 'CLIENT', 'KILL', 'TYPE', type], {
      env: { ...process.env, REDISCLI_AUTH: decodeURIComponent(url.password) }, encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(0);
  };

  it('reconnects both connections and subscribes its channels again', async () => {
    const [publisher, subscriber] = [0, 1].map(() => createRedisCache({ url: env.redis.REDIS_URL!, prefix: `${prefix}cut:` }));
    try {
      const got: number[] = [];
      await subscriber!.subscribe<number>('after-cut', (n) => void got.push(n));
      cutConnections('pubsub');
      cutConnections('normal');
      // a publish before the subscriber is back is lost (pub/sub keeps nothing): publish until one arrives
      for (let n = 0; got.length === 0; n++) {
        if (n > 300) throw new Error('the subscriber never came back');
        await publisher!.publish('after-cut', n);
        await new Promise((r) => setTimeout(r, 50));
      }
      await publisher!.set('k', 'v');
      expect(await subscriber!.get('k')).toBe('v');
    } finally {
      await Promise.all([publisher!.close(), subscriber!.close()]);
    }
  });

  it('refused for a wrong password, says so and never shows the password', async () => {
    const wrong = new URL(env.redis.REDIS_URL!);
    wrong.password = 'not-the-password-4711';
    const { log, lines } = logLines();
    const cache = createRedisCache({ url: wrong.toString(), prefix, log });
    try {
      const refused = await cache.get('k').then(() => undefined, (e: Error) => e);
      expect(refused?.message).toMatch(/WRONGPASS|NOAUTH|auth/i);
      expect(`${refused?.message} ${refused?.stack} ${lines.join('\n')}`).not.toContain('not-the-password-4711');
    } finally {
      await cache.close();
    }
  });
});
