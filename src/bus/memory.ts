import { rootLogger } from '../core/log.ts';
import { asError, deadLetterHeaders } from './dead-letter.ts';
import { PartitionLog, type Retention } from './partition-log.ts';
import { partitionForKey } from './partitioner.ts';
import { codecFor, topicSettings } from './topics.ts';
import { DEFAULT_MAX_ATTEMPTS, dlqTopic, type Bus, type BusRecord, type Handler, type SubscribeOptions, type Subscription } from './port.ts';

export interface MemoryBusOptions {
  /** bounds memory for frame traffic; default 1000 records per partition, no age limit */
  retention?: Retention;
  /** delay before retry n is n × this; default 50 ms */
  retryBackoffMs?: number;
}

const DEFAULT_RETENTION: Retention = { maxRecordsPerPartition: 1000 };

interface Member {
  handler: Handler<unknown>;
  start: 'earliest' | 'latest';
  maxAttempts: number;
  inflight: Set<Promise<unknown>>;
}

/** Delivers one partition to whichever member of the group owns it: one record in flight at a time. */
interface Worker {
  running: boolean;
  wake?: () => void;
  /** bumped by seek, so a commit of a record delivered before the seek does not undo it */
  seekGeneration: number;
}

interface Group {
  topic: string;
  name: string;
  /** next offset to read per partition; -1 when none */
  committed: number[];
  members: Member[];
  owners: Array<Member | undefined>;
  workers: Worker[];
}

type Outcome = { ok: true } | { ok: false; error: Error };

