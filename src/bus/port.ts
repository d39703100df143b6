/**
 * Bus port: Kafka semantics in the small. Topics have keyed partitions (key → partition, so one
 * camera's messages stay ordered); consumer groups each see every message; within a group a
 * message is committed only after its handler resolves; a message whose handler fails
 * `maxAttempts` times (default 5, seed §8.4) goes to `<topic>.dlq` and is then committed.
 * Adapters: memory.ts (one box), kafka.ts (fleet). contract.ts is the suite both must pass.
 */
export interface BusRecord<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: T;
  /** ms since epoch when the record was appended */
  timestamp: number;
  headers: Record<string, string>;
}

export type Handler<T> = (record: BusRecord<T>) => Promise<void>;

export interface SubscribeOptions<T> {
  topic: string;
  group: string;
  handler: Handler<T>;
  /** where a group with no committed offset starts; default 'earliest' (seed §8.4) */
  start?: 'earliest' | 'latest';
  /** failed deliveries before dead-lettering; default 5 */
  maxAttempts?: number;
}

export interface Subscription {
  /** stops delivery; in-flight handler finishes first */
  stop(): Promise<void>;
}

export interface Bus {
  ensureTopic(topic: string, partitions?: number): Promise<void>;
  publish<T>(topic: string, key: string, value: T, headers?: Record<string, string>): Promise<{ partition: number; offset: number }>;
  subscribe<T>(opts: SubscribeOptions<T>): Promise<Subscription>;
  /** committed offset (next offset to read) of a group on a partition; -1 when none */
  committed(topic: string, group: string, partition: number): Promise<number>;
  /** moves a group's committed offset (replay from an offset); takes effect for new subscriptions */
  seek(topic: string, group: string, partition: number, offset: number): Promise<void>;
  /** records not yet committed by the group, summed over partitions */
  lag(topic: string, group: string): Promise<number>;
  partitionFor(topic: string, key: string): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const dlqTopic = (topic: string): string => `${topic}.dlq`;
