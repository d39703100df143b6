import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/log.ts';
import type { Store } from './port.ts';

/**
 * Versioned SQL migrations: `migrations/NNN_name.sql`, applied in version order, each in its own
 * transaction together with its `schema_migrations` row, so a failed migration leaves nothing
 * behind and a re-run applies only what is missing.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class SchemaTooNewError extends Error {}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_RE = /^(\d{3})_([a-z0-9_]+)\.sql$/;
// serialises migrators of one database (several fleet processes may start together)
const MIGRATION_LOCK_KEY = 7262000;

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = fs.readdirSync(dir).flatMap((file) => {
    const m = FILE_RE.exec(file);
    return m ? [{ version: Number(m[1]), name: m[2]!, sql: fs.readFileSync(`${dir}/${file}`, 'utf8') }] : [];
  });
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]!.version === m.version) throw new Error(`two migrations have version ${m.version}`);
  });
  return migrations;
}

/** Applies the pending migrations; returns the versions applied now (empty when up to date). */
export async function migrate(store: Store, opts: { log?: Logger; migrations?: Migration[] } = {}): Promise<number[]> {
  const migrations = opts.migrations ?? loadMigrations();
  await store.transaction(async (tx) => {
    // under the lock: two migrators creating the table at once would both try, and one fail
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  });
  const known = migrations.at(-1)?.version ?? 0;
  const { rows } = await store.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done = new Set(rows.map((r) => r.version));
  const current = Math.max(0, ...done);
  if (current > known) {
    throw new SchemaTooNewError(`database schema is at version ${current}, newer than this code knows (${known}): run a newer vigil or restore a matching backup`);
  }

  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const appliedNow = await store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (appliedNow) {
      applied.push(m.version);
      opts.log?.info({ version: m.version, name: m.name }, 'migration applied');
    }
  }
  return applied;
}