const log = rootLogger.child({ component: 'bus-memory' });
const groupId = (topic: string, group: string) => `${topic}\u0000${group}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * In-process Bus with Kafka semantics (see port.ts). Not durable: it lives as long as the process;
 * recordings on disk are the source of truth and consumers catch up from them after a restart.
 */
export function createMemoryBus(opts: MemoryBusOptions = {}): Bus {
  const retention = opts.retention ?? DEFAULT_RETENTION;
  const retryBackoffMs = opts.retryBackoffMs ?? 50;
  const topics = new Map<string, PartitionLog[]>();
  const groups = new Map<string, Group>();
  let closed = false;

  function topicLogs(topic: string, partitions?: number): PartitionLog[] {
    const logs = topics.get(topic) ?? [];
    topics.set(topic, logs);
    const wanted = partitions ?? (logs.length || topicSettings(topic).partitions);
    if (wanted > logs.length) {
      while (logs.length < wanted) logs.push(new PartitionLog(retention));
      for (const g of groups.values()) if (g.topic === topic) rebalance(g);
    }
    return logs;
  }

  /** Sizes a group's per-partition state to its topic (topics can grow). */
  function syncPartitions(g: Group): void {
    const partitions = topicLogs(g.topic).length;
    while (g.workers.length < partitions) {
      g.committed.push(-1);
      g.workers.push({ running: false, seekGeneration: 0 });
    }
  }

  function groupOf(topic: string, name: string): Group {
    const id = groupId(topic, name);
    let g = groups.get(id);
    if (!g) {
      g = { topic, name, committed: [], members: [], owners: [], workers: [] };
      groups.set(id, g);
    }
    syncPartitions(g);
    return g;
  }

  function wake(w: Worker): void {
    const resume = w.wake;
    w.wake = undefined;
    resume?.();
  }

  /**
   * Round-robin partitions over members in join order, then lets the workers pick up their new
   * owner. A 'latest' member taking a partition the group never committed starts at its end.
   */
  function rebalance(g: Group): void {
    syncPartitions(g);
    const logs = topics.get(g.topic)!;
    g.owners = g.workers.map((_, p) => (g.members.length ? g.members[p % g.members.length] : undefined));
    g.owners.forEach((owner, p) => {
      if (owner?.start === 'latest' && g.committed[p]! < 0) commit(g, p, logs[p]!.end);
    });
    g.workers.forEach((w, p) => {
      if (g.owners[p] && !w.running) {
        runWorker(g, p).catch((err: unknown) => log.error({ err, topic: g.topic, group: g.name, partition: p }, 'bus worker crashed'));
      } else wake(w);
    });
  }

  function commit(g: Group, p: number, offset: number): void {
    g.committed[p] = offset;
  }

  /** Each delivery decodes its own copy: a handler that changes its value cannot affect another group. */
  async function deliver(member: Member, record: BusRecord<Buffer>): Promise<Outcome> {
    const run = Promise.resolve()
      .then(() => member.handler({ ...record, value: codecFor(record.topic).decode(record.value), headers: { ...record.headers } }))
      .then(
        (): Outcome => ({ ok: true }),
        (error: unknown): Outcome => ({ ok: false, error: asError(error) }),
      );
    member.inflight.add(run);
    try {
      return await run;
    } finally {
      member.inflight.delete(run);
    }
  }

  function deadLetter(record: BusRecord<Buffer>, error: Error, attempts: number): void {
    const headers = deadLetterHeaders(record, error, attempts);
    append(dlqTopic(record.topic), record.key, record.value, headers);
    log.error({ topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, attempts, error: headers['x-error'] }, 'record dead-lettered');
  }

  async function runWorker(g: Group, p: number): Promise<void> {
    const w = g.workers[p]!;
    w.running = true;
    try {
      let failures = 0;
      let failingOffset = -1;
      for (;;) {
        const owner = g.owners[p];
        if (closed || !owner) return;
        const partitionLog = topics.get(g.topic)![p]!;
        const position = Math.max(g.committed[p]!, partitionLog.earliest);
        const record = partitionLog.at(position);
        if (!record) {
          await new Promise<void>((resolve) => (w.wake = resolve));
          continue;
        }
        const generation = w.seekGeneration;
        const outcome = await deliver(owner, record);
        if (w.seekGeneration !== generation) continue;
        if (outcome.ok) {
          commit(g, p, position + 1);
          continue;
        }
        failures = failingOffset === position ? failures + 1 : 1;
        failingOffset = position;
        log.warn({ topic: g.topic, group: g.name, partition: p, offset: position, key: record.key, attempt: failures, err: outcome.error }, 'handler failed');
        if (failures >= owner.maxAttempts) {
          if (closed) return;
          deadLetter(record, outcome.error, failures);
          commit(g, p, position + 1);
        } else {
          await sleep(retryBackoffMs * failures);
        }
      }
    } finally {
      w.running = false;
    }
  }

  /** Appends an encoded value (a dead letter keeps its record's bytes as they are). */
  function append(topic: string, key: string, value: Buffer, headers: Record<string, string> = {}): BusRecord<Buffer> {
    if (closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const logs = topicLogs(topic);
    const partition = partitionForKey(key, logs.length);
    const record = logs[partition]!.append((offset) => ({ topic, partition, offset, key, value, timestamp: Date.now(), headers: { ...headers } }));
    for (const g of groups.values()) if (g.topic === topic) wake(g.workers[partition]!);
    return record;
  }

  async function stopMember(g: Group, member: Member): Promise<void> {
    const i = g.members.indexOf(member);
    if (i >= 0) {
      g.members.splice(i, 1);
      rebalance(g);
    }
    await Promise.all([...member.inflight]);
  }

  return {
    async ensureTopic(topic, partitions) {
      topicLogs(topic, partitions ?? topicSettings(topic).partitions);
    },

    async publish(topic, key, value, headers) {
      const { partition, offset } = append(topic, key, codecFor(topic).encode(value), headers);
      return { partition, offset };
    },

    async subscribe<T>(o: SubscribeOptions<T>): Promise<Subscription> {
      if (closed) throw new Error(`bus is closed: cannot subscribe to ${o.topic}`);
      const g = groupOf(o.topic, o.group);
      const member: Member = { handler: o.handler as Handler<unknown>, start: o.start ?? 'earliest', maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, inflight: new Set() };
      g.members.push(member);
      rebalance(g);
      return { stop: () => stopMember(g, member) };
    },

    async committed(topic, group, partition) {
      return groups.get(groupId(topic, group))?.committed[partition] ?? -1;
    },

    async seek(topic, group, partition, offset) {
      const g = groupOf(topic, group);
      if (partition < 0 || partition >= g.workers.length) throw new RangeError(`${topic} has no partition ${partition}`);
      if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
      const w = g.workers[partition]!;
      w.seekGeneration++;
      commit(g, partition, offset);
      wake(w);
    },

    async lag(topic, group) {
      const logs = topics.get(topic) ?? [];
      const g = groups.get(groupId(topic, group));
      return logs.reduce((sum, l, p) => sum + l.end - Math.min(l.end, Math.max(g?.committed[p] ?? -1, l.earliest)), 0);
    },

    async partitionFor(topic, key) {
      return partitionForKey(key, topics.get(topic)?.length ?? topicSettings(topic).partitions);
    },

    async close() {
      if (closed) return;
      closed = true;
      const stopping: Array<Promise<void>> = [];
      for (const g of groups.values()) {
        for (const member of [...g.members]) stopping.push(stopMember(g, member));
      }
      await Promise.all(stopping);
    },
  };
}
