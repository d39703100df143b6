import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage, type LogEntry, type Producer, type RecordMetadata } from 'kafkajs';
import { rootLogger, type Logger } from '../core/log.ts';
import { asError, deadLetterHeaders } from './dead-letter.ts';
import { partitionForKey } from './partitioner.ts';
import { DEFAULT_MAX_ATTEMPTS, dlqTopic, type Bus, type BusRecord, type SubscribeOptions, type Subscription } from './port.ts';
import { codecFor, topicSettings } from './topics.ts';

/**
 * The Kafka adapter of the Bus port, on kafkajs (pure JavaScript, so it installs without a
 * native build). Nothing outside this file sees kafkajs: a librdkafka client could replace it here.
 */
export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** delay before retry n of a failed handler is n × this; default 50 ms */
  retryBackoffMs?: number;
  log?: Logger;
}

/** How long subscribe waits for the group to take the new member in (a rebalance of the others first). */
const JOIN_TIMEOUT_MS = 60_000;
/** value bytes sent in one produce request */
const MAX_BATCH_BYTES = 512 * 1024;

interface PendingPublish {
  topic: string;
  partition: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  resolve: (offset: number) => void;
  reject: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * kafkajs logs a retried request (e.g. "The coordinator is loading" right after a broker starts)
 * as an error; the client retries it, and the bus reports what finally fails, so it is a warning.
 */
function logCreator(log: Logger) {
  return () =>
    ({ level, namespace, log: { message, timestamp: _timestamp, ...fields } }: LogEntry) => {
      const line = { ...fields, namespace };
      if (level <= logLevel.WARN) log.warn(line, message);
      else log.debug(line, message);
    };
}

function recordHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = (Array.isArray(value) ? value[0]! : value).toString();
  }
  return out;
}

function storedRecord(topic: string, partition: number, message: KafkaMessage): BusRecord<Buffer> {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? Buffer.alloc(0),
    timestamp: Number(message.timestamp),
    headers: recordHeaders(message.headers),
  };
}

