import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type FrameMessage } from '../core/types.ts';
import { dlqTopic, type Bus, type BusRecord, type Handler } from './port.ts';

/** Polls until `check` passes (it throws or returns false otherwise), or fails after `timeoutMs`. */
export async function eventually(check: () => unknown, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      if ((await check()) !== false) return;
    } catch (e) {
      failure = e;
    }
    if (Date.now() > deadline) throw failure ?? new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A handler that records what it received. */
function collector<T>(): { handler: Handler<T>; records: Array<BusRecord<T>>; values: () => T[] } {
  const records: Array<BusRecord<T>> = [];
  return { records, handler: async (r) => void records.push(r), values: () => records.map((r) => r.value) };
}

/** Keys that together cover every partition of a topic, one per partition. */
async function keysCoveringPartitions(bus: Bus, topic: string, partitions: number): Promise<string[]> {
  const keys = new Map<number, string>();
  for (let i = 0; keys.size < partitions && i < 10_000; i++) {
    const p = await bus.partitionFor(topic, `cam_${i}`);
    if (!keys.has(p)) keys.set(p, `cam_${i}`);
  }
  return [...keys.values()];
}

/**
 * The behaviour every Bus adapter must show (port.ts). Topics and groups are unique per test so
 * the suite can run against a shared real broker.
 */
