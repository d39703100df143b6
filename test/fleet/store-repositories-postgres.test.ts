/**
 * The repository unit tests (src/store/repositories/*.test.ts) run again, each on a fresh
 * PostgreSQL database instead of PGlite: they open their store through test/fixtures/test-store.ts,
 * whose factory is switched here before they are loaded.
 */
import { describe, expect, it } from 'vitest';
import { setTestStoreFactory } from '../fixtures/test-store.ts';
import { requireEngines } from './engines.ts';
import { createTestDatabase } from './postgres-db.ts';

const { env, missing } = requireEngines('postgres');

if (missing) {
  describe.skip('repository tests on PostgreSQL', () => {
    it('needs the fleet postgres', () => expect(missing).toBeUndefined());
  });
} else {
  const opened: string[] = [];
  setTestStoreFactory(async () => {
    const db = await createTestDatabase(env.postgres.POSTGRES_URL!);
    const store = await db.open();
    opened.push(store.kind);
    return {
      store,
      async dispose() {
        await store.close();
        await db.drop();
      },
    };
  });
  await import('../../src/store/repositories/alerts.test.ts');
  await import('../../src/store/repositories/analysis.test.ts');
  await import('../../src/store/repositories/analytics.test.ts');
  await import('../../src/store/repositories/archive.test.ts');
  await import('../../src/store/repositories/events.test.ts');
  await import('../../src/store/repositories/faces.test.ts');
  await import('../../src/store/repositories/push-subscriptions.test.ts');
  await import('../../src/store/repositories/storage.test.ts');
  // runs after the suites above (vitest runs a file's tests in the order they were declared)
  it('ran each suite on a PostgreSQL database of its own', () => {
    expect(opened).toEqual(Array.from({ length: 8 }, () => 'postgres'));
  });
}
