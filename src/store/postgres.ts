import pg from 'pg';
import type { Logger } from '../core/log.ts';
import { pingWithin } from './ping.ts';
import type { QueryResult, Sql, Store } from './port.ts';
import { parseArray, toNumber, toSafeInteger } from './values.ts';

/**
 * Fleet Store: PostgreSQL (16 or later, with pgvector) through a node-postgres pool.
 *
 * Repositories get back exactly what the PGlite adapter returns (the mapping documented at the top
 * of pglite.ts), so node-postgres' own conversions are replaced per pool, never globally: a type
 * without a parser below comes back in PostgreSQL's text form (interval, point, box, vector …),
 * and every built-in array type becomes a JS array of its elements converted the same way.
 *
 * As with PGlite, a query without parameters may hold several statements (node-postgres sends it
 * with the simple protocol) and returns the last one's result; with parameters, exactly one.
 * `transaction(fn)` runs fn on a client of its own; other queries go on in parallel on the pool.
 */


export interface PostgresOptions {
  /** postgres://user:password@host:port/database — it holds a password: never logged, redacted in errors */
  url: string;
  /** most connections the pool opens */
  poolMax: number;
  log?: Logger;
}

type Parser = (text: string) => unknown;

const identity: Parser = (text) => text;
const toDate: Parser = (text) => new Date(text);
const { builtins } = pg.types;
// box[] is the one built-in array whose elements are separated by ';' (a box's text holds commas)
const BOX_ARRAY = 1020;

// the same functions as PGlite's (int8 and numeric as pglite.ts overrides them)
const scalarParsers = new Map<number, Parser>([
  [builtins.BOOL, (text) => text === 't'],
  [builtins.INT2, Number], [builtins.INT4, Number], [builtins.OID, Number], [builtins.FLOAT4, Number], [builtins.FLOAT8, Number],
  [builtins.INT8, toSafeInteger], [builtins.NUMERIC, toNumber],
  [builtins.JSON, JSON.parse], [builtins.JSONB, JSON.parse],
  [builtins.DATE, toDate], [builtins.TIMESTAMP, toDate], [builtins.TIMESTAMPTZ, toDate],
  [builtins.BYTEA, pg.types.getTypeParser(builtins.BYTEA, 'text') as Parser],
]);

/** node-postgres type parsers for one pool: `arrayElements` maps each array type's oid to its element's. */
function typeParsers(arrayElements: ReadonlyMap<number, number>): pg.CustomTypesConfig {
  const parserOf = (oid: number): Parser => {
    const scalar = scalarParsers.get(oid);
    if (scalar) return scalar;
    const element = arrayElements.get(oid);
    if (element === undefined) return identity;
    const parseElement = parserOf(element);
    const delimiter = oid === BOX_ARRAY ? ';' : ',';
    return (text) => parseArray(text, parseElement, delimiter);
  };
  const cache = new Map<number, Parser>();
  return {
    getTypeParser: ((oid: number, format?: string) => {
      // values arrive as text (node-postgres asks for binary only when told to)
      if (format === 'binary') return identity;
      let parser = cache.get(oid);
      if (!parser) cache.set(oid, (parser = parserOf(oid)));
      return parser;
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** The array types PostgreSQL itself defines (fixed oids below 16384), with their element types. */
async function builtinArrayTypes(pool: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ oid: number; elem: number }>(
    `SELECT oid::int AS oid, typelem::int AS elem FROM pg_type WHERE typcategory = 'A' AND typelem <> 0 AND oid < 16384`,
  );
  return new Map(rows.map((r) => [r.oid, r.elem]));
}

/** The URL's password and the URL itself replaced, wherever they occur in `text`. */
export function redactUrl(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    // not a URL: only the whole string can be looked for
  }
  const secrets = [url, password, password && decodeURIComponent(password)].filter((s) => s.length > 0);
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/** The URL as it may be shown: without its password. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable postgres URL)';
  }
}

/** An error whose message (and nothing else of the original, e.g. a TypeError's `input`) is redacted. */
function redactedError(err: unknown, url: string, context: string): Error {
  const e = err as { message?: unknown; code?: unknown };
  const redacted = new Error(`${context}: ${redactUrl(String(e?.message ?? err), url)}`);
  if (typeof e?.code === 'string') Object.assign(redacted, { code: e.code });
  return redacted;
}

const COUNTED_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE']);

/** The port's result of one query: the last statement's rows, rows changed summed as PGlite does. */
function toResult<T>(r: pg.QueryResult | pg.QueryResult[]): QueryResult<T> {
  const results = Array.isArray(r) ? r : [r];
  const affectedRows = results.reduce((n, x) => n + (COUNTED_COMMANDS.has(x.command) ? (x.rowCount ?? 0) : 0), 0);
  return { rows: (results.at(-1)?.rows ?? []) as T[], affectedRows };
}

function runOn(db: pg.Pool | pg.PoolClient) {
  return async <T>(text: string, params?: unknown[]): Promise<QueryResult<T>> =>
    // no parameters: simple protocol, several statements allowed (node-postgres returns one result each)
    toResult<T>(await db.query(text, params && params.length > 0 ? params : undefined) as unknown as pg.QueryResult | pg.QueryResult[]);
}

export async function openPostgres(opts: PostgresOptions): Promise<Store> {
  const where = safeUrl(opts.url);
  // first without our parsers, to learn the array types they convert
  let pool: pg.Pool;
  try {
    const probe = new pg.Pool({ connectionString: opts.url, max: 1 });
    let arrays: Map<number, number>;
    try {
      arrays = await builtinArrayTypes(probe);
    } finally {
      await probe.end();
    }
    pool = new pg.Pool({ connectionString: opts.url, max: opts.poolMax, types: typeParsers(arrays) });
  } catch (e) {
    throw redactedError(e, opts.url, `postgres store ${where}`);
  }
  // an idle connection that breaks (server restart) is dropped by the pool; unhandled, it would end the process
  pool.on('error', (err) => opts.log?.warn({ err: redactedError(err, opts.url, 'idle connection') }, 'postgres store connection lost'));
  opts.log?.info({ url: where, pool_max: opts.poolMax }, 'postgres store open');
  let closed = false;

  return {
    kind: 'postgres',
    query: runOn(pool),
    async transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const result = await fn({ query: runOn(client) });
          await client.query('COMMIT');
          return result;
        } catch (e) {
          // a connection that cannot even roll back is not given back to the pool
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError as Error;
          });
          throw e;
        }
      } finally {
        client.release(broken);
      }
    },
    ping: () => pingWithin(() => pool.query('SELECT 1')),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
