import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { busContract, eventually } from '../../src/bus/contract.ts';
import { openKafkaBus } from '../../src/bus/kafka.ts';
import { openBus as openConfiguredBus } from '../../src/bus/open.ts';
import type { BusRecord } from '../../src/bus/port.ts';
import { topicSettings } from '../../src/bus/topics.ts';
import { configSchema } from '../../src/config/schema.ts';
import { TOPICS } from '../../src/core/types.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('kafka');
const openBus = () => openKafkaBus({ brokers: env.kafka.KAFKA_BROKERS!.split(','), clientId: 'vigil-fleet-test', retryBackoffMs: 5 });

describe.skipIf(!!missing)('Bus on a Kafka broker', () => {
  busContract('kafka', openBus);

  it('opens from the configuration and creates the architecture topics with their partitions', async () => {
    const config = configSchema.parse({ bus: { kind: 'kafka', brokers: env.kafka.KAFKA_BROKERS!.split(','), client_id: 'vigil-fleet-config' } });
    const bus = await openConfiguredBus(config.bus, {});
    try {
      await bus.ensureTopic(TOPICS.aiDetections);
      const partitions = new Set<number>();
      for (let i = 0; i < 64; i++) partitions.add(await bus.partitionFor(TOPICS.aiDetections, `cam_${i}`));
      expect(Math.max(...partitions)).toBe(topicSettings(TOPICS.aiDetections).partitions - 1);
      const key = `cam_${randomUUID().slice(0, 8)}`;
      const { partition } = await bus.publish(TOPICS.aiDetections, key, { camera_id: key });
      expect(partition).toBe(await bus.partitionFor(TOPICS.aiDetections, key));
    } finally {
      await bus.close();
    }
  });

  it('loses and duplicates no effect when a group member stops mid-stream', async () => {
    const topic = `rebalance.${randomUUID().slice(0, 8)}`;
    const group = `effects.${randomUUID().slice(0, 8)}`;
    const total = 400;
    const [first, second, producer] = await Promise.all([openBus(), openBus(), openBus()]);
    try {
      await producer.ensureTopic(topic, 4);
      // the idempotent write: an effect is applied once per message id, however often it is delivered
      const effects = new Set<string>();
      const applied: string[] = [];
      const deliveries = { first: 0, second: 0 };
      const partitionsSeenBySecond = new Set<number>();
      const handler = (member: keyof typeof deliveries) => async (r: BusRecord<{ id: string }>) => {
        deliveries[member]++;
        if (member === 'second') partitionsSeenBySecond.add(r.partition);
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (!effects.has(r.value.id)) {
          effects.add(r.value.id);
          applied.push(r.value.id);
        }
      };
      const subFirst = await first.subscribe({ topic, group, handler: handler('first') });
      await second.subscribe({ topic, group, handler: handler('second') });

      const ids = Array.from({ length: total }, (_, i) => `msg-${i}`);
      const publish = async (from: number, to: number) => {
        for (let i = from; i < to; i++) await producer.publish(topic, `cam_${i % 16}`, { id: ids[i]! });
      };
      // the first member stops while half the stream is still unpublished: its partitions move to the second
      await publish(0, total / 2);
      await eventually(() => expect(deliveries.first).toBeGreaterThanOrEqual(20), 60_000);
      await subFirst.stop();
      const firstAtStop = deliveries.first;
      await publish(total / 2, total);

      await eventually(() => expect(effects.size).toBe(total), 60_000);
      // at-least-once: a record in flight at the rebalance may come twice; its effect is written once
      expect(applied).toHaveLength(total);
      expect([...effects].sort()).toEqual([...ids].sort());
      expect(deliveries.first).toBe(firstAtStop);
      expect(partitionsSeenBySecond).toEqual(new Set([0, 1, 2, 3]));
      expect(deliveries.first + deliveries.second).toBeGreaterThanOrEqual(total);
      await eventually(async () => expect(await producer.lag(topic, group)).toBe(0), 30_000);
    } finally {
      await Promise.all([first.close(), second.close(), producer.close()]);
    }
  });
});
