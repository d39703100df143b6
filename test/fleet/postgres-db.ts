import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';

/**
 * A database of its own for one test file on the fleet's PostgreSQL: created by the `vigil` role
 * (it may create databases) from POSTGRES_URL of .cache/fleet/postgres.env, dropped after. Its
 * name is `vigil_test_<random>`, so files and reruns never share state.
 */
export interface TestDatabase {
  name: string;
  url: string;
  /** openStore on this database (migrated, partitions created), as a fleet process opens it */
  open(poolMax?: number): Promise<Store>;
  drop(): Promise<void>;
}

const URL_VARIABLE = 'VIGIL_TEST_POSTGRES_URL';

export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `vigil_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    open: (poolMax = 10) => openStore({ kind: 'postgres', postgres: { url_env: URL_VARIABLE, pool_max: poolMax } }, '', undefined, { [URL_VARIABLE]: url.toString() }),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        // FORCE ends the sessions a failed test may have left open
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
