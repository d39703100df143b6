import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/port.ts';
import { ensureFaceIndexes, FACE_INDEX_PARAMS, faceRepo, type FaceMatch, type FaceRepo } from '../src/store/repositories/faces.ts';

/**
 * Face search on PGlite at growing sizes, one HNSW build per size and a sweep of `ef_search` on
 * it: p50/p99 latency of the repository's search (k = 10; also filtered by camera) and recall@10
 * against the exact sequential scan (same filter), plus the rate of recordTrackFace (the
 * product's insert path, grouping included) and the HNSW build time.
 *
 * Synthetic but face-like: identities × sightings. A sighting is common part + identity part +
 * sighting noise, with variance shares 0.44 / 0.32 / 0.24, so two sightings of one person have
 * cosine ≈ 0.76 and of different people ≈ 0.44 — the faceres figures of DESIGN §4 (measured
 * and reported as `synthetic`). Identity parts vary in a few latent directions, as real faces
 * do (age, sex, pose-independent shape...): faceres gives different people cosines with a
 * standard deviation of 0.075 (168 pairs of scripts/fetch-face-pairs.sh), isotropic 1024-d
 * parts only 0.023 — a worst case with no look-alikes to steer the graph search. Identity
 * centres are made here; sightings are generated inside the database: text parsing of vectors
 * (~500 rows/s at 1024-d) would make 100k rows take minutes.
 */
export interface FaceSearchBenchOptions {
  dim: number;
  sizes: number[];
  /** sightings per identity */
  sightingsPerIdentity: number;
  latencyQueries: number;
  recallQueries: number;
  insertRows: number;
  /** HNSW candidate-list sizes measured on each build */
  efSearch: number[];
}

const MODEL = 'bench';
const CAMERAS = 8;
const K = 10;
// scale of the common part, each identity's own part and sighting noise: their variance shares
// give cosine 0.44 + 0.32 = 0.76 between sightings of one person, 0.44 between people
const COMMON_WEIGHT = Math.sqrt(0.44);
const OWN_WEIGHT = Math.sqrt(0.32);
const NOISE = Math.sqrt(0.24);
// latent directions of identity parts: cosine sd ≈ 1/sqrt(L), × 0.32 → 0.075 for faceres' spread
const IDENTITY_LATENT_DIMS = 18;

/** Standard normal (Box-Muller). */
const gauss = (): number => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());

