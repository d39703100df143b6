/**
 * Cache port: short-lived shared state and fan-out between the processes of one deployment.
 * Leases and cached values (key/value with a time to live, set-if-absent), counters that expire
 * with their window (rate limits, login throttling), hashes (one field per camera for the camera
 * status the edge publishes and the API reads), and pub/sub channels (WebSocket fan-out across API
 * replicas). Nothing here is durable: whatever is cached can be rebuilt from its source.
 *
 * Values cross the port as JSON: what `get` returns is a copy, equal to what was stored after a
 * JSON round trip (a Date comes back as its ISO string), with either adapter.
 * Adapters: memory.ts (one box: one instance per process, shared by its roles), redis.ts (fleet).
 * contract.ts is the suite both must pass.
 */
export interface CounterValue {
  /** the count after this increment */
  count: number;
  /** milliseconds until the counter expires and the count starts again */
  ttlMs: number;
}

/** Stops delivery of a subscription; idempotent. */
export type Unsubscribe = () => Promise<void>;

export interface Cache {
  /** the value, or undefined when absent or expired */
  get<T>(key: string): Promise<T | undefined>;
  /** stores a value, replacing any; without ttlMs it stays until deleted */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** stores a value only when the key is absent (a lease): true when this call stored it */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** true when the key existed */
  del(key: string): Promise<boolean>;
  /**
   * Adds 1 to a counter. A new counter expires windowMs after its first increment (a fixed
   * window); with `slide`, every increment pushes its expiry to windowMs from now (counts that
   * end only after windowMs without an increment).
   */
  incr(key: string, windowMs: number, opts?: { slide?: boolean }): Promise<CounterValue>;
  /** sets one field of a hash */
  hset(key: string, field: string, value: unknown): Promise<void>;
  hget<T>(key: string, field: string): Promise<T | undefined>;
  /** every field of a hash; {} when absent */
  hgetall<T>(key: string): Promise<Record<string, T>>;
  hdel(key: string, field: string): Promise<void>;
  /** delivers a message to the channel's current subscribers, in any process; resolves once sent */
  publish(channel: string, message: unknown): Promise<void>;
  /**
   * Calls handler with each message published on the channel from the moment this resolves, in
   * publish order. A handler that throws does not stop delivery (to it or to others).
   */
  subscribe<T>(channel: string, handler: (message: T) => void): Promise<Unsubscribe>;
  /** stops every subscription and releases connections; calls after it reject */
  close(): Promise<void>;
}

export class CacheClosedError extends Error {
  constructor() {
    super('cache is closed');
    this.name = 'CacheClosedError';
  }
}
