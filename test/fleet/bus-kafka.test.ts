import { describe } from 'vitest';
import { busContract } from '../../src/bus/contract.ts';
import { openKafkaBus } from '../../src/bus/kafka.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('kafka');

describe.skipIf(!!missing)('Bus on a Kafka broker', () => {
  busContract('kafka', () => openKafkaBus({ brokers: env.kafka.KAFKA_BROKERS!.split(','), clientId: 'vigil-fleet-test', retryBackoffMs: 5 }));
});
