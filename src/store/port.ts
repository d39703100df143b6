/**
 * Store port: a SQL database that speaks PostgreSQL. Adapters: pglite.ts (embedded, on disk,
 * with pgvector) and postgres.ts (fleet). Repositories use only `query` with $n parameters —
 * never string-built SQL — and `transaction` for multi-row invariants.
 */
export interface QueryResult<T> {
  rows: T[];
  affectedRows?: number;
}

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Store extends Sql {
  readonly kind: 'pglite' | 'postgres';
  transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R>;
  /** SELECT 1 with a timeout; used by /health/ready */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
