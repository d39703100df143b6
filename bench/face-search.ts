import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/port.ts';
import { ensureFaceIndexes, faceRepo, type FaceRepo } from '../src/store/repositories/faces.ts';

/**
 * Face search on PGlite at growing sizes: p50/p99 latency of the repository's HNSW search
 * (k = 10; also filtered by camera), recall@10 against the exact sequential scan, the rate of
 * recordTrackFace (the product's insert path, grouping included) and the HNSW build time.
 *
 * Synthetic but face-like: identities × sightings. Identity centres share a common component so
 * different people have cosine ≈ 0.44 and two sightings of one person ≈ 0.76 — the faceres
 * figures of DESIGN §4 — which makes neighbours harder to separate than uniform random vectors.
 * Bulk rows are generated inside the database: text parsing of vectors (~500 rows/s at 1024-d)
 * would make 100k rows take minutes.
 */
export interface FaceSearchBenchOptions {
  dim: number;
  sizes: number[];
  /** sightings per identity */
  sightingsPerIdentity: number;
  latencyQueries: number;
  recallQueries: number;
  insertRows: number;
  efSearch: number;
}

const MODEL = 'bench';
const CAMERAS = 8;
// spread of the common part, each centre's own part and sighting noise (uniform, scaled)
const COMMON_WEIGHT = Math.sqrt(0.44);
const OWN_WEIGHT = Math.sqrt(0.56);
const NOISE = Math.sqrt(0.316);

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const ms = (x: number): number => Number(x.toFixed(2));

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** A random vector of `dim` components uniform in ±scale/2, new for every row that references `rowRef`. */
const randomVec = (dim: number, scale: number, rowRef: string): string =>
  `(SELECT array_agg(${scale} * (random() - 0.5)) FROM generate_series(1, ${dim}) WHERE ${rowRef} IS NOT NULL)::vector`;

/** `n` more sightings of identities (created as needed), generated in SQL with pgvector's element-wise `+`. */
async function bulkLoad(store: Store, o: FaceSearchBenchOptions, from: number, n: number): Promise<void> {
  const identities = Math.ceil((from + n) / o.sightingsPerIdentity);
  await store.query(`INSERT INTO bench_centres (id, v)
    SELECT g, c.u + ${randomVec(o.dim, OWN_WEIGHT, 'g')} FROM generate_series(1, ${identities}) g, bench_common c
    WHERE g NOT IN (SELECT id FROM bench_centres)`);
  await store.query(`INSERT INTO face_identities (id, model, embedding, first_seen, last_seen)
    SELECT id, '${MODEL}', l2_normalize(v), now(), now() FROM bench_centres WHERE id NOT IN (SELECT id FROM face_identities)`);
  await store.query(`SELECT setval('face_identities_id_seq', (SELECT max(id) FROM face_identities))`);
  // sighting s belongs to identity (s mod identities) + 1
  for (let done = 0; done < n; done += 5000) {
    const lo = from + done;
    const hi = Math.min(from + n, lo + 5000);
    await store.query(`INSERT INTO face_embeddings (identity_id, camera_id, event_key, track_id, seen_at, quality, model, embedding)
      SELECT c.id, 'cam_' || (s % ${CAMERAS}), 'bench:' || s, s, now() - make_interval(secs => s), 0.5, '${MODEL}',
             l2_normalize(c.v + ${randomVec(o.dim, NOISE, 's')})
      FROM generate_series(${lo}, ${hi - 1}) s JOIN bench_centres c ON c.id = (s % ${identities}) + 1`);
  }
}

/** Query vectors: fresh sightings of random stored identities. */
async function queries(store: Store, dim: number, n: number): Promise<number[][]> {
  const { rows } = await store.query<{ q: string }>(`SELECT l2_normalize(c.v + ${randomVec(dim, NOISE, 'c.id')})::text AS q
    FROM (SELECT v, id FROM bench_centres ORDER BY random() LIMIT ${n}) c`);
  return rows.map((r) => r.q.slice(1, -1).split(',').map(Number));
}

