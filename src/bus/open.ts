import type { Logger } from '../core/log.ts';
import { createMemoryBus, type MemoryBusOptions } from './memory.ts';
import type { Bus } from './port.ts';

export interface BusConfig {
  kind: 'memory' | 'kafka';
  /** kafka: bootstrap brokers, host:port */
  brokers: string[];
  /** kafka: client id */
  client_id: string;
}

/** Opens the configured Bus; the Kafka client is loaded only when configured, so the one box never loads it. */
export async function openBus(config: BusConfig, memory: MemoryBusOptions, log?: Logger): Promise<Bus> {
  switch (config.kind) {
    case 'memory':
      return createMemoryBus(memory);
    case 'kafka': {
      const { openKafkaBus } = await import('./kafka.ts');
      return openKafkaBus({ brokers: config.brokers, clientId: config.client_id, log });
    }
  }
}
