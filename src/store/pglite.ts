import fs from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Logger } from '../core/log.ts';
import { acquireDirLock } from './lockfile.ts';
import { pingWithin } from './ping.ts';
import type { QueryResult, Sql, Store } from './port.ts';
import { toNumber, toSafeInteger } from './values.ts';

/**
 * Embedded Store: PGlite (PostgreSQL in WebAssembly) on disk, with pgvector.
 *
 * What repositories get back (the postgres adapter must return the same):
 * - timestamptz / timestamp / date → Date
 * - int2/int4/int8 (BIGSERIAL ids, counts) → number; an int8 beyond 2^53 throws rather than lose digits
 * - numeric (DECIMAL confidence, SUM(bigint)) → number
 * - float4/float8 → number, bool → boolean, json/jsonb → parsed value, arrays → JS arrays
 * - bytea → Uint8Array; box, polygon, interval, vector and other types → PostgreSQL's text form
 *
 * A query without parameters may hold several statements (simple protocol, as node-postgres does);
 * its result is that of the last statement. With parameters, exactly one statement.
 *
 * PGlite runs one statement at a time: inside `transaction(fn)`, use only the `tx` it gives —
 * calling the store itself there waits for the transaction and deadlocks.
 */


const parsers = {
  [types.INT8]: toSafeInteger,
  [types.NUMERIC]: toNumber,
};

type PgliteResult = { rows: unknown[]; affectedRows?: number };

function toResult<T>(r: PgliteResult | undefined): QueryResult<T> {
  return { rows: (r?.rows ?? []) as T[], affectedRows: r?.affectedRows };
}

/** Runs a query on a PGlite connection or transaction with the port's semantics. */
function runOn(db: PGlite | Transaction) {
  return async <T>(text: string, params?: unknown[]): Promise<QueryResult<T>> => {
    if (params && params.length > 0) return toResult<T>(await db.query(text, params));
    const results = await db.exec(text);
    return toResult<T>(results[results.length - 1]);
  };
}

export interface PgliteOptions {
  log?: Logger;
  /**
   * PostgreSQL shared_buffers in MB (default: PostgreSQL's 128 MB). PGlite zero-fills its shared
   * memory at start, so all of it is resident from the first query on, used or not.
   */
  sharedBuffersMb?: number;
}

export async function openPglite(dataDir: string, opts: PgliteOptions = {}): Promise<Store> {
  const lock = acquireDirLock(dataDir, opts.log);
  let db: PGlite;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    // loading pgvector here makes `CREATE EXTENSION vector` (migration 001) available
    const startParams = opts.sharedBuffersMb === undefined ? {} : { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffersMb}MB`] };
    db = await PGlite.create(dataDir, { extensions: { vector }, parsers, ...startParams });
  } catch (e) {
    lock.release();
    throw e;
  }
  opts.log?.info({ data_dir: dataDir }, 'pglite store open');
  let closed = false;

  return {
    kind: 'pglite',
    query: runOn(db),
    transaction: <R>(fn: (tx: Sql) => Promise<R>) => db.transaction((tx) => fn({ query: runOn(tx) })),
    ping: () => pingWithin(() => db.query('SELECT 1')),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}
