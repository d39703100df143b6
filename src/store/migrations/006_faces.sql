-- Faces (issue 4 §5, seed §4.2.12): one best face embedding per person track, grouped into
-- identities that an operator may name.
--
-- Any embedding size. The face embedder is configuration (faces.embedder / faces.dim: faceres
-- 1024-d, face-api 128-d, ...), so the embedding columns are unconstrained `vector` with a
-- generated `dims` column. An HNSW index needs one fixed dimension, so the application creates,
-- for the configured dimension N, partial expression indexes (repositories/faces.ts,
-- ensureFaceIndexes; pgvector README "Can I store vectors with different dimensions in the same
-- column?"):
--     CREATE INDEX IF NOT EXISTS face_embeddings_hnsw_<N> ON face_embeddings
--         USING hnsw ((embedding::vector(<N>)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
--         WHERE dims = <N>;
-- and every query says `WHERE dims = <N> ... ORDER BY embedding::vector(<N>) <=> $1::vector(<N>)`,
-- which the planner matches to that index. Switching embedders needs no SQL edit: older
-- embeddings stay stored but are never compared with new ones (another model is another space;
-- the `model` column also keeps apart two models of the same size).
--
-- Names. face_embeddings keeps the seed's name and its query (`ORDER BY embedding <=> $1 LIMIT 10`)
-- still answers "faces like this one", now over every face seen (one row per person track),
-- including people nobody has named. The seed's per-person columns (person_name, first_seen,
-- last_seen, occurrence_count) describe a person, so they live on face_identities. Nothing wrote
-- face_embeddings before this migration (001 only declared it), so it is recreated, not altered.

DROP TABLE face_embeddings;

CREATE TABLE face_identities (
    id               BIGSERIAL PRIMARY KEY,
    person_name      TEXT,                           -- NULL until an operator names the person
    model            VARCHAR(64) NOT NULL,
    -- representative: the L2-normalised mean of the identity's face embeddings
    embedding        vector NOT NULL,
    dims             INTEGER GENERATED ALWAYS AS (vector_dims(embedding)) STORED,
    first_seen       TIMESTAMPTZ(3) NOT NULL,
    last_seen        TIMESTAMPTZ(3) NOT NULL,
    occurrence_count INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX face_identities_last_seen_idx ON face_identities (last_seen DESC, id DESC);

-- camera_id has no foreign key (as in events): a face seen by a camera later removed from the
-- config stays searchable. event_key is the track's natural key, the same as events.event_key:
-- it joins a face to its event and snapshot, and replays of a track never add a second row.
-- Only the embedding is kept, never the face image (seed §9.1 layer 5).
CREATE TABLE face_embeddings (
    id          BIGSERIAL PRIMARY KEY,
    identity_id BIGINT NOT NULL REFERENCES face_identities (id),
    camera_id   VARCHAR(32) NOT NULL,
    event_key   TEXT NOT NULL UNIQUE,
    track_id    BIGINT NOT NULL,
    seen_at     TIMESTAMPTZ(3) NOT NULL,
    quality     REAL NOT NULL,
    bbox        BOX,                                 -- face box, source-frame pixels
    model       VARCHAR(64) NOT NULL,
    embedding   vector NOT NULL,                     -- L2-normalised
    dims        INTEGER GENERATED ALWAYS AS (vector_dims(embedding)) STORED,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX face_embeddings_seen_idx ON face_embeddings (seen_at DESC);
CREATE INDEX face_embeddings_camera_seen_idx ON face_embeddings (camera_id, seen_at DESC);
CREATE INDEX face_embeddings_identity_idx ON face_embeddings (identity_id, quality DESC);
