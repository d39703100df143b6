import type { Logger } from '../core/log.ts';
import { CacheClosedError, type Cache, type CounterValue, type Unsubscribe } from './port.ts';
import { deliverSafely } from './deliver.ts';

interface Entry {
  /** JSON text, so a caller's later mutation never reaches the cache (as with Redis) */
  json: string;
  /** ms since epoch; Infinity = no expiry */
  expiresAt: number;
}

interface Subscriber {
  handler: (message: unknown) => void;
  active: boolean;
}

/** Expired entries nobody reads again are dropped this often, so memory stays bounded. */
const SWEEP_MS = 60_000;
/**
 * Values and counters kept at most (hashes aside): a spray of sign-ins from many addresses must
 * not grow the process without bound. Past it the entry written longest ago goes, as Redis evicts
 * under its memory limit.
 */
export const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * The one box's cache: a Map in this process. Every role of the process shares the one instance
 * (RoleContext.cache); two instances share nothing, so a message published on one never reaches
 * a subscriber of another — crossing processes is what the Redis adapter is for.
 */
export function createMemoryCache(opts: { log?: Logger; now?: () => number; maxEntries?: number } = {}): Cache {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries = new Map<string, Entry>();
  const hashes = new Map<string, Map<string, string>>();
  const channels = new Map<string, Set<Subscriber>>();
  let closed = false;

  const sweep = setInterval(() => {
    for (const [key, e] of entries) if (e.expiresAt <= now()) entries.delete(key);
  }, SWEEP_MS);
  sweep.unref();

  const open = (): void => {
    if (closed) throw new CacheClosedError();
  };
  const live = (key: string): Entry | undefined => {
    const e = entries.get(key);
    if (e && e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const expiry = (ttlMs: number | undefined): number => (ttlMs === undefined ? Infinity : now() + ttlMs);
  /** stores in write order (a rewritten key moves to the end), evicting the oldest past maxEntries */
  const put = (key: string, value: unknown, expiresAt: number): void => {
    entries.delete(key);
    entries.set(key, { json: JSON.stringify(value), expiresAt });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };
  const parse = <T>(json: string | undefined): T | undefined => (json === undefined ? undefined : (JSON.parse(json) as T));

  return {
    async get<T>(key: string) {
      open();
      return parse<T>(live(key)?.json);
    },
    async set(key, value, ttlMs) {
      open();
      put(key, value, expiry(ttlMs));
    },
    async setIfAbsent(key, value, ttlMs) {
      open();
      if (live(key)) return false;
      put(key, value, expiry(ttlMs));
      return true;
    },
    async del(key) {
      open();
      const existed = live(key) !== undefined || hashes.has(key);
      entries.delete(key);
      hashes.delete(key);
      return existed;
    },
    async incr(key, windowMs, { slide = false } = {}): Promise<CounterValue> {
      open();
      const e = live(key);
      const count = (e ? (JSON.parse(e.json) as number) : 0) + 1;
      const expiresAt = !e || slide ? now() + windowMs : e.expiresAt;
      put(key, count, expiresAt);
      return { count, ttlMs: expiresAt - now() };
    },
    async hset(key, field, value) {
      open();
      let hash = hashes.get(key);
      if (!hash) hashes.set(key, (hash = new Map()));
      hash.set(field, JSON.stringify(value));
    },
    async hget<T>(key: string, field: string) {
      open();
      return parse<T>(hashes.get(key)?.get(field));
    },
    async hgetall<T>(key: string) {
      open();
      const out: Record<string, T> = {};
      for (const [field, json] of hashes.get(key) ?? []) out[field] = JSON.parse(json) as T;
      return out;
    },
    async hdel(key, field) {
      open();
      const hash = hashes.get(key);
      hash?.delete(field);
      if (hash?.size === 0) hashes.delete(key);
    },
    async publish(channel, message) {
      open();
      const json = JSON.stringify(message);
      // delivered after publish returns, as from Redis: a handler never runs inside its publisher
      for (const s of channels.get(channel) ?? []) {
        queueMicrotask(() => {
          if (s.active) deliverSafely(s.handler, JSON.parse(json), channel, opts.log);
        });
      }
    },
    async subscribe<T>(channel: string, handler: (message: T) => void): Promise<Unsubscribe> {
      open();
      const s: Subscriber = { handler: handler as (message: unknown) => void, active: true };
      let subs = channels.get(channel);
      if (!subs) channels.set(channel, (subs = new Set()));
      subs.add(s);
      return async () => {
        s.active = false;
        subs.delete(s);
        if (subs.size === 0 && channels.get(channel) === subs) channels.delete(channel);
      };
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      for (const subs of channels.values()) for (const s of subs) s.active = false;
      channels.clear();
      entries.clear();
      hashes.clear();
    },
  };
}
