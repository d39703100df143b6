import type { Logger } from '../core/log.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import type { Store } from './port.ts';

export interface StoreConfig {
  kind: 'pglite';
  /** PostgreSQL shared_buffers of PGlite (default: PostgreSQL's, 128 MB) */
  pglite_shared_buffers_mb?: number;
}

/** Months of event partitions kept ahead: the current one and the next two. */
export const EVENT_PARTITION_MONTHS = 3;

/** Creates the event partitions from the current UTC month on (also run by long-lived processes monthly). */
export async function ensureEventPartitions(store: Store, now = new Date()): Promise<void> {
  const month = `${now.toISOString().slice(0, 7)}-01`;
  await store.query('SELECT ensure_event_partitions($1::date, $2::int)', [month, EVENT_PARTITION_MONTHS]);
}

function openAdapter(config: StoreConfig, dbDir: string, log?: Logger): Promise<Store> {
  switch (config.kind) {
    case 'pglite':
      return openPglite(dbDir, { log, sharedBuffersMb: config.pglite_shared_buffers_mb });
  }
}

/** Opens the configured Store, brings its schema up to date and creates upcoming event partitions. */
export async function openStore(config: StoreConfig, dbDir: string, log?: Logger): Promise<Store> {
  const store = await openAdapter(config, dbDir, log);
  try {
    await migrate(store, { log });
    await ensureEventPartitions(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