/** Opens clients to the brokers; publishing and subscribing create missing topics from topics.ts. */
export async function openKafkaBus(opts: KafkaBusOptions): Promise<Bus> {
  const log = (opts.log ?? rootLogger).child({ component: 'bus-kafka' });
  const retryBackoffMs = opts.retryBackoffMs ?? 50;
  const kafka = new Kafka({ clientId: opts.clientId, brokers: opts.brokers, logLevel: logLevel.WARN, logCreator: logCreator(log) });
  const admin: Admin = kafka.admin();
  // acks=all and idempotence (sequence numbers per partition) with one request in flight, so a
  // retried send neither duplicates nor reorders; records carry the partition partitionFor chose,
  // and the partitioner places any record without one by the same function
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: () => ({ partitionMetadata, message }) => partitionForKey(message.key?.toString() ?? '', partitionMetadata.length),
  });
  await admin.connect();
  try {
    await producer.connect();
  } catch (e) {
    await admin.disconnect();
    throw e;
  }

  /** partition counts of topics known to exist */
  const partitionCounts = new Map<string, Promise<number>>();
  const subscriptions = new Set<Subscription>();
  const queue: PendingPublish[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  async function createOrGrow(topic: string, partitions: number | undefined): Promise<number> {
    const settings = topicSettings(topic);
    const wanted = partitions ?? settings.partitions;
    const configEntries: Array<{ name: string; value: string }> = [{ name: 'cleanup.policy', value: settings.cleanupPolicy }];
    if (settings.retentionMs !== undefined) configEntries.push({ name: 'retention.ms', value: String(settings.retentionMs) });
    // false (no error) when it exists already
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: wanted, configEntries }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const existing = topics[0]!.partitions.length;
    if (partitions === undefined || existing >= partitions) return existing;
    await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] });
    return partitions;
  }

  /** The topic's partition count, creating the topic first if needed (once per topic and bus). */
  function ensure(topic: string, partitions?: number): Promise<number> {
    const known = partitionCounts.get(topic);
    const grow = known && partitions !== undefined ? known.then((n) => (n >= partitions ? n : createOrGrow(topic, partitions))) : undefined;
    const count = grow ?? known ?? createOrGrow(topic, partitions);
    partitionCounts.set(topic, count);
    // a failed lookup is asked again next time
    count.catch(() => partitionCounts.get(topic) === count && partitionCounts.delete(topic));
    return count;
  }

  /** Offsets of a batch: each topic-partition's records got consecutive offsets from its base. */
  function settle(batch: PendingPublish[], results: RecordMetadata[]): void {
    const next = new Map(results.map((r) => [`${r.topicName}\u0000${r.partition}`, Number(r.baseOffset)]));
    for (const p of batch) {
      const slot = `${p.topic}\u0000${p.partition}`;
      const offset = next.get(slot);
      if (offset === undefined) p.reject(new Error(`no offset from the broker for ${p.topic}/${p.partition}`));
      else {
        next.set(slot, offset + 1);
        p.resolve(offset);
      }
    }
  }

  /**
   * The oldest queued records up to MAX_BATCH_BYTES (at least one): the broker refuses a partition's
   * batch above its max.message.bytes (1 MB by default), which a few queued frames would exceed.
   */
  function takeBatch(): PendingPublish[] {
    let bytes = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || bytes + queue[n]!.value.length <= MAX_BATCH_BYTES)) bytes += queue[n++]!.value.length;
    return queue.splice(0, n);
  }

  /**
   * Sends what was published while the previous request was in flight as one request: one at a
   * time keeps idempotent ordering, batching keeps throughput when many publish at once.
   */
  async function flush(): Promise<void> {
    while (queue.length) {
      const batch = takeBatch();
      const byTopic = new Map<string, PendingPublish[]>();
      for (const p of batch) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
      try {
        const results = await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({
            topic,
            messages: messages.map(({ key, value, partition, headers }) => ({ key, value, partition, headers })),
          })),
        });
        settle(batch, results);
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    flushing = undefined;
  }

  async function send(topic: string, key: string, value: Buffer, headers: Record<string, string>): Promise<{ partition: number; offset: number }> {
    const partition = partitionForKey(key, await ensure(topic));
    const offset = await new Promise<number>((resolve, reject) => {
      queue.push({ topic, partition, key, value, headers, resolve, reject });
      flushing ??= flush();
    });
    return { partition, offset };
  }

  async function committedOffsets(topic: string, group: string): Promise<Map<number, number>> {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  /**
   * A group new to a 'latest' subscriber starts at the partitions' current ends: committing them
   * before joining means records published once subscribe() has resolved are never skipped. A
   * group with live members keeps the positions they hold (Kafka refuses to move them).
   */
  async function startAtEnd(topic: string, group: string): Promise<void> {
    const committed = await committedOffsets(topic, group);
    const ends = await admin.fetchTopicOffsets(topic);
    const fresh = ends.filter((e) => (committed.get(e.partition) ?? -1) < 0).map((e) => ({ partition: e.partition, offset: e.high }));
    if (!fresh.length) return;
    try {
      await admin.setOffsets({ groupId: group, topic, partitions: fresh });
    } catch (err) {
      log.debug({ err, topic, group }, 'group has live members: a latest subscriber joins at their positions');
    }
  }

  async function subscribe<T>(o: SubscribeOptions<T>): Promise<Subscription> {
    if (closed) throw new Error(`bus is closed: cannot subscribe to ${o.topic}`);
    const partitions = await ensure(o.topic);
    const start = o.start ?? 'earliest';
    const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const codec = codecFor(o.topic);
    if (start === 'latest') await startAtEnd(o.topic, o.group);
    const consumer: Consumer = kafka.consumer({ groupId: o.group, heartbeatInterval: 1000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    let stopping = false;

    async function attempt(record: BusRecord<Buffer>): Promise<Error | undefined> {
      try {
        await o.handler({ ...record, value: codec.decode(record.value) as T });
        return undefined;
      } catch (e) {
        return asError(e);
      }
    }

    /** Delivers one record until its handler resolves or it is dead-lettered, then commits it. */
    async function process(record: BusRecord<Buffer>, heartbeat: () => Promise<void>): Promise<void> {
      for (let attempts = 1; ; attempts++) {
        const error = await attempt(record);
        if (!error) break;
        const at = { topic: record.topic, group: o.group, partition: record.partition, offset: record.offset, key: record.key, attempt: attempts };
        log.warn({ ...at, err: error }, 'handler failed');
        // stopping: leave it uncommitted, the member that takes the partition over delivers it again
        if (stopping) return;
        if (attempts >= maxAttempts) {
          const headers = deadLetterHeaders(record, error, attempts);
          await send(dlqTopic(record.topic), record.key, record.value, headers);
          log.error({ ...at, error: headers['x-error'] }, 'record dead-lettered');
          break;
        }
        await sleep(retryBackoffMs * attempts);
        await heartbeat();
      }
      await consumer.commitOffsets([{ topic: record.topic, partition: record.partition, offset: String(record.offset + 1) }]);
    }

    let joinTimer: NodeJS.Timeout | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      joinTimer = setTimeout(() => reject(new Error(`group ${o.group} did not take the subscriber to ${o.topic} in within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(joinTimer);
        off();
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => log.warn({ topic: o.topic, group: o.group, err: payload.error, restart: payload.restart }, 'consumer crashed'));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: o.topic, fromBeginning: start === 'earliest' });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: partitions,
        eachMessage: ({ topic, partition, message, heartbeat }) => process(storedRecord(topic, partition, message), heartbeat),
      });
      await joined;
    } catch (e) {
      clearTimeout(joinTimer);
      await consumer.disconnect();
      throw e;
    }
    const subscription: Subscription = {
      async stop() {
        stopping = true;
        subscriptions.delete(subscription);
        // waits for the message in flight, then leaves the group so the others take its partitions at once
        await consumer.disconnect();
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  return {
    async ensureTopic(topic, partitions) {
      await ensure(topic, partitions);
    },

    async publish(topic, key, value, headers = {}) {
      if (closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
      return send(topic, key, codecFor(topic).encode(value), headers);
    },

    subscribe,

    async committed(topic, group, partition) {
      return (await committedOffsets(topic, group)).get(partition) ?? -1;
    },

    async seek(topic, group, partition, offset) {
      const partitions = await ensure(topic);
      if (partition < 0 || partition >= partitions) throw new RangeError(`${topic} has no partition ${partition}`);
      if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition, offset: String(offset) }] });
    },

    async lag(topic, group) {
      await ensure(topic);
      const committed = await committedOffsets(topic, group);
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.reduce((sum, e) => {
        const [high, low] = [Number(e.high), Number(e.low)];
        return sum + high - Math.min(high, Math.max(committed.get(e.partition) ?? -1, low));
      }, 0);
    },

    async partitionFor(topic, key) {
      return partitionForKey(key, await ensure(topic));
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await flushing;
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
