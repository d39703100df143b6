import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeContract } from '../../src/store/contract.ts';
import { requireEngines } from './engines.ts';
import { createTestDatabase, type TestDatabase } from './postgres-db.ts';

const { env, missing } = requireEngines('postgres');

describe.skipIf(!!missing)('store port on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(env.postgres.POSTGRES_URL!);
  });
  afterAll(async () => {
    await db?.drop();
  });

  storeContract('postgres', () => db.open());

  it('is PostgreSQL 16 with pgvector', async () => {
    const store = await db.open();
    try {
      const { rows } = await store.query<{ server: number; vector: string }>(
        `SELECT current_setting('server_version_num')::int AS server, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`);
      expect(rows[0]!.server).toBeGreaterThanOrEqual(160000);
      expect(rows[0]!.vector).toBe('0.8.5');
    } finally {
      await store.close();
    }
  });
});
