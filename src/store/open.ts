import { ConfigError, secretFromFileOrEnv } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import type { Store } from './port.ts';

export interface PostgresStoreConfig {
  /** environment variable with the URL (or <url_env>_FILE naming a file); default VIGIL_POSTGRES_URL */
  url_env?: string;
  /** file holding the URL; wins over url_env */
  url_file?: string;
  /** most connections of the pool (default 10) */
  pool_max?: number;
}

export interface StoreConfig {
  kind: 'pglite' | 'postgres';
  /** PostgreSQL shared_buffers of PGlite (default: PostgreSQL's, 128 MB) */
  pglite_shared_buffers_mb?: number;
  postgres?: PostgresStoreConfig;
}

export const DEFAULT_POSTGRES_URL_ENV = 'VIGIL_POSTGRES_URL';

/** The connection URL from its file or environment variable; the error names where it looked, never a value. */
export function postgresUrl(c: PostgresStoreConfig = {}, env: NodeJS.ProcessEnv = process.env): string {
  const name = c.url_env ?? DEFAULT_POSTGRES_URL_ENV;
  const url = secretFromFileOrEnv(env, name, c.url_file ? { setting: 'store.postgres.url_file', path: c.url_file } : undefined);
  if (!url) throw new ConfigError(`store kind postgres: set ${name} (or ${name}_FILE) to the connection URL, or store.postgres.url_file`);
  return url;
}

/** Months of event partitions kept ahead: the current one and the next two. */
export const EVENT_PARTITION_MONTHS = 3;

/** Creates the event partitions from the current UTC month on (also run by long-lived processes monthly). */
export async function ensureEventPartitions(store: Store, now = new Date()): Promise<void> {
  const month = `${now.toISOString().slice(0, 7)}-01`;
  await store.query('SELECT ensure_event_partitions($1::date, $2::int)', [month, EVENT_PARTITION_MONTHS]);
}

async function openAdapter(config: StoreConfig, dbDir: string, log: Logger | undefined, env: NodeJS.ProcessEnv): Promise<Store> {
  switch (config.kind) {
    case 'pglite':
      return openPglite(dbDir, { log, sharedBuffersMb: config.pglite_shared_buffers_mb });
    case 'postgres': {
      // loaded only here: the one box never loads the PostgreSQL client
      const { openPostgres } = await import('./postgres.ts');
      return openPostgres({ url: postgresUrl(config.postgres, env), poolMax: config.postgres?.pool_max ?? 10, log });
    }
  }
}

/**
 * Opens the configured Store, brings its schema up to date and creates upcoming event partitions.
 * `dbDir` is PGlite's data dir; `env` holds the postgres URL's variable.
 */
export async function openStore(config: StoreConfig, dbDir: string, log?: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const store = await openAdapter(config, dbDir, log, env);
  try {
    await migrate(store, { log });
    await ensureEventPartitions(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
