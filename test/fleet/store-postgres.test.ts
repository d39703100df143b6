import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeContract } from '../../src/store/contract.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
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

  describe('the engine and its values', () => {
    let store: Store;
    beforeAll(async () => {
      store = await db.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('is PostgreSQL 16 or later with pgvector 0.8.5', async () => {
      const { rows } = await store.query<{ server: number; vector: string }>(
        `SELECT current_setting('server_version_num')::int AS server, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`);
      expect(rows[0]!.server).toBeGreaterThanOrEqual(160000);
      expect(rows[0]!.vector).toBe('0.8.5');
    });

    it('returns what PGlite returns: arrays converted element-wise, other types as text', async () => {
      const { rows } = await store.query(
        `SELECT '{1,2}'::int8[] AS ids, '{0.5,NULL}'::numeric[] AS decs, ARRAY['a b', 'c"d', NULL] AS texts, '{{1,2},{3,4}}'::int4[] AS grid,
                ARRAY['2025-01-20T10:00:00Z'::timestamptz] AS times, ARRAY['{"a":1}'::jsonb] AS docs, '{"(1,2),(3,4)"}'::box[] AS boxes,
                '1 day'::interval AS span, point(1, 2) AS pt, '[1,2,3]'::vector AS v, '2025-01-20'::date AS day, '\\x0102'::bytea AS bytes`);
      expect(rows[0]).toEqual({
        ids: [1, 2], decs: [0.5, null], texts: ['a b', 'c"d', null], grid: [[1, 2], [3, 4]],
        times: [new Date('2025-01-20T10:00:00Z')], docs: [{ a: 1 }], boxes: ['(3,4),(1,2)'],
        span: '1 day', pt: '(1,2)', v: '[1,2,3]', day: new Date('2025-01-20T00:00:00Z'), bytes: Buffer.from([1, 2]),
      });
    });

    it('throws rather than lose the digits of an int8 beyond 2^53', async () => {
      await expect(store.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/safe integer/);
    });

    it('counts the rows a statement changed', async () => {
      await store.query('CREATE TEMP TABLE counted (v int)');
      expect((await store.query('INSERT INTO counted SELECT generate_series(1, 3)')).affectedRows).toBe(3);
      expect((await store.query('UPDATE counted SET v = v + 1 WHERE v > $1', [1])).affectedRows).toBe(2);
      expect((await store.query('SELECT * FROM counted')).affectedRows).toBe(0);
    });

    it('answers a k-nearest face query from the HNSW index', async () => {
      const faces = createRepositories(store, { faces: { dim: 8, model: 'hnsw-check', identitySimilarity: 0.99, efSearch: 40 } }).faces;
      const vectors = Array.from({ length: 50 }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j)));
      for (const [i, v] of vectors.entries()) {
        await faces.recordTrackFace({ cameraId: 'cam_hnsw', trackId: i, eventKey: `cam_hnsw:${i}`, seenAt: new Date(), embedding: v, quality: 0.5, bbox: null });
      }
      const [best] = await faces.searchSimilar(vectors[17]!, { k: 3 });
      expect(best).toMatchObject({ track_id: 17 });
      expect(best!.similarity).toBeCloseTo(1, 5);
      // the plan of the query the repository sends, with sequential scans off as on a large table
      const plan = await store.transaction(async (tx) => {
        await tx.query(`SELECT set_config('enable_seqscan', 'off', true)`);
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT id FROM face_embeddings WHERE dims = 8 AND model = $2 ORDER BY embedding::vector(8) <=> $1::vector(8) LIMIT 3`,
          [`[${vectors[17]!.join(',')}]`, 'hnsw-check']);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toContain('face_embeddings_hnsw_8');
    });
  });

  describe('migrations', () => {
    let fresh: TestDatabase;
    beforeAll(async () => {
      fresh = await createTestDatabase(env.postgres.POSTGRES_URL!);
    });
    afterAll(async () => {
      await fresh?.drop();
    });

    it('apply once when several processes open a fresh database together, and again change nothing', async () => {
      const stores = await Promise.all([fresh.open(2), fresh.open(2), fresh.open(2)]);
      try {
        const schema = () => stores[0]!.query<{ objects: string }>(
          `SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) AS objects FROM pg_class
           WHERE relnamespace = 'public'::regnamespace`);
        const before = (await schema()).rows[0]!.objects;
        const { rows } = await stores[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
        expect(await migrate(stores[1]!)).toEqual([]);
        expect((await schema()).rows[0]!.objects).toBe(before);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });

  describe('connection settings', () => {
    it('names the missing variable, never a URL', async () => {
      await expect(openStore({ kind: 'postgres', postgres: { url_env: 'VIGIL_TEST_UNSET_URL' } }, '', undefined, {}))
        .rejects.toThrow('set VIGIL_TEST_UNSET_URL (or VIGIL_TEST_UNSET_URL_FILE)');
    });

    it('keeps the password out of the error of a refused login', async () => {
      const url = new URL(env.postgres.POSTGRES_URL!);
      url.password = 'wrong-secret-4711';
      const err = await openStore({ kind: 'postgres', postgres: { url_env: 'U' } }, '', undefined, { U: url.toString() }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/password authentication failed/);
      expect(err!.message).toContain('postgres://vigil:***@127.0.0.1');
      expect(JSON.stringify(err) + err!.message + String(err!.stack)).not.toContain('wrong-secret-4711');
    });
  });
});