/** Identity parts: random combinations of a few fixed directions, component variance as `randomVec` at OWN_WEIGHT. */
function identityParts(dim: number): () => number[] {
  const scale = OWN_WEIGHT / Math.sqrt(12 * IDENTITY_LATENT_DIMS);
  const directions = Array.from({ length: IDENTITY_LATENT_DIMS }, () => Array.from({ length: dim }, gauss));
  return () => {
    const z = directions.map(() => gauss() * scale);
    return Array.from({ length: dim }, (_, j) => directions.reduce((sum, d, l) => sum + d[j]! * z[l]!, 0));
  };
}

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
async function bulkLoad(store: Store, o: FaceSearchBenchOptions, identityPart: () => number[], from: number, n: number): Promise<void> {
  const identities = Math.ceil((from + n) / o.sightingsPerIdentity);
  const existing = Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_centres')).rows[0]!.n);
  for (let lo = existing + 1; lo <= identities; lo += 500) {
    const ids = Array.from({ length: Math.min(500, identities - lo + 1) }, (_, i) => lo + i);
    await store.query(`INSERT INTO bench_centres (id, v) SELECT g.id, c.u + g.v::vector FROM unnest($1::int[], $2::text[]) g(id, v), bench_common c`,
      [ids, ids.map(() => `[${identityPart().join(',')}]`)]);
  }
  await store.query(`INSERT INTO face_identities (id, model, embedding, first_seen, last_seen)
    SELECT id, '${MODEL}', l2_normalize(v), now(), now() FROM bench_centres WHERE id NOT IN (SELECT id FROM face_identities)`);
  await store.query(`SELECT setval('face_identities_id_seq', (SELECT max(id) FROM face_identities))`);
  // sighting s belongs to identity (s mod identities) + 1, seen by any camera
  for (let done = 0; done < n; done += 5000) {
    const lo = from + done;
    const hi = Math.min(from + n, lo + 5000);
    await store.query(`INSERT INTO face_embeddings (identity_id, camera_id, event_key, track_id, seen_at, quality, model, embedding)
      SELECT c.id, 'cam_' || floor(random() * ${CAMERAS}), 'bench:' || s, s, now() - make_interval(secs => s), 0.5, '${MODEL}',
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

/** Mean and standard deviation of the cosine between sightings of one person and of different people. */
async function clustering(store: Store, dim: number): Promise<Record<string, number>> {
  const stats = async (pairs: string) => (await store.query<{ mean: number; sd: number }>(
    `SELECT avg(1 - (a.embedding::vector(${dim}) <=> b.embedding::vector(${dim}))) AS mean,
            stddev(1 - (a.embedding::vector(${dim}) <=> b.embedding::vector(${dim}))) AS sd FROM ${pairs}`)).rows[0]!;
  const sample = '(SELECT * FROM face_embeddings ORDER BY id LIMIT 2000)';
  const same = await stats(`${sample} a JOIN ${sample} b ON a.identity_id = b.identity_id AND a.id < b.id`);
  const diff = await stats(`${sample} a JOIN ${sample} b ON b.id = a.id + 1 AND a.identity_id <> b.identity_id`);
  const r3 = (x: number) => Number(Number(x).toFixed(3));
  return { same_person_cosine: r3(same.mean), same_person_cosine_sd: r3(same.sd), different_people_cosine: r3(diff.mean), different_people_cosine_sd: r3(diff.sd) };
}

/**
 * Share of the true k nearest found. A found face counts when it is at least as similar as the
 * exact k-th (so a tie at the k-th place, answered with another face, is no miss).
 */
function recall(found: FaceMatch[], exact: FaceMatch[]): { hits: number; wanted: number } {
  const wanted = Math.min(K, exact.length);
  if (wanted === 0) return { hits: 0, wanted: 0 };
  const kth = exact[wanted - 1]!.similarity - 1e-6;
  return { hits: Math.min(wanted, found.filter((m) => m.similarity >= kth).length), wanted };
}

const stats = (latency: number[], hits: number, wanted: number) => {
  const sorted = [...latency].sort((a, b) => a - b);
  return { p50_ms: ms(pct(sorted, 0.5)), p99_ms: ms(pct(sorted, 0.99)), recall_at_10: Number((hits / wanted).toFixed(3)) };
};

interface Query { q: number[]; cameraId: string; exact: FaceMatch[]; exactOnCamera: FaceMatch[] }

/** Latency and recall of the HNSW search at one ef_search, unfiltered and filtered by camera. */
async function measure(faces: FaceRepo, qs: Query[], latencyQueries: number) {
  const all = { latency: [] as number[], hits: 0, wanted: 0 };
  const cam = { latency: [] as number[], hits: 0, wanted: 0 };
  for (let i = 0; i < Math.max(latencyQueries, qs.length); i++) {
    const { q, cameraId, exact, exactOnCamera } = qs[i % qs.length]!;
    const [found, took] = await timed(() => faces.searchSimilar(q, { k: K }));
    const [foundOnCamera, tookOnCamera] = await timed(() => faces.searchSimilar(q, { k: K, cameraIds: [cameraId] }));
    all.latency.push(took);
    cam.latency.push(tookOnCamera);
    if (i >= qs.length) continue;
    const r = recall(found, exact);
    const rc = recall(foundOnCamera, exactOnCamera);
    all.hits += r.hits; all.wanted += r.wanted;
    cam.hits += rc.hits; cam.wanted += rc.wanted;
  }
  return { ...stats(all.latency, all.hits, all.wanted), camera_filtered: stats(cam.latency, cam.hits, cam.wanted) };
}

export async function benchFaceSearch(o: FaceSearchBenchOptions): Promise<Record<string, unknown>> {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-bench-faces-'));
  const store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
  try {
    const repo = (efSearch: number) => faceRepo(store, { dim: o.dim, model: MODEL, identitySimilarity: 0.6, efSearch });
    const faces = repo(o.efSearch[0]!);
    const identityPart = identityParts(o.dim);
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
      dim: o.dim, k: K, index: FACE_INDEX_PARAMS, sightings_per_identity: o.sightingsPerIdentity, cameras: CAMERAS,
      recall_queries: o.recallQueries, latency_queries: o.latencyQueries,
      record_track_face_per_second: Number((o.insertRows / (insertMs / 1000)).toFixed(1)),
    };
    // HNSW builds in memory when the graph fits, much faster than spilling
    await store.query(`SET maintenance_work_mem = '512MB'`);
    let loaded = 0;
    for (const size of [...o.sizes].sort((a, b) => a - b)) {
      console.error(`face search: loading ${size} ${o.dim}-d embeddings`);
      // rows go in without the index, which is then built once (incremental HNSW inserts are slow)
      await store.query(`DROP INDEX IF EXISTS face_embeddings_hnsw_${o.dim}`);
      const [, loadMs] = await timed(() => bulkLoad(store, o, identityPart, loaded, size - loaded));
      loaded = size;
      console.error(`face search: building the index at ${size}`);
      const [, buildMs] = await timed(() => ensureFaceIndexes(store, o.dim));
      await store.query('ANALYZE face_embeddings');
      console.error(`face search: exact answers at ${size}`);
      const exactMs: number[] = [];
      const qs: Query[] = [];
      for (const [i, q] of (await queries(store, o.dim, o.recallQueries)).entries()) {
        const cameraId = `cam_${i % CAMERAS}`;
        const [exact, took] = await timed(() => faces.searchSimilar(q, { k: K, exact: true }));
        exactMs.push(took);
        qs.push({ q, cameraId, exact, exactOnCamera: await faces.searchSimilar(q, { k: K, cameraIds: [cameraId], exact: true }) });
      }
      const sweep: Record<string, unknown> = {};
      for (const ef of o.efSearch) {
        console.error(`face search: measuring at ${size}, ef_search ${ef}`);
        sweep[String(ef)] = await measure(repo(ef), qs, o.latencyQueries);
      }
      result[String(size)] = {
        embeddings: size, bulk_load_s: Number((loadMs / 1000).toFixed(1)), index_build_s: Number((buildMs / 1000).toFixed(1)),
        synthetic: await clustering(store, o.dim),
        exact_scan_p50_ms: ms(pct(exactMs.sort((a, b) => a - b), 0.5)),
        ef_search: sweep,
      };
    }
    return result;
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}
