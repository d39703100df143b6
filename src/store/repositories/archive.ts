import type { Store } from '../port.ts';
import type { SegmentRow } from './types.ts';

/** A durable sync cursor: the last recording_segments row whose archive copy was confirmed. */
export interface ArchiveCursor {
  stream: string;
  last_id: number;
  last_start: Date;
  synced_at: Date;
}

export interface LegalHold {
  id: number;
  bucket: string | null;
  object_key: string | null;
  camera_id: string | null;
  from_time: Date | null;
  to_time: Date | null;
  reason: string;
  source: string;
  created_at: Date;
}

/** A hold on one object, or on everything a camera recorded in [from, to). */
export type LegalHoldInput =
  | { bucket: string; key: string; reason: string }
  | { cameraId: string; from: Date; to: Date; reason: string };

export interface ArchiveRepo {
  cursor(stream: string): Promise<ArchiveCursor | null>;
  /** moves the cursor forward (never back, so a slow concurrent writer cannot undo progress) */
  advance(stream: string, lastId: number, lastStart: Date): Promise<void>;
  /** a camera's segment rows after `afterId`, in id order, any status */
  segmentsAfter(cameraId: string, afterId: number, limit: number): Promise<SegmentRow[]>;
  /** closed segments of a camera after `afterId`: what the archive still lacks */
  lag(cameraId: string, afterId: number): Promise<{ segments: number; bytes: number }>;

  /** returns the hold id; holding an object already held returns the existing hold */
  addHold(h: LegalHoldInput, source?: string): Promise<number>;
  /** false when there is no active hold with this id */
  releaseHold(id: number): Promise<boolean>;
  activeHolds(): Promise<LegalHold[]>;
  /** replaces the holds that come from the config file, in one transaction */
  replaceConfigHolds(holds: LegalHoldInput[]): Promise<void>;
}

// S3-style key of a segment path: cam/YYYYMMDD/x.ts → cam/YYYY/MM/DD/x.ts (see src/archive/keys.ts)
const SEGMENT_KEY_SQL = String.raw`regexp_replace(s.path, '^([^/]+)/(\d{4})(\d{2})(\d{2})/', '\1/\2/\3/\4/')`;

/** Rows not under an active hold (a camera range overlapping the segment, or a hold on its archive object): storage.ts's retention candidates. */
export const NOT_HELD = `(s.status = 'missing' OR NOT EXISTS (
  SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND (
    (h.camera_id = s.camera_id AND h.from_time < COALESCE(s.end_time, s.start_time) AND h.to_time > s.start_time)
    OR (h.bucket = 'video-segments' AND h.object_key = ${SEGMENT_KEY_SQL}))))`;

/** Segment rows with `unsynced` ($1: the sync cursor prefix, or null when sync is off). */
export const CANDIDATE = `SELECT s.id, s.camera_id, s.start_time, s.end_time, s.path, s.bytes, s.status,
  (s.status = 'closed' AND $1::text IS NOT NULL AND s.id > COALESCE(c.last_id, 0)) AS unsynced
  FROM recording_segments s LEFT JOIN archive_cursors c ON c.stream = $1::text || s.camera_id`;

const HOLD_COLUMNS = 'id, bucket, object_key, camera_id, from_time, to_time, reason, source, created_at';

export function archiveRepo(store: Store): ArchiveRepo {
  const insertHold = async (sql: Pick<Store, 'query'>, h: LegalHoldInput, source: string): Promise<number> => {
    if ('bucket' in h) {
      const { rows } = await sql.query<{ id: number }>(
        `INSERT INTO legal_holds (bucket, object_key, reason, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT (bucket, object_key) WHERE released_at IS NULL AND bucket IS NOT NULL DO NOTHING RETURNING id`,
        [h.bucket, h.key, h.reason, source],
      );
      if (rows[0]) return rows[0].id;
      const existing = await sql.query<{ id: number }>('SELECT id FROM legal_holds WHERE bucket = $1 AND object_key = $2 AND released_at IS NULL', [h.bucket, h.key]);
      return existing.rows[0]!.id;
    }
    const { rows } = await sql.query<{ id: number }>(
      'INSERT INTO legal_holds (camera_id, from_time, to_time, reason, source) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [h.cameraId, h.from, h.to, h.reason, source],
    );
    return rows[0]!.id;
  };

  return {
    async cursor(stream) {
      const { rows } = await store.query<ArchiveCursor>('SELECT stream, last_id, last_start, synced_at FROM archive_cursors WHERE stream = $1', [stream]);
      return rows[0] ?? null;
    },
    async advance(stream, lastId, lastStart) {
      await store.query(
        `INSERT INTO archive_cursors (stream, last_id, last_start) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET last_id = EXCLUDED.last_id, last_start = EXCLUDED.last_start, synced_at = now()
         WHERE archive_cursors.last_id < EXCLUDED.last_id`,
        [stream, lastId, lastStart],
      );
    },
    async segmentsAfter(cameraId, afterId, limit) {
      const { rows } = await store.query<SegmentRow>(
        'SELECT id, camera_id, start_time, end_time, path, bytes, status FROM recording_segments WHERE camera_id = $1 AND id > $2 ORDER BY id LIMIT $3',
        [cameraId, afterId, limit],
      );
      return rows;
    },
    async lag(cameraId, afterId) {
      const { rows } = await store.query<{ segments: number; bytes: number }>(
        `SELECT count(*) AS segments, COALESCE(sum(bytes), 0) AS bytes FROM recording_segments WHERE camera_id = $1 AND id > $2 AND status = 'closed'`,
        [cameraId, afterId],
      );
      return rows[0] ?? { segments: 0, bytes: 0 };
    },

    addHold: (h, source = 'api') => insertHold(store, h, source),
    async releaseHold(id) {
      const { rows } = await store.query('UPDATE legal_holds SET released_at = now() WHERE id = $1 AND released_at IS NULL RETURNING id', [id]);
      return rows.length > 0;
    },
    async activeHolds() {
      const { rows } = await store.query<LegalHold>(`SELECT ${HOLD_COLUMNS} FROM legal_holds WHERE released_at IS NULL ORDER BY id`);
      return rows;
    },
    async replaceConfigHolds(holds) {
      await store.transaction(async (tx) => {
        await tx.query(`DELETE FROM legal_holds WHERE source = 'config'`);
        for (const h of holds) await insertHold(tx, h, 'config');
      });
    },
  };
}
