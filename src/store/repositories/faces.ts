import type { BBox } from '../../core/types.ts';
import type { Sql, Store } from '../port.ts';
import { boxParam, decodeCursor, encodeCursor, parseBox } from './events.ts';

/**
 * Face store (migration 006): one best embedding per person track in face_embeddings, grouped
 * into face_identities. Embeddings are searched with the per-dimension partial HNSW index that
 * `ensureFaceIndexes` creates; the dimension is an integer validated here, the only value ever
 * written into SQL text (a type modifier and an index predicate cannot be parameters).
 */

export interface FaceStoreOptions {
  /** embedding dimension of the configured embedder */
  dim: number;
  /** embedder name; embeddings of another model are never compared with these */
  model: string;
  /** cosine similarity to an identity's representative at or above which a face joins it */
  identitySimilarity: number;
  /** HNSW candidate list per query (raised to k when k is larger) */
  efSearch: number;
}

export interface TrackFaceInput {
  cameraId: string;
  trackId: number;
  /** the track's natural key (= events.event_key); a replay of the same key changes nothing */
  eventKey: string;
  seenAt: Date;
  embedding: ArrayLike<number>;
  quality: number;
  /** face box in source-frame pixels */
  bbox: BBox | null;
}

export interface RecordedFace {
  embeddingId: number;
  identityId: number;
  /** false when this track's face was already stored (replay) */
  created: boolean;
  /** true when no identity was similar enough and a new one was started */
  newIdentity: boolean;
}

export interface FaceSearchOptions {
  k: number;
  /** only faces seen by these cameras (undefined = every camera) */
  cameraIds?: readonly string[];
  from?: Date;
  to?: Date;
  /** cosine similarity floor (-1..1) */
  minSimilarity?: number;
  /** sequential scan, exact cosine: the reference for measuring the index's recall */
  exact?: boolean;
}

export interface FaceMatch {
  embedding_id: number;
  identity_id: number;
  identity_name: string | null;
  camera_id: string;
  track_id: number;
  seen_at: Date;
  quality: number;
  bbox: BBox | null;
  similarity: number;
  /** the track's event, when it exists */
  event_id: number | null;
  snapshot_path: string | null;
}

export interface FaceIdentityRow {
  id: number;
  person_name: string | null;
  first_seen: Date;
  last_seen: Date;
  occurrence_count: number;
  /** the identity's best-quality face, with its event (for a thumbnail) */
  best_embedding_id: number | null;
  best_event_id: number | null;
  best_snapshot_path: string | null;
}

export interface AuditActor {
  userId?: number | null;
  /** the actor's label, e.g. `user:alice`, `api_key:gate-gw` */
  by?: string;
  ip?: string | null;
}

export interface FaceRepo {
  readonly dim: number;
  readonly model: string;
  recordTrackFace(f: TrackFaceInput): Promise<RecordedFace>;
  /** nearest stored faces (all identities, named or not), most similar first */
  searchSimilar(embedding: ArrayLike<number>, o: FaceSearchOptions): Promise<FaceMatch[]>;
  /** faces like a stored one (itself excluded); null when the embedding id is unknown or (with sourceCameras) seen by another camera */
  similarTo(embeddingId: number, o: FaceSearchOptions, sourceCameras?: readonly string[]): Promise<FaceMatch[] | null>;
  getIdentity(id: number): Promise<FaceIdentityRow | null>;
  /**
   * most recently seen first; with cameraIds, only identities with a face seen by one of them;
   * nextCursor null on the last page; throws InvalidCursorError on a bad cursor
   */
  listIdentities(o: { limit: number; cursor?: string; named?: boolean; cameraIds?: readonly string[] }): Promise<{ items: FaceIdentityRow[]; nextCursor: string | null }>;
  /** whether an identity has a face seen by one of these cameras */
  identitySeenBy(id: number, cameraIds: readonly string[]): Promise<boolean>;
  /** names (or, with null, un-names) an identity and writes an audit_log row; null when unknown */
  nameIdentity(id: number, name: string | null, actor?: AuditActor): Promise<FaceIdentityRow | null>;
}

/** The embedding given does not have the configured dimension. */
export class FaceDimensionError extends Error {}

