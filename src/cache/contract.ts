import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from './port.ts';

/** Resolves once `ready()` holds, polling; rejects after `timeoutMs` with what was awaited. */
async function until(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface CacheContractOptions {
  /**
   * Two instances made by `make` are two clients of one cache (Redis): a publish on one reaches a
   * subscriber of the other. Memory instances share nothing (one per process), so it is false there.
   */
  sharedBetweenInstances: boolean;
}

/**
 * The behaviour every Cache adapter must show (port.ts). Keys and channels are unique per test so
 * the suite can run against a shared real server.
 */
export function cacheContract(name: string, make: () => Promise<Cache>, o: CacheContractOptions): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    const others: Cache[] = [];
    const unique = (what: string) => `contract.${what}.${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      cache = await make();
    });
    afterEach(async () => {
      await Promise.all([cache, ...others.splice(0)].map((c) => c.close()));
    });

    it('stores, returns a copy of, replaces and deletes values', async () => {
      const key = unique('kv');
      expect(await cache.get(key)).toBeUndefined();
      const value = { camera: 'cam_1', at: new Date(0), tags: ['a'] };
      await cache.set(key, value);
      value.tags.push('mutated after set');
      expect(await cache.get(key)).toEqual({ camera: 'cam_1', at: '1970-01-01T00:00:00.000Z', tags: ['a'] });
      await cache.set(key, 42);
      expect(await cache.get(key)).toBe(42);
      expect(await cache.del(key)).toBe(true);
      expect(await cache.del(key)).toBe(false);
      expect(await cache.get(key)).toBeUndefined();
    });

    it('expires a value after its ttl and keeps one without', async () => {
      const [short, long, forever] = [unique('short'), unique('long'), unique('forever')];
      await cache.set(short, 'soon gone', 50);
      await cache.set(long, 'stays', 600_000);
      await cache.set(forever, 'stays too');
      await until('the short-lived value expires', async () => (await cache.get(short)) === undefined);
      expect(await cache.get(long)).toBe('stays');
      expect(await cache.get(forever)).toBe('stays too');
    });

    it('grants a lease to exactly one of many concurrent callers, and again once it expired', async () => {
      const key = unique('lease');
      const results = await Promise.all([...Array(20).keys()].map((i) => cache.setIfAbsent(key, `holder-${i}`, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(key)).toBe(`holder-${results.indexOf(true)}`);
      expect(await cache.setIfAbsent(key, 'late', 60_000)).toBe(false);

      const short = unique('short-lease');
      expect(await cache.setIfAbsent(short, 'first', 50)).toBe(true);
      await until('the expired lease is granted again', () => cache.setIfAbsent(short, 'second', 60_000));
      expect(await cache.get(short)).toBe('second');
    });

    it('counts atomically within a window, and starts again after it', async () => {
      const key = unique('counter');
      const counts = await Promise.all([...Array(30).keys()].map(() => cache.incr(key, 600_000)));
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual([...Array(30).keys()].map((i) => i + 1));
      for (const c of counts) {
        expect(c.ttlMs).toBeGreaterThan(0);
        expect(c.ttlMs).toBeLessThanOrEqual(600_000);
      }
      expect(await cache.get(key)).toBe(30);

      const brief = unique('brief');
      expect((await cache.incr(brief, 50)).count).toBe(1);
      await until('the window ends', async () => (await cache.get(brief)) === undefined);
      expect((await cache.incr(brief, 600_000)).count).toBe(1);
    });

    it('keeps a fixed window where it started, and moves a sliding one with each increment', async () => {
      const fixed = unique('fixed');
      await cache.incr(fixed, 60_000);
      const second = await cache.incr(fixed, 600_000);
      expect(second.count).toBe(2);
      expect(second.ttlMs).toBeLessThanOrEqual(60_000);

      const sliding = unique('sliding');
      await cache.incr(sliding, 60_000, { slide: true });
      const pushed = await cache.incr(sliding, 600_000, { slide: true });
      expect(pushed.count).toBe(2);
      expect(pushed.ttlMs).toBeGreaterThan(60_000);
    });

    it('keeps fields of a hash apart and lists them', async () => {
      const key = unique('hash');
      expect(await cache.hgetall(key)).toEqual({});
      expect(await cache.hget(key, 'cam_1')).toBeUndefined();
      await cache.hset(key, 'cam_1', { state: 'streaming', fps: 25 });
      await cache.hset(key, 'cam_2', { state: 'backoff', fps: null });
      await cache.hset(key, 'cam_1', { state: 'stopped', fps: 0 });
      expect(await cache.hget(key, 'cam_1')).toEqual({ state: 'stopped', fps: 0 });
      expect(await cache.hgetall(key)).toEqual({ cam_1: { state: 'stopped', fps: 0 }, cam_2: { state: 'backoff', fps: null } });
      await cache.hdel(key, 'cam_2');
      expect(await cache.hgetall(key)).toEqual({ cam_1: { state: 'stopped', fps: 0 } });
      expect(await cache.del(key)).toBe(true);
      expect(await cache.hgetall(key)).toEqual({});
    });

    it('delivers each message to every subscriber in publish order, and none after unsubscribe', async () => {
      const channel = unique('alerts');
      const a: unknown[] = [];
      const b: unknown[] = [];
      const stopA = await cache.subscribe(channel, (m) => void a.push(m));
      await cache.subscribe(channel, (m) => void b.push(m));
      for (let i = 0; i < 10; i++) await cache.publish(channel, { seq: i });
      const expected = [...Array(10).keys()].map((seq) => ({ seq }));
      await until('both subscribers have all ten', () => a.length === 10 && b.length === 10);
      expect(a).toEqual(expected);
      expect(b).toEqual(expected);

      await stopA();
      await stopA();
      await cache.publish(channel, 'after');
      await cache.publish(channel, 'marker');
      await until('the remaining subscriber has the marker', () => b.includes('marker'));
      expect(b.slice(10)).toEqual(['after', 'marker']);
      expect(a).toHaveLength(10);
    });

    it('keeps delivering when a subscriber throws, and keeps channels apart', async () => {
      const [channel, other] = [unique('faulty'), unique('other')];
      const got: unknown[] = [];
      const elsewhere: unknown[] = [];
      await cache.subscribe(channel, () => {
        throw new Error('handler bug');
      });
      await cache.subscribe(channel, (m) => void got.push(m));
      await cache.subscribe(other, (m) => void elsewhere.push(m));
      await cache.publish(channel, 1);
      await cache.publish(channel, 2);
      await cache.publish(other, 'x');
      await until('both messages arrive', () => got.length === 2 && elsewhere.length === 1);
      expect(got).toEqual([1, 2]);
      expect(elsewhere).toEqual(['x']);
    });

    it.runIf(o.sharedBetweenInstances)('reaches a subscriber and a reader on a second client', async () => {
      const second = await make();
      others.push(second);
      const channel = unique('fanout');
      const got: unknown[] = [];
      await second.subscribe(channel, (m) => void got.push(m));
      await cache.publish(channel, { alert: 'a1' });
      await until('the second client receives the message', () => got.length === 1);
      expect(got).toEqual([{ alert: 'a1' }]);

      const key = unique('shared');
      await cache.hset(key, 'cam_1', 'streaming');
      expect(await second.hgetall(key)).toEqual({ cam_1: 'streaming' });
      expect(await cache.setIfAbsent(`${key}.lease`, 'one', 60_000)).toBe(true);
      expect(await second.setIfAbsent(`${key}.lease`, 'two', 60_000)).toBe(false);
      expect((await second.incr(`${key}.count`, 60_000)).count).toBe(1);
      expect((await cache.incr(`${key}.count`, 60_000)).count).toBe(2);
    });

    it('refuses calls after close', async () => {
      await cache.close();
      await expect(cache.get(unique('closed'))).rejects.toThrow(/closed/);
      await expect(cache.publish(unique('closed'), 1)).rejects.toThrow(/closed/);
    });
  });
}
