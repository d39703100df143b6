import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { cacheContract } from '../../src/cache/contract.ts';
import { createRedisCache } from '../../src/cache/redis.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('redis');
// one prefix per run: runs sharing the server never see each other's keys or channels
const prefix = `test.${randomUUID().slice(0, 8)}:`;

describe.skipIf(!!missing)('redis cache', () => {
  cacheContract('redis', async () => createRedisCache({ url: env.redis.REDIS_URL!, prefix }), { sharedBetweenInstances: true });
});