async function measure(faces: FaceRepo, qs: number[][], o: FaceSearchBenchOptions) {
  const latency: number[] = [];
  const filtered: number[] = [];
  for (let i = 0; i < o.latencyQueries; i++) {
    const q = qs[i % qs.length]!;
    latency.push((await timed(() => faces.searchSimilar(q, { k: 10 })))[1]);
    filtered.push((await timed(() => faces.searchSimilar(q, { k: 10, cameraId: `cam_${i % CAMERAS}` })))[1]);
  }
  let hits = 0;
  const exactMs: number[] = [];
  for (const q of qs.slice(0, o.recallQueries)) {
    const approx = new Set((await faces.searchSimilar(q, { k: 10 })).map((m) => m.embedding_id));
    const [exact, took] = await timed(() => faces.searchSimilar(q, { k: 10, exact: true }));
    exactMs.push(took);
    hits += exact.filter((m) => approx.has(m.embedding_id)).length;
  }
  latency.sort((a, b) => a - b);
  filtered.sort((a, b) => a - b);
  exactMs.sort((a, b) => a - b);
  return {
    search_p50_ms: ms(pct(latency, 0.5)), search_p99_ms: ms(pct(latency, 0.99)),
    camera_filtered_p50_ms: ms(pct(filtered, 0.5)), camera_filtered_p99_ms: ms(pct(filtered, 0.99)),
    recall_at_10: Number((hits / (10 * Math.min(o.recallQueries, qs.length))).toFixed(3)),
    exact_scan_p50_ms: ms(pct(exactMs, 0.5)),
  };
}

export async function benchFaceSearch(o: FaceSearchBenchOptions): Promise<Record<string, unknown>> {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-bench-faces-'));
  const store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
  try {
    const faces = faceRepo(store, { dim: o.dim, model: MODEL, identitySimilarity: 0.6, efSearch: o.efSearch });
    await store.query(`CREATE TEMP TABLE bench_common AS SELECT ${randomVec(o.dim, COMMON_WEIGHT, '1')} AS u`);
    await store.query('CREATE TEMP TABLE bench_centres (id int PRIMARY KEY, v vector NOT NULL)');
    // the product's insert path: one transaction per track with identity grouping, index in place
    const insertQs = Array.from({ length: o.insertRows }, () => Array.from({ length: o.dim }, () => Math.random() - 0.5));
    const [, insertMs] = await timed(async () => {
      for (const [i, e] of insertQs.entries()) {
        await faces.recordTrackFace({ cameraId: 'cam_insert', trackId: i, eventKey: `insert:${i}`, seenAt: new Date(), embedding: e, quality: 0.5, bbox: null });
      }
    });
    await store.query(`DELETE FROM face_embeddings; DELETE FROM face_identities`);

    const result: Record<string, unknown> = {
      dim: o.dim, ef_search: o.efSearch, k: 10, sightings_per_identity: o.sightingsPerIdentity,
      record_track_face_per_second: Number((o.insertRows / (insertMs / 1000)).toFixed(1)),
    };
    // HNSW builds in memory when the graph fits, much faster than spilling
    await store.query(`SET maintenance_work_mem = '512MB'`);
    let loaded = 0;
    for (const size of [...o.sizes].sort((a, b) => a - b)) {
      console.error(`face search: loading ${size} ${o.dim}-d embeddings`);
      // rows go in without the index, which is then built once (incremental HNSW inserts are slow)
      await store.query(`DROP INDEX IF EXISTS face_embeddings_hnsw_${o.dim}`);
      const [, loadMs] = await timed(() => bulkLoad(store, o, loaded, size - loaded));
      loaded = size;
      const [, buildMs] = await timed(() => ensureFaceIndexes(store, o.dim));
      await store.query('ANALYZE face_embeddings');
      const qs = await queries(store, o.dim, Math.max(o.recallQueries, 50));
      console.error(`face search: measuring at ${size}`);
      result[String(size)] = {
        embeddings: size, bulk_load_s: Number((loadMs / 1000).toFixed(1)), index_build_s: Number((buildMs / 1000).toFixed(1)),
        ...(await measure(faces, qs, o)),
      };
    }
    return result;
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}
