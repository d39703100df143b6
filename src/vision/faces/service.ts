/**
 * Face search and naming as use cases: each takes the caller, and a caller scoped to some cameras
 * only finds faces those cameras saw and only sees (and names) identities they saw.
 */
import { callerLabel, visibleCameras, type Caller } from '../../core/actor.ts';
import { conflict, invalid, notFound, unavailable, UseCaseError } from '../../core/errors.ts';
import { FaceDimensionError, type FaceIdentityRow, type FaceMatch, type FaceRepo, type FaceSearchOptions } from '../../store/repositories/faces.ts';
import { BadImageError, NoFaceError, type FaceEmbedder } from './types.ts';

export interface FaceServiceDeps {
  faces: FaceRepo;
  /** the face embedder, started on first use; absent when face analysis is off (searching by photo is then unavailable) */
  faceEmbedder?: () => Promise<FaceEmbedder>;
}

export interface FaceFilters {
  k: number;
  camera?: string;
  from?: Date;
  to?: Date;
  min_similarity?: number;
}

const snapshotUrl = (eventId: number | null, path: string | null): string | null => (eventId !== null && path ? `/api/v1/events/${eventId}/snapshot` : null);

export function publicMatch(m: FaceMatch) {
  return {
    similarity: Number(m.similarity.toFixed(4)),
    embedding_id: m.embedding_id,
    identity_id: m.identity_id,
    identity_name: m.identity_name,
    camera_id: m.camera_id,
    track_id: m.track_id,
    seen_at: m.seen_at,
    quality: m.quality,
    bbox: m.bbox,
    event_id: m.event_id,
    snapshot_url: snapshotUrl(m.event_id, m.snapshot_path),
  };
}

export function publicIdentity(i: FaceIdentityRow) {
  return {
    id: i.id, name: i.person_name, first_seen: i.first_seen, last_seen: i.last_seen, occurrence_count: i.occurrence_count,
    best_embedding_id: i.best_embedding_id, snapshot_url: snapshotUrl(i.best_event_id, i.best_snapshot_path),
  };
}

export type FaceService = ReturnType<typeof faceService>;

export function faceService(deps: FaceServiceDeps) {
  const { faces } = deps;
  /** the repository's options, or null when the caller may see none of the cameras asked for */
  const options = (caller: Caller, f: FaceFilters): FaceSearchOptions | null => {
    const cameraIds = visibleCameras(caller, f.camera);
    if (cameraIds?.length === 0) return null;
    return { k: f.k, cameraIds, from: f.from, to: f.to, minSimilarity: f.min_similarity };
  };
  const identityVisible = async (caller: Caller, id: number): Promise<boolean> =>
    caller.cameras === null || faces.identitySeenBy(id, caller.cameras);

  return {
    /** the stored faces most like the face in `image` (a JPEG or PNG already checked to be one) */
    async search(caller: Caller, image: Uint8Array, f: FaceFilters) {
      if (!deps.faceEmbedder) throw unavailable('face analysis is off (faces.enabled: false): searching by photo needs the face embedder');
      const embedder = await deps.faceEmbedder().catch((err: unknown) => {
        throw unavailable(`the face embedder cannot start: ${(err as Error).message}`);
      });
      let face;
      try {
        face = await embedder.embedImage(image);
      } catch (err) {
        if (err instanceof BadImageError) throw invalid(err.message);
        if (err instanceof NoFaceError) throw new UseCaseError('unprocessable', err.message, 'no_face');
        if (/queue full/.test((err as Error).message)) throw unavailable(`${(err as Error).message}; retry shortly`);
        throw err;
      }
      const o = options(caller, f);
      const matches = o ? await faces.searchSimilar(face.embedding, o) : [];
      return { query_face: { box: face.box, quality: face.quality.score }, matches: matches.map(publicMatch) };
    },

    /** faces like a stored one the caller may see (itself excluded) */
    async similarTo(caller: Caller, embeddingId: number, f: FaceFilters) {
      const o = options(caller, f);
      const matches = await faces.similarTo(embeddingId, o ?? { k: f.k, cameraIds: [] }, caller.cameras ?? undefined).catch((err: unknown) => {
        throw err instanceof FaceDimensionError ? conflict(err.message, 'other_embedder') : err;
      });
      if (!matches) throw notFound(`no face with embedding id ${embeddingId}`);
      return { embedding_id: embeddingId, matches: o ? matches.map(publicMatch) : [] };
    },

    async identities(caller: Caller, q: { limit: number; cursor?: string; named?: boolean }) {
      const page = await faces.listIdentities({ ...q, cameraIds: caller.cameras ?? undefined });
      return { items: page.items.map(publicIdentity), next_cursor: page.nextCursor };
    },

    /** names (null: un-names) an identity the caller may see; audited with the caller */
    async nameIdentity(caller: Caller & { ip?: string }, id: number, name: string | null) {
      const identity = (await identityVisible(caller, id))
        ? await faces.nameIdentity(id, name, { userId: caller.kind === 'user' ? caller.id : null, ip: caller.ip ?? null, by: callerLabel(caller) })
        : null;
      if (!identity) throw notFound(`no face identity with id ${id}`);
      return publicIdentity(identity);
    },
  };
}
