import { randomUUID } from 'node:crypto';
import { afterAll, describe, it } from 'vitest';
import { cacheContract } from '../../src/cache/contract.ts';
import type { Cache } from '../../src/cache/port.ts';
import { createRedisCache } from '../../src/cache/redis.ts';
import { cameraStatusSharing } from '../../src/roles/test-camera-status.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('redis');
// one prefix per run: runs sharing the server never see each other's keys or channels
const prefix = `test.${randomUUID().slice(0, 8)}:`;

describe.skipIf(!!missing)('redis cache', () => {
  cacheContract('redis', async () => createRedisCache({ url: env.redis.REDIS_URL!, prefix }), { sharedBetweenInstances: true });
});

describe.skipIf(!!missing)('camera status through redis', () => {
  const clients: Cache[] = [];
  const client = async (): Promise<Cache> => {
    const cache = createRedisCache({ url: env.redis.REDIS_URL!, prefix: `${prefix}status:` });
    clients.push(cache);
    return cache;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  it('published by the edge on one client reaches the API following on another', cameraStatusSharing(client, client));
});
