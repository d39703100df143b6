import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/fixtures/log-lines.ts';
import { cacheContract } from './contract.ts';
import { createMemoryCache } from './memory.ts';

cacheContract('memory', async () => createMemoryCache(), { sharedBetweenInstances: false });

describe('memory cache', () => {
  it('shares nothing between two instances (one per process is the design)', async () => {
    const [a, b] = [createMemoryCache(), createMemoryCache()];
    const got: unknown[] = [];
    await b.subscribe('c', (m) => void got.push(m));
    await a.set('k', 1);
    await a.publish('c', 'hello');
    await b.publish('c', 'own');
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(['own']);
    expect(await b.get('k')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('expires by its clock', async () => {
    let now = 1_000;
    const cache = createMemoryCache({ now: () => now });
    await cache.set('k', 'v', 100);
    const c = await cache.incr('n', 100);
    expect(c).toEqual({ count: 1, ttlMs: 100 });
    now += 99;
    expect(await cache.get('k')).toBe('v');
    expect((await cache.incr('n', 100)).ttlMs).toBe(1);
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
    expect((await cache.incr('n', 100)).count).toBe(1);
    await cache.close();
  });

  it('keeps at most maxEntries values, dropping the one written longest ago', async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key);
    await cache.set('a', 'rewritten');
    await cache.incr('d', 60_000);
    expect(await cache.get('b')).toBeUndefined();
    expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual(['rewritten', 'c', 1]);
    await cache.close();
  });

  it('logs a subscriber that throws, with the channel', async () => {
    const { log, lines } = logLines();
    const cache = createMemoryCache({ log });
    await cache.subscribe('c', () => {
      throw new Error('handler bug');
    });
    await cache.publish('c', 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(lines.filter((l) => l.includes('cache subscriber of c failed') && l.includes('handler bug'))).toHaveLength(1);
    await cache.close();
  });
});
