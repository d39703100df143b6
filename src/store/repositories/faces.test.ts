import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import type { Store } from '../port.ts';
import { FaceDimensionError, faceRepo, type FaceRepo, type TrackFaceInput } from './faces.ts';
import { createRepositories } from './index.ts';
import { InvalidCursorError } from './types.ts';

const DIM = 16;
const t = (s: string): Date => new Date(`2025-01-20T${s}Z`);

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const randomVector = (): number[] => Array.from({ length: DIM }, () => rand() - 0.5);
const near = (v: number[], noise = 0.02): number[] => v.map((x) => x + (rand() - 0.5) * noise);

describe('face repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let faces: FaceRepo;
  let key = 0;
  const face = (embedding: number[], o: Partial<TrackFaceInput> = {}): TrackFaceInput => ({
    cameraId: 'cam_a', trackId: ++key, eventKey: `cam_a:${key}`, seenAt: t('10:00:00'), embedding, quality: 0.8, bbox: [10, 20, 30, 44], ...o,
  });

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('faces-repo'));
    faces = faceRepo(store, { dim: DIM, model: 'test', identitySimilarity: 0.9, efSearch: 40 });
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('stores one face per track: a replay returns the first row and adds nothing', async () => {
    const f = face(randomVector());
    const first = await faces.recordTrackFace(f);
    expect(first).toMatchObject({ created: true, newIdentity: true });
    const replay = await faces.recordTrackFace({ ...f, embedding: randomVector(), quality: 0.99 });
    expect(replay).toEqual({ embeddingId: first.embeddingId, identityId: first.identityId, created: false, newIdentity: false });
    const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM face_embeddings WHERE event_key = $1', [f.eventKey]);
    expect(rows[0]!.n).toBe(1);
    expect((await faces.getIdentity(first.identityId))?.occurrence_count).toBe(1);
  });

  it('creates the HNSW index of the configured dimension on first use', async () => {
    const { rows } = await store.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING hnsw%'`);
    const byName = new Map(rows.map((r) => [r.indexname, r.indexdef]));
    for (const name of [`face_embeddings_hnsw_${DIM}`, `face_identities_hnsw_${DIM}`]) {
      expect(byName.get(name)).toMatch(/vector_cosine_ops.*m='?16'?.*ef_construction='?64'?.*WHERE \(dims = 16\)/s);
    }
  });

  it('groups faces of one person into an identity and starts a new one for someone else', async () => {
    const alice = randomVector();
    const a1 = await faces.recordTrackFace(face(near(alice), { seenAt: t('10:05:00') }));
    const a2 = await faces.recordTrackFace(face(near(alice), { seenAt: t('10:01:00'), cameraId: 'cam_b' }));
    const a3 = await faces.recordTrackFace(face(near(alice), { seenAt: t('10:09:00') }));
    const bob = await faces.recordTrackFace(face(randomVector()));
    expect(a1.newIdentity).toBe(true);
    expect([a2, a3].map((r) => [r.identityId, r.newIdentity])).toEqual([[a1.identityId, false], [a1.identityId, false]]);
    expect(bob.newIdentity).toBe(true);
    expect(bob.identityId).not.toBe(a1.identityId);
    expect(await faces.getIdentity(a1.identityId)).toMatchObject({ occurrence_count: 3, first_seen: t('10:01:00'), last_seen: t('10:09:00'), person_name: null });
  });

  it('names an identity, records it in audit_log, and search results carry the name', async () => {
    const carol = randomVector();
    const c = await faces.recordTrackFace(face(near(carol)));
    const named = await faces.nameIdentity(c.identityId, 'Carol', { ip: '127.0.0.1', by: 'user:alice' });
    expect(named).toMatchObject({ id: c.identityId, person_name: 'Carol', best_embedding_id: c.embeddingId });
    const audit = await store.query<{ action: string; details: unknown; ip: string }>(
      `SELECT action, details, host(ip_address) AS ip FROM audit_log WHERE resource = $1`, [`face_identities/${c.identityId}`],
    );
    expect(audit.rows).toEqual([{ action: 'face_identity.name', details: { by: 'user:alice', from: null, to: 'Carol' }, ip: '127.0.0.1' }]);
    expect(await faces.nameIdentity(999_999, 'Nobody')).toBeNull();

    const [top] = await faces.searchSimilar(near(carol), { k: 1 });
    expect(top).toMatchObject({ embedding_id: c.embeddingId, identity_id: c.identityId, identity_name: 'Carol', camera_id: 'cam_a', bbox: [10, 20, 30, 44] });
    expect(top!.similarity).toBeGreaterThan(0.99);
  });

  it('searches unknown faces with camera, time and similarity filters', async () => {
    const dave = randomVector();
    const seen = [
      await faces.recordTrackFace(face(near(dave), { cameraId: 'cam_x', seenAt: t('11:00:00') })),
      await faces.recordTrackFace(face(near(dave), { cameraId: 'cam_y', seenAt: t('11:10:00') })),
      await faces.recordTrackFace(face(near(dave), { cameraId: 'cam_x', seenAt: t('11:20:00') })),
    ].map((r) => r.embeddingId);
    const ids = async (o: Parameters<FaceRepo['searchSimilar']>[1]) => (await faces.searchSimilar(dave, o)).map((m) => m.embedding_id);

    expect((await ids({ k: 3 })).sort()).toEqual([...seen].sort());
    expect((await ids({ k: 10, cameraIds: ['cam_x'] })).sort()).toEqual([seen[0], seen[2]].sort());
    expect(await ids({ k: 10, cameraIds: ['cam_x'], from: t('11:05:00') })).toEqual([seen[2]]);
    expect(await ids({ k: 10, from: t('11:05:00'), to: t('11:15:00') })).toEqual([seen[1]]);
    expect((await ids({ k: 10, minSimilarity: 0.95 })).sort()).toEqual([...seen].sort());
    const all = await faces.searchSimilar(dave, { k: 50 });
    expect(all.length).toBeGreaterThan(3);
    expect(all.map((m) => m.similarity)).toEqual([...all.map((m) => m.similarity)].sort((a, b) => b - a));
  });

  it('finds faces like a stored one, itself excluded; unknown id → null', async () => {
    const erin = randomVector();
    const e1 = await faces.recordTrackFace(face(near(erin)));
    const e2 = await faces.recordTrackFace(face(near(erin)));
    const similar = await faces.similarTo(e1.embeddingId, { k: 5 });
    expect(similar?.[0]?.embedding_id).toBe(e2.embeddingId);
    expect(similar?.some((m) => m.embedding_id === e1.embeddingId)).toBe(false);
    expect(await faces.similarTo(999_999, { k: 5 })).toBeNull();
  });

  it('links a face to its event and snapshot through the track key', async () => {
    const f = face(randomVector());
    const eventId = await createRepositories(store).events.upsert({
      eventKey: f.eventKey, cameraId: f.cameraId, eventType: 'detection', label: 'person', confidence: 0.9, bbox: null,
      snapshotPath: 'cam_a/snap.jpg', startTime: t('09:59:00'), endTime: null,
    });
    const { embeddingId } = await faces.recordTrackFace(f);
    const [top] = await faces.searchSimilar(f.embedding as number[], { k: 1 });
    expect(top).toMatchObject({ event_id: eventId, snapshot_path: 'cam_a/snap.jpg' });
    // the event names its face: "find this face" starts from an event
    expect((await createRepositories(store).events.get(eventId))?.face_embedding_id).toBe(embeddingId);
  });

  it('refuses embeddings of another dimension with a named error', async () => {
    await expect(faces.recordTrackFace(face([1, 2, 3]))).rejects.toThrow(FaceDimensionError);
    await expect(faces.searchSimilar(new Array(DIM).fill(0), { k: 1 })).rejects.toThrow(/zero/);
    expect(() => faceRepo(store, { dim: 4096, model: 'x', identitySimilarity: 0.5, efSearch: 40 })).toThrow(/1-2000/);
  });

  it('lists identities newest first, by page, named or not', async () => {
    const page1 = await faces.listIdentities({ limit: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await faces.listIdentities({ limit: 1000, cursor: page1.nextCursor! });
    const all = [...page1.items, ...page2.items];
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    const lastSeen = all.map((i) => i.last_seen.getTime());
    expect(lastSeen).toEqual([...lastSeen].sort((a, b) => b - a));
    expect((await faces.listIdentities({ limit: 100, named: true })).items.map((i) => i.person_name)).toEqual(['Carol']);
    await expect(faces.listIdentities({ limit: 1, cursor: 'nope!' })).rejects.toThrow(InvalidCursorError);
  });

  it('HNSW answers agree with the exact scan on a clustered set', async () => {
    const other = faceRepo(store, { dim: DIM, model: 'recall-test', identitySimilarity: 0.9, efSearch: 40 });
    const centers = Array.from({ length: 30 }, randomVector);
    for (let i = 0; i < 300; i++) await other.recordTrackFace(face(near(centers[i % 30]!, 0.3), { cameraId: 'cam_r' }));
    let hits = 0;
    for (const c of centers.slice(0, 10)) {
      const q = near(c, 0.3);
      const approx = new Set((await other.searchSimilar(q, { k: 10 })).map((m) => m.embedding_id));
      const exact = await other.searchSimilar(q, { k: 10, exact: true });
      hits += exact.filter((m) => approx.has(m.embedding_id)).length;
    }
    expect(hits / 100).toBeGreaterThanOrEqual(0.9);
    // the other model's faces never show up in this model's results
    const mine = await faces.searchSimilar(centers[0]!, { k: 50 });
    expect(mine.some((m) => m.camera_id === 'cam_r')).toBe(false);
  }, 60_000);
});