export function busContract(name: string, make: () => Promise<Bus>): void {
  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    const unique = (what: string) => `contract.${what}.${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      bus = await make();
    });
    afterEach(async () => {
      await bus.close();
    });

    it('routes a key to a stable partition and delivers its records in order', async () => {
      const topic = unique('order');
      await bus.ensureTopic(topic, 4);
      const expected = await bus.partitionFor(topic, 'cam_001');
      for (let i = 0; i < 20; i++) {
        const { partition, offset } = await bus.publish(topic, 'cam_001', { seq: i });
        expect(partition).toBe(expected);
        expect(offset).toBe(i);
      }
      const c = collector<{ seq: number }>();
      await bus.subscribe({ topic, group: unique('g'), handler: c.handler });
      await eventually(() => expect(c.records).toHaveLength(20));
      expect(c.values().map((v) => v.seq)).toEqual([...Array(20).keys()]);
      expect(c.records.every((r) => r.partition === expected && r.key === 'cam_001' && r.topic === topic)).toBe(true);
    });

    it('passes headers and stamps records with a timestamp', async () => {
      const topic = unique('headers');
      await bus.ensureTopic(topic, 1);
      const before = Date.now();
      await bus.publish(topic, 'k', 'v', { 'x-trace': 'abc' });
      const c = collector<string>();
      await bus.subscribe({ topic, group: unique('g'), handler: c.handler });
      await eventually(() => expect(c.records).toHaveLength(1));
      expect(c.records[0]!.headers['x-trace']).toBe('abc');
      expect(c.records[0]!.timestamp).toBeGreaterThanOrEqual(before - 1000);
    });

    it('gives every group every record', async () => {
      const topic = unique('groups');
      await bus.ensureTopic(topic, 2);
      const a = collector<number>();
      const b = collector<number>();
      await bus.subscribe({ topic, group: unique('a'), handler: a.handler });
      await bus.subscribe({ topic, group: unique('b'), handler: b.handler });
      for (let i = 0; i < 10; i++) await bus.publish(topic, `cam_${i % 3}`, i);
      await eventually(() => expect(a.records).toHaveLength(10));
      await eventually(() => expect(b.records).toHaveLength(10));
      expect(a.values().sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
      expect(b.values().sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    });

    it('splits partitions between the members of a group and rebalances when one stops', async () => {
      const topic = unique('split');
      const group = unique('g');
      await bus.ensureTopic(topic, 4);
      const keys = await keysCoveringPartitions(bus, topic, 4);
      expect(keys).toHaveLength(4);
      const a = collector<string>();
      const b = collector<string>();
      const subA = await bus.subscribe({ topic, group, handler: a.handler });
      await bus.subscribe({ topic, group, handler: b.handler });
      for (let i = 0; i < 5; i++) for (const key of keys) await bus.publish(topic, key, `${key}#${i}`);
      await eventually(() => expect(a.records.length + b.records.length).toBe(20));
      const all = [...a.values(), ...b.values()];
      expect(new Set(all).size).toBe(20);
      expect(a.records.length).toBeGreaterThan(0);
      expect(b.records.length).toBeGreaterThan(0);
      const partitionsOf = (c: typeof a) => new Set(c.records.map((r) => r.partition));
      expect([...partitionsOf(a)].filter((p) => partitionsOf(b).has(p))).toEqual([]);

      await subA.stop();
      const seenByA = a.records.length;
      for (const key of keys) await bus.publish(topic, key, `${key}#after`);
      await eventually(() => expect(b.values().filter((v) => v.endsWith('#after'))).toHaveLength(4));
      expect(a.records).toHaveLength(seenByA);
    });

    it('commits only after the handler resolves', async () => {
      const topic = unique('commit');
      const group = unique('g');
      await bus.ensureTopic(topic, 1);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = false;
      await bus.subscribe({
        topic,
        group,
        handler: async () => {
          started = true;
          await gate;
        },
      });
      await bus.publish(topic, 'k', 'slow');
      try {
        await eventually(() => started);
        expect(await bus.committed(topic, group, 0)).toBeLessThan(1);
        expect(await bus.lag(topic, group)).toBe(1);
      } finally {
        release(); // else close() would wait for the handler forever
      }
      await eventually(async () => expect(await bus.committed(topic, group, 0)).toBe(1));
      expect(await bus.lag(topic, group)).toBe(0);
    });

    it('redelivers a record whose handler failed, before the records after it', async () => {
      const topic = unique('retry');
      const group = unique('g');
      await bus.ensureTopic(topic, 1);
      const seen: string[] = [];
      let failedOnce = false;
      await bus.subscribe<string>({
        topic,
        group,
        handler: async (r) => {
          seen.push(r.value);
          if (r.value === 'flaky' && !failedOnce) {
            failedOnce = true;
            throw new Error('transient');
          }
        },
      });
      for (const v of ['first', 'flaky', 'last']) await bus.publish(topic, 'k', v);
      await eventually(async () => expect(await bus.committed(topic, group, 0)).toBe(3));
      expect(seen).toEqual(['first', 'flaky', 'flaky', 'last']);
    });

    it('replays from a seeked offset', async () => {
      const topic = unique('seek');
      const group = unique('g');
      await bus.ensureTopic(topic, 1);
      for (let i = 0; i < 5; i++) await bus.publish(topic, 'k', i);
      const first = collector<number>();
      const sub = await bus.subscribe({ topic, group, handler: first.handler });
      await eventually(async () => expect(await bus.committed(topic, group, 0)).toBe(5));
      await sub.stop();
      await bus.seek(topic, group, 0, 2);
      expect(await bus.committed(topic, group, 0)).toBe(2);
      expect(await bus.lag(topic, group)).toBe(3);
      const replay = collector<number>();
      await bus.subscribe({ topic, group, handler: replay.handler });
      await eventually(() => expect(replay.records).toHaveLength(3));
      expect(replay.values()).toEqual([2, 3, 4]);
      expect(first.values()).toEqual([0, 1, 2, 3, 4]);
    });

    it('dead-letters a record after 5 failed attempts, with the reason, and moves on', async () => {
      const topic = unique('dlq');
      const group = unique('g');
      await bus.ensureTopic(topic, 1);
      await bus.ensureTopic(dlqTopic(topic), 1);
      let poisonAttempts = 0;
      const processed: string[] = [];
      await bus.subscribe<string>({
        topic,
        group,
        handler: async (r) => {
          if (r.value === 'poison') {
            poisonAttempts++;
            throw new Error('cannot decode rtsp://admin:hunter2@10.0.0.5/ch1');
          }
          processed.push(r.value);
        },
      });
      const dead = collector<string>();
      await bus.subscribe({ topic: dlqTopic(topic), group: unique('dlq-reader'), handler: dead.handler });
      await bus.publish(topic, 'cam_7', 'poison', { 'x-trace': 't1' });
      await bus.publish(topic, 'cam_7', 'fine');
      await eventually(() => expect(processed).toEqual(['fine']));
      await eventually(() => expect(dead.records).toHaveLength(1));
      expect(poisonAttempts).toBe(5);
      const d = dead.records[0]!;
      expect(d.value).toBe('poison');
      expect(d.key).toBe('cam_7');
      expect(d.headers).toMatchObject({ 'x-original-topic': topic, 'x-original-partition': '0', 'x-original-offset': '0', 'x-attempts': '5', 'x-trace': 't1' });
      expect(d.headers['x-error']).toContain('cannot decode');
      expect(d.headers['x-error']).not.toContain('hunter2');
      await eventually(async () => expect(await bus.committed(topic, group, 0)).toBe(2));
    });

    it('honours maxAttempts', async () => {
      const topic = unique('attempts');
      await bus.ensureTopic(topic, 1);
      let attempts = 0;
      const dead = collector<string>();
      await bus.subscribe({ topic: dlqTopic(topic), group: unique('dlq-reader'), handler: dead.handler });
      await bus.subscribe({
        topic,
        group: unique('g'),
        maxAttempts: 2,
        handler: async () => {
          attempts++;
          throw new Error('always');
        },
      });
      await bus.publish(topic, 'k', 'x');
      await eventually(() => expect(dead.records).toHaveLength(1));
      expect(dead.records[0]!.headers['x-attempts']).toBe('2');
      expect(attempts).toBe(2);
    });

    it('counts lag per group across partitions', async () => {
      const topic = unique('lag');
      const group = unique('g');
      await bus.ensureTopic(topic, 3);
      for (let i = 0; i < 9; i++) await bus.publish(topic, `cam_${i}`, i);
      expect(await bus.lag(topic, group)).toBe(9);
      const c = collector<number>();
      await bus.subscribe({ topic, group, handler: c.handler });
      await eventually(async () => expect(await bus.lag(topic, group)).toBe(0));
      expect(c.records).toHaveLength(9);
      for (let p = 0; p < 3; p++) expect(await bus.committed(topic, group, p)).toBe(c.records.filter((r) => r.partition === p).length);
    });

    it("starts a new group at the end with start: 'latest'", async () => {
      const topic = unique('latest');
      const group = unique('g');
      await bus.ensureTopic(topic, 2);
      for (let i = 0; i < 4; i++) await bus.publish(topic, `cam_${i}`, `old${i}`);
      const c = collector<string>();
      await bus.subscribe({ topic, group, start: 'latest', handler: c.handler });
      for (let i = 0; i < 4; i++) await bus.publish(topic, `cam_${i}`, `new${i}`);
      await eventually(() => expect(c.records).toHaveLength(4));
      expect(c.values().sort()).toEqual(['new0', 'new1', 'new2', 'new3']);
      await eventually(async () => expect(await bus.lag(topic, group)).toBe(0));
    });

    it('gives each delivery its own copy of the value', async () => {
      const topic = unique('copies');
      await bus.ensureTopic(topic, 1);
      await bus.publish(topic, 'k', { boxes: [[1, 2, 3, 4]], label: 'person' });
      const mutated: unknown[] = [];
      await bus.subscribe<{ boxes: number[][]; label: string }>({
        topic,
        group: unique('mutator'),
        handler: async (r) => {
          r.value.boxes[0]![0] = 99;
          r.value.label = 'changed';
          mutated.push(r.value);
        },
      });
      await eventually(() => expect(mutated).toHaveLength(1));
      const other = collector<unknown>();
      await bus.subscribe({ topic, group: unique('reader'), handler: other.handler });
      await eventually(() => expect(other.records).toHaveLength(1));
      expect(other.values()).toEqual([{ boxes: [[1, 2, 3, 4]], label: 'person' }]);
    });

    it('carries a frame and its JPEG bytes unchanged', async () => {
      // the real frames topic (its codec is binary); a unique camera keeps this run's frame apart
      const camera = unique('cam');
      await bus.ensureTopic(TOPICS.streamsRaw);
      const frame: FrameMessage = { camera_id: camera, timestamp: new Date().toISOString(), seq: 7, width: 960, height: 1080, jpeg: randomBytes(100_000) };
      await bus.publish(TOPICS.streamsRaw, camera, frame);
      const c = collector<FrameMessage>();
      await bus.subscribe<FrameMessage>({ topic: TOPICS.streamsRaw, group: unique('g'), handler: async (r) => void (r.key === camera && c.records.push(r)) });
      await eventually(() => expect(c.records).toHaveLength(1));
      const { jpeg, ...fields } = c.values()[0]!;
      expect(fields).toEqual({ camera_id: camera, timestamp: frame.timestamp, seq: 7, width: 960, height: 1080 });
      expect(Buffer.isBuffer(jpeg)).toBe(true);
      expect(jpeg.equals(frame.jpeg)).toBe(true);
    });

    it('stops delivery only after the handler in flight finished', async () => {
      const topic = unique('stop');
      await bus.ensureTopic(topic, 1);
      let finished = false;
      let calls = 0;
      const sub = await bus.subscribe({
        topic,
        group: unique('g'),
        handler: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      });
      await bus.publish(topic, 'k', 1);
      await bus.publish(topic, 'k', 2);
      await eventually(() => calls === 1);
      await sub.stop();
      expect(finished).toBe(true);
      expect(calls).toBe(1);
    });

    it('refuses to publish after close', async () => {
      const topic = unique('closed');
      await bus.ensureTopic(topic, 1);
      await bus.close();
      await expect(bus.publish(topic, 'k', 1)).rejects.toThrow();
    });
  });
}
