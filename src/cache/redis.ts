import { Redis } from 'ioredis';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { deliverSafely } from './deliver.ts';
import { CacheClosedError, type Cache, type CounterValue, type Unsubscribe } from './port.ts';

export interface RedisCacheOptions {
  /** redis://[:password@]host:port[/db]; it carries the password, so it is never logged */
  url: string;
  /** put before every key and channel, so deployments (or test runs) sharing a server stay apart */
  prefix?: string;
  log?: Logger;
}

interface Channel {
  handlers: Set<(message: unknown) => void>;
  /** the SUBSCRIBE in flight or done: a second handler waits for it too */
  subscribed: Promise<unknown>;
}

/**
 * Commands retry this many reconnections before failing, so a request (a rate limit check)
 * waits through a short outage and fails instead of hanging through a long one.
 */
const RETRIES_PER_COMMAND = 3;

/**
 * The fleet's cache on Redis. One connection for commands and a second, opened at the first
 * subscribe, for subscriptions (a subscribed Redis connection accepts no other commands). Both
 * reconnect on their own, and the subscriber subscribes its channels again after a reconnect;
 * messages published while it was away are lost (pub/sub never stores them), which is why the
 * port's subscribers are live views that can reload from their source.
 */
export function createRedisCache(o: RedisCacheOptions): Cache {
  const prefix = o.prefix ?? '';
  const options = { maxRetriesPerRequest: RETRIES_PER_COMMAND, connectTimeout: 5_000 };
  const client = logged(new Redis(o.url, options), 'commands', o.log);
  let subscriber: Redis | undefined;
  const channels = new Map<string, Channel>();
  let closed = false;

  const k = (key: string): string => prefix + key;
  const open = (): void => {
    if (closed) throw new CacheClosedError();
  };
  const parse = <T>(json: string | null): T | undefined => (json === null ? undefined : (JSON.parse(json) as T));

  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber;
    subscriber = logged(client.duplicate(), 'subscriptions', o.log);
    subscriber.on('message', (fullChannel: string, json: string) => {
      const ch = channels.get(fullChannel);
      if (!ch) return;
      const name = fullChannel.slice(prefix.length);
      for (const handler of [...ch.handlers]) deliverSafely(handler, JSON.parse(json), name, o.log);
    });
    return subscriber;
  };

  return {
    async get<T>(key: string) {
      open();
      return parse<T>(await client.get(k(key)));
    },
    async set(key, value, ttlMs) {
      open();
      const json = JSON.stringify(value);
      if (ttlMs === undefined) await client.set(k(key), json);
      else await client.set(k(key), json, 'PX', ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      open();
      return (await client.set(k(key), JSON.stringify(value), 'PX', ttlMs, 'NX')) === 'OK';
    },
    async del(key) {
      open();
      return (await client.del(k(key))) > 0;
    },
    async incr(key, windowMs, { slide = false } = {}): Promise<CounterValue> {
      open();
      const tx = client.multi().incr(k(key));
      // NX: only a counter without expiry (the one this INCR created) gets the window
      if (slide) tx.pexpire(k(key), windowMs);
      else tx.pexpire(k(key), windowMs, 'NX');
      const results = await tx.pttl(k(key)).exec();
      if (!results) throw new Error(`cache incr of ${key} was aborted`);
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0]!;
      return { count: results[0]![1] as number, ttlMs: Math.max(0, results[2]![1] as number) };
    },
    async hset(key, field, value) {
      open();
      await client.hset(k(key), field, JSON.stringify(value));
    },
    async hget<T>(key: string, field: string) {
      open();
      return parse<T>(await client.hget(k(key), field));
    },
    async hgetall<T>(key: string) {
      open();
      const out: Record<string, T> = {};
      for (const [field, json] of Object.entries(await client.hgetall(k(key)))) out[field] = JSON.parse(json) as T;
      return out;
    },
    async hdel(key, field) {
      open();
      await client.hdel(k(key), field);
    },
    async publish(channel, message) {
      open();
      await client.publish(k(channel), JSON.stringify(message));
    },
    async subscribe<T>(channel: string, handler: (message: T) => void): Promise<Unsubscribe> {
      open();
      const full = k(channel);
      const h = handler as (message: unknown) => void;
      let ch = channels.get(full);
      if (!ch) {
        const conn = subscriberConnection();
        ch = { handlers: new Set(), subscribed: conn.subscribe(full) };
        channels.set(full, ch);
      }
      ch.handlers.add(h);
      try {
        await ch.subscribed;
      } catch (e) {
        ch.handlers.delete(h);
        if (ch.handlers.size === 0) channels.delete(full);
        throw e;
      }
      const mine = ch;
      return async () => {
        if (!mine.handlers.delete(h) || mine.handlers.size > 0 || channels.get(full) !== mine) return;
        channels.delete(full);
        if (!closed) await subscriber?.unsubscribe(full);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      await Promise.all([client, subscriber].map((c) => c?.quit().catch(() => c.disconnect())));
    },
  };
}

/**
 * A connection whose errors are logged (redacted) instead of printed by ioredis as unhandled: the
 * first of an outage, and its end, not every failed reconnection attempt in between.
 */
function logged(redis: Redis, role: string, log: Logger | undefined): Redis {
  let failing = false;
  redis.on('error', (e: unknown) => {
    if (failing) return;
    failing = true;
    const why = redact(describe(e));
    log?.warn({ reason: why, connection: role }, `redis ${role} connection: ${why} (reconnecting)`);
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    log?.info({ connection: role }, `redis ${role} connection back`);
  });
  return redis;
}

/** Connection errors come as Errors with an empty message and a code (ECONNREFUSED), or as anything. */
function describe(e: unknown): string {
  const { message, code } = (e ?? {}) as { message?: unknown; code?: unknown };
  return (typeof message === 'string' && message) || (typeof code === 'string' && code) || String(e);
}
