import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Cache } from '../../cache/port.ts';

const KEY_PREFIX = 'rate-limit:';

/**
 * Request counters of @fastify/rate-limit kept in the cache port: with Redis, every API replica
 * counts into the same window, so a client spreading its requests over replicas behind a load
 * balancer gets the configured rate, not that rate per replica. A window is fixed from its first
 * request, as in the plugin's own stores.
 */
class CacheRateLimitStore implements FastifyRateLimitStore {
  constructor(private readonly cache: Cache) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    this.cache.incr(KEY_PREFIX + key, timeWindow).then(
      ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  }

  /** every route counts into the same keys: the key generator already names the bucket */
  child(): FastifyRateLimitStore {
    return this;
  }
}

/** The store for `register(rateLimit, { store })`, which constructs it itself (so the cache is bound here). */
export function cacheRateLimitStore(cache: Cache): FastifyRateLimitStoreCtor {
  return class extends CacheRateLimitStore {
    constructor() {
      super(cache);
    }
  };
}