/** faceres (the default embedder, 1024-d); roles pass the configured values */
export const DEFAULT_FACE_STORE: FaceStoreOptions = { dim: 1024, model: 'faceres', identitySimilarity: 0.6, efSearch: 200 };

export const FACE_INDEX_PARAMS = { m: 16, ef_construction: 64 } as const;
export const MAX_FACE_K = 1000;
// pgvector's HNSW indexes `vector` up to 2,000 dimensions
const MAX_INDEXED_DIM = 2000;
// serialises grouping so two tracks of one new person cannot both start an identity
const GROUPING_LOCK_KEY = 7262006;
// serialises the creation of the HNSW indexes
const FACE_INDEX_LOCK_KEY = 7262009;

function checkDim(dim: number): number {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_INDEXED_DIM) throw new FaceDimensionError(`face embedding dimension must be an integer 1-${MAX_INDEXED_DIM} (HNSW limit), got ${dim}`);
  return dim;
}

/** Creates the HNSW indexes for embeddings of `dim` values (idempotent; fast on an empty table). */
export async function ensureFaceIndexes(store: Store, dim: number): Promise<void> {
  const n = checkDim(dim);
  await store.transaction(async (tx) => {
    // two processes creating the same index at once: IF NOT EXISTS alone lets both try, and one fails
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FACE_INDEX_LOCK_KEY]);
    for (const table of ['face_embeddings', 'face_identities']) {
      await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_hnsw_${n} ON ${table}
        USING hnsw ((embedding::vector(${n})) vector_cosine_ops) WITH (m = ${FACE_INDEX_PARAMS.m}, ef_construction = ${FACE_INDEX_PARAMS.ef_construction})
        WHERE dims = ${n}`);
    }
  });
}

/** L2-normalised copy, as text for a `vector` parameter. */
export function unitVectorText(v: ArrayLike<number>, dim: number): string {
  if (v.length !== dim) throw new FaceDimensionError(`face embedding has ${v.length} values, the configured embedder gives ${dim}`);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (!Number.isFinite(norm) || norm === 0) throw new FaceDimensionError('face embedding is zero or not finite');
  return `[${Array.from(v, (x) => x / norm).join(',')}]`;
}

const parseVector = (text: string): number[] => text.slice(1, -1).split(',').map(Number);

type DbMatch = Omit<FaceMatch, 'bbox'> & { bbox: string | null };
type DbIdentity = FaceIdentityRow;

const IDENTITY_COLUMNS = `i.id, i.person_name, i.first_seen, i.last_seen, i.occurrence_count,
  b.id AS best_embedding_id, b.event_id AS best_event_id, b.snapshot_path AS best_snapshot_path`;
// the event of a face's track (events may hold a key in two partitions briefly: take the first)
const EVENT_OF = (face: string) => `LEFT JOIN LATERAL (SELECT ev.id, ev.snapshot_path FROM events ev
  WHERE ev.event_key = ${face}.event_key ORDER BY ev.start_time LIMIT 1) e ON true`;
const BEST_FACE = `LEFT JOIN LATERAL (SELECT f.id, e.id AS event_id, e.snapshot_path FROM face_embeddings f ${EVENT_OF('f')}
  WHERE f.identity_id = i.id ORDER BY f.quality DESC, f.id LIMIT 1) b ON true`;

// an identity is visible to a camera-scoped caller through the faces those cameras saw
const seenBy = (ref: string) => `EXISTS (SELECT 1 FROM face_embeddings s WHERE s.identity_id = i.id AND s.camera_id = ANY(${ref}::text[]))`;

export function faceRepo(store: Store, opts: FaceStoreOptions): FaceRepo {
  const dim = checkDim(opts.dim);
  const { model } = opts;
  // `dims = ${dim}` must be a literal for the planner to match the partial index
  const vec = `vector(${dim})`;
  let indexes: Promise<void> | undefined;
  const ready = (): Promise<void> => (indexes ??= ensureFaceIndexes(store, dim).catch((e: unknown) => {
    indexes = undefined;
    throw e;
  }));

  async function nearestIdentity(tx: Sql, embedding: string): Promise<{ id: number; similarity: number } | undefined> {
    await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(opts.efSearch)]);
    const { rows } = await tx.query<{ id: number; similarity: number }>(
      `SELECT id, 1 - (embedding::${vec} <=> $1::${vec}) AS similarity FROM face_identities
       WHERE dims = ${dim} AND model = $2 ORDER BY embedding::${vec} <=> $1::${vec} LIMIT 1`,
      [embedding, model],
    );
    return rows[0];
  }

  async function joinIdentity(tx: Sql, id: number, embedding: string, seenAt: Date): Promise<void> {
    const { rows } = await tx.query<{ embedding: string; occurrence_count: number }>(
      'SELECT embedding::text AS embedding, occurrence_count FROM face_identities WHERE id = $1 FOR UPDATE', [id],
    );
    const old = rows[0]!;
    // running mean of unit vectors (weighted by the faces already in it), normalised again
    const added = parseVector(embedding);
    const mean = parseVector(old.embedding).map((x, i) => x * old.occurrence_count + added[i]!);
    await tx.query(
      `UPDATE face_identities SET embedding = $2::vector, occurrence_count = occurrence_count + 1,
         first_seen = LEAST(first_seen, $3), last_seen = GREATEST(last_seen, $3), updated_at = now()
       WHERE id = $1`,
      [id, unitVectorText(mean, dim), seenAt],
    );
  }

  async function record(tx: Sql, f: TrackFaceInput): Promise<RecordedFace> {
    const embedding = unitVectorText(f.embedding, dim);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [GROUPING_LOCK_KEY]);
    const seen = await tx.query<{ id: number; identity_id: number }>('SELECT id, identity_id FROM face_embeddings WHERE event_key = $1', [f.eventKey]);
    if (seen.rows[0]) return { embeddingId: seen.rows[0].id, identityId: seen.rows[0].identity_id, created: false, newIdentity: false };

    const near = await nearestIdentity(tx, embedding);
    let identityId: number;
    if (near && near.similarity >= opts.identitySimilarity) {
      identityId = near.id;
      await joinIdentity(tx, identityId, embedding, f.seenAt);
    } else {
      const { rows } = await tx.query<{ id: number }>(
        'INSERT INTO face_identities (model, embedding, first_seen, last_seen) VALUES ($1, $2::vector, $3, $3) RETURNING id',
        [model, embedding, f.seenAt],
      );
      identityId = rows[0]!.id;
    }
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO face_embeddings (identity_id, camera_id, event_key, track_id, seen_at, quality, bbox, model, embedding)
       VALUES ($1, $2, $3, $4, $5, $6, $7::box, $8, $9::vector) RETURNING id`,
      [identityId, f.cameraId, f.eventKey, f.trackId, f.seenAt, f.quality, boxParam(f.bbox), model, embedding],
    );
    return { embeddingId: rows[0]!.id, identityId, created: true, newIdentity: identityId !== near?.id };
  }

  async function search(embedding: string, o: FaceSearchOptions, excludeId?: number): Promise<FaceMatch[]> {
    const k = Math.min(Math.max(Math.trunc(o.k) || 1, 1), MAX_FACE_K);
    const params: unknown[] = [embedding, model];
    const where = [`dims = ${dim}`, 'model = $2'];
    const add = (fragment: (ref: string) => string, value: unknown) => where.push(fragment(`$${params.push(value)}`));
    if (o.cameraIds !== undefined) add((r) => `camera_id = ANY(${r}::text[])`, o.cameraIds);
    if (o.from !== undefined) add((r) => `seen_at >= ${r}`, o.from);
    if (o.to !== undefined) add((r) => `seen_at < ${r}`, o.to);
    if (excludeId !== undefined) add((r) => `id <> ${r}`, excludeId);
    const limitRef = `$${params.push(k)}`;
    const floorRef = `$${params.push(o.minSimilarity ?? -1)}`;
    // the inner query is the plain ORDER BY distance LIMIT k that the HNSW index answers; the
    // similarity floor is applied after it, so a floor never turns into a slow filtered scan
    const sqlText = `SELECT n.id AS embedding_id, n.identity_id, i.person_name AS identity_name, n.camera_id, n.track_id, n.seen_at,
         n.quality, n.bbox::text AS bbox, 1 - n.distance AS similarity, e.id AS event_id, e.snapshot_path
       FROM (SELECT id, identity_id, camera_id, event_key, track_id, seen_at, quality, bbox, embedding::${vec} <=> $1::${vec} AS distance
             FROM face_embeddings WHERE ${where.join(' AND ')}
             ORDER BY embedding::${vec} <=> $1::${vec} LIMIT ${limitRef}) n
       JOIN face_identities i ON i.id = n.identity_id
       ${EVENT_OF('n')}
       WHERE 1 - n.distance >= ${floorRef}
       ORDER BY n.distance, n.id`;
    const rows = await store.transaction(async (tx) => {
      if (o.exact) {
        await tx.query(`SELECT set_config('enable_indexscan', 'off', true)`);
      } else {
        await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(Math.max(opts.efSearch, k))]);
        // with filters, keep walking the graph until k rows pass them (pgvector 0.8 iterative scan)
        await tx.query(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
      }
      return (await tx.query<DbMatch>(sqlText, params)).rows;
    });
    return rows.map((r) => ({ ...r, bbox: parseBox(r.bbox) }));
  }

  async function getIdentityIn(sql: Sql, id: number): Promise<FaceIdentityRow | null> {
    const { rows } = await sql.query<DbIdentity>(`SELECT ${IDENTITY_COLUMNS} FROM face_identities i ${BEST_FACE} WHERE i.id = $1`, [id]);
    return rows[0] ?? null;
  }

  return {
    dim,
    model,

    async recordTrackFace(f) {
      await ready();
      return store.transaction((tx) => record(tx, f));
    },

    async searchSimilar(embedding, o) {
      await ready();
      return search(unitVectorText(embedding, dim), o);
    },

    async similarTo(embeddingId, o, sourceCameras) {
      await ready();
      const { rows } = await store.query<{ embedding: string; dims: number; model: string; camera_id: string }>(
        'SELECT embedding::text AS embedding, dims, model, camera_id FROM face_embeddings WHERE id = $1', [embeddingId],
      );
      const found = rows[0];
      if (!found || (sourceCameras && !sourceCameras.includes(found.camera_id))) return null;
      if (found.dims !== dim || found.model !== model) throw new FaceDimensionError(`face ${embeddingId} was embedded by ${found.model} (${found.dims}-d); the configured embedder is ${model} (${dim}-d)`);
      return search(found.embedding, o, embeddingId);
    },

    getIdentity: (id) => getIdentityIn(store, id),

    async identitySeenBy(id, cameraIds) {
      const { rows } = await store.query<{ seen: boolean }>(`SELECT ${seenBy('$2')} AS seen FROM face_identities i WHERE i.id = $1`, [id, cameraIds]);
      return rows[0]?.seen ?? false;
    },

    async listIdentities(o) {
      const params: unknown[] = [];
      const where: string[] = [];
      if (o.cursor !== undefined) {
        const c = decodeCursor(o.cursor);
        where.push(`(i.last_seen, i.id) < ($${params.push(c.startTime)}, $${params.push(c.id)})`);
      }
      if (o.named !== undefined) where.push(o.named ? 'i.person_name IS NOT NULL' : 'i.person_name IS NULL');
      if (o.cameraIds !== undefined) where.push(seenBy(`$${params.push(o.cameraIds)}`));
      const limit = Math.min(Math.max(Math.trunc(o.limit) || 1, 1), MAX_FACE_K);
      const { rows } = await store.query<DbIdentity>(
        `SELECT ${IDENTITY_COLUMNS} FROM face_identities i ${BEST_FACE}
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY i.last_seen DESC, i.id DESC LIMIT $${params.push(limit + 1)}`,
        params,
      );
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.last_seen, last.id) : null };
    },

    nameIdentity: (id, name, actor = {}) => store.transaction(async (tx) => {
      const { rows } = await tx.query<{ old: string | null }>(
        `UPDATE face_identities i SET person_name = $2, updated_at = now()
         FROM (SELECT person_name AS old FROM face_identities WHERE id = $1 FOR UPDATE) prev
         WHERE i.id = $1 RETURNING prev.old`,
        [id, name],
      );
      if (!rows[0]) return null;
      await tx.query(
        `INSERT INTO audit_log (user_id, action, resource, details, ip_address) VALUES ($1, 'face_identity.name', $2, $3::jsonb, $4::inet)`,
        [actor.userId ?? null, `face_identities/${id}`, JSON.stringify({ by: actor.by ?? null, from: rows[0].old, to: name }), actor.ip ?? null],
      );
      return getIdentityIn(tx, id);
    }),
  };
}
