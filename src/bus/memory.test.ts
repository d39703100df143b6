import { describe, expect, it } from 'vitest';
import { busContract, eventually } from './contract.ts';
import { createMemoryBus } from './memory.ts';
import { murmur2, partitionForKey } from './partitioner.ts';
import type { BusRecord } from './port.ts';

busContract('memory', async () => createMemoryBus({ retryBackoffMs: 5 }));

describe('memory bus', () => {
  it("hashes keys like Kafka's default partitioner (murmur2)", () => {
    // vectors from Kafka's UtilsTest
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
    expect(partitionForKey('21', 8)).toBe((-973932308 & 0x7fffffff) % 8);
  });

  it('uses the partition counts of seed §4.1 for known topics', async () => {
    const bus = createMemoryBus();
    await bus.ensureTopic('ai.detections');
    const partitions = new Set<number>();
    for (let i = 0; i < 64; i++) partitions.add((await bus.publish('ai.detections', `cam_${i}`, i)).partition);
    expect(Math.max(...partitions)).toBe(15);
    await bus.close();
  });

  it('trims by count; a group behind the trim point continues from the earliest record', async () => {
    const bus = createMemoryBus({ retention: { maxRecordsPerPartition: 3 } });
    await bus.ensureTopic('t', 1);
    for (let i = 0; i < 10; i++) await bus.publish('t', 'k', i);
    expect(await bus.lag('t', 'g')).toBe(3);
    const seen: number[] = [];
    await bus.subscribe<number>({ topic: 't', group: 'g', handler: async (r) => void seen.push(r.value) });
    await eventually(() => expect(seen).toEqual([7, 8, 9]));
    expect(await bus.committed('t', 'g', 0)).toBe(10);
    await bus.close();
  });

  it('trims by age and releases trimmed values', async () => {
    const bus = createMemoryBus({ retention: { maxAgeMs: 20 } });
    await bus.ensureTopic('t', 1);
    await bus.publish('t', 'k', Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 40));
    await bus.publish('t', 'k', Buffer.alloc(10));
    expect(await bus.lag('t', 'g')).toBe(1);
    const seen: Array<BusRecord<Buffer>> = [];
    await bus.subscribe<Buffer>({ topic: 't', group: 'g', handler: async (r) => void seen.push(r) });
    await eventually(() => expect(seen.map((r) => r.offset)).toEqual([1]));
    await bus.close();
  });

  it('stays bounded under sustained traffic', async () => {
    const bus = createMemoryBus({ retention: { maxRecordsPerPartition: 100 } });
    await bus.ensureTopic('frames', 1);
    for (let i = 0; i < 5000; i++) await bus.publish('frames', 'cam', i);
    expect(await bus.lag('frames', 'late')).toBe(100);
    await bus.close();
  });

  it('close waits for in-flight handlers and stops delivery', async () => {
    const bus = createMemoryBus();
    let finished = false;
    let calls = 0;
    await bus.subscribe({
      topic: 't',
      group: 'g',
      handler: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 30));
        finished = true;
      },
    });
    await bus.publish('t', 'k', 1);
    await bus.publish('t', 'k', 2);
    await eventually(() => calls === 1);
    await bus.close();
    expect(finished).toBe(true);
    expect(calls).toBe(1);
    await expect(bus.subscribe({ topic: 't', group: 'h', handler: async () => {} })).rejects.toThrow(/closed/);
  });

  it('a seek during an in-flight handler wins over its commit', async () => {
    const bus = createMemoryBus();
    let release!: () => void;
    const seen: number[] = [];
    await bus.ensureTopic('t', 1);
    for (let i = 0; i < 3; i++) await bus.publish('t', 'k', i);
    await bus.subscribe<number>({
      topic: 't',
      group: 'g',
      handler: async (r) => {
        seen.push(r.value);
        if (r.value === 1 && !seen.includes(-1)) {
          seen.push(-1);
          await new Promise<void>((res) => (release = res));
        }
      },
    });
    await eventually(() => seen.includes(-1));
    await bus.seek('t', 'g', 0, 0);
    release();
    await eventually(async () => expect(await bus.committed('t', 'g', 0)).toBe(3));
    expect(seen).toEqual([0, 1, -1, 0, 1, 2]);
    await bus.close();
  });

  it('dead-letters records whose handler rejects with a non-Error', async () => {
    const bus = createMemoryBus({ retryBackoffMs: 1 });
    const dead: BusRecord[] = [];
    await bus.subscribe({ topic: 't.dlq', group: 'g', handler: async (r) => void dead.push(r) });
    await bus.subscribe({ topic: 't', group: 'g', maxAttempts: 2, handler: () => Promise.reject('plain string') });
    await bus.publish('t', 'k', 1);
    await eventually(() => expect(dead.map((r) => r.headers['x-error'])).toEqual(['plain string']));
    await bus.close();
  });
});
