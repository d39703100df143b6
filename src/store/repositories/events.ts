import type { BBox } from '../../core/types.ts';
import type { Sql, Store } from '../port.ts';
import { InvalidCursorError, type EventInput, type EventRepo, type EventRow } from './types.ts';

/** Largest page a caller may ask for; larger limits are clamped. */
export const MAX_EVENT_PAGE = 1000;

/**
 * The path kept of a track (metadata.track): its first points, one a second as the writer samples
 * them, so a 10-minute track is drawn whole and a parked car's day-long track stays a small row.
 */
export const MAX_TRACK_POINTS = 600;

// face_embeddings.event_key is UNIQUE: one index probe per row
const COLUMNS = `id, event_key, camera_id, event_type, label, confidence, bounding_box, snapshot_path, clip_path,
  start_time, end_time, severity, metadata, late, created_at,
  (SELECT f.id FROM face_embeddings f WHERE f.event_key = events.event_key) AS face_embedding_id`;

type DbEventRow = Omit<EventRow, 'bounding_box'> & { bounding_box: string | null };

/** box is stored as PostgreSQL's BOX, which prints as (x2,y2),(x1,y1) — upper right first. */
export function boxParam(b: BBox | null): string | null {
  return b ? `(${b[0]},${b[1]}),(${b[2]},${b[3]})` : null;
}

export function parseBox(text: string | null): BBox | null {
  if (text === null) return null;
  const n = text.replace(/[()]/g, '').split(',').map(Number);
  if (n.length !== 4 || n.some((v) => !Number.isFinite(v))) throw new Error(`unexpected box value ${text}`);
  const [xa, ya, xb, yb] = n as [number, number, number, number];
  return [Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)];
}

function toRow(r: DbEventRow): EventRow {
  return { ...r, bounding_box: parseBox(r.bounding_box) };
}

export function encodeCursor(startTime: Date, id: number): string {
  return Buffer.from(JSON.stringify([startTime.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { startTime: Date; id: number } {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isSafeInteger(v[1])) {
      const startTime = new Date(v[0]);
      // a forged time outside what is stored (year 0000, 10000) would fail the query rather than match nothing
      const year = startTime.getUTCFullYear();
      if (year >= 1970 && year <= 9999) return { startTime, id: v[1] as number };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError('invalid cursor');
}

/** The upsert inside a caller's transaction (the alerts repository writes a rule's event with its alert). */
export async function upsertIn(tx: Sql, e: EventInput): Promise<number> {
  // event_key cannot be UNIQUE on its own (the partition key must be part of any unique
  // constraint), so concurrent upserts of one key are serialised by a per-key lock instead
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [e.eventKey]);
  const existing = await tx.query<{ id: number; start_time: Date }>(
    'SELECT id, start_time FROM events WHERE event_key = $1 ORDER BY start_time LIMIT 1 FOR UPDATE',
    [e.eventKey],
  );
  const found = existing.rows[0];
  const metadata = JSON.stringify(!found && e.trackPoint ? { ...e.metadata, track: [e.trackPoint] } : e.metadata ?? {});
  if (!found) {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO events (event_key, camera_id, event_type, label, confidence, bounding_box, snapshot_path,
                           start_time, end_time, severity, metadata, late)
       VALUES ($1, $2, $3, $4, $5, $6::box, $7, $8, $9, $10, $11::jsonb, $12) RETURNING id`,
      [e.eventKey, e.cameraId, e.eventType, e.label, e.confidence, boxParam(e.bbox), e.snapshotPath,
        e.startTime, e.endTime, e.severity ?? null, metadata, e.late ?? false],
    );
    return rows[0]!.id;
  }
  // SET expressions see the old row: the earliest start, the latest end, the best confidence and
  // the box/snapshot of a new view, else of the most confident call (a better call without a
  // snapshot keeps the old one)
  const { rows } = await tx.query<{ id: number }>(
    `UPDATE events SET
       start_time = LEAST(start_time, $3::timestamptz),
       end_time = GREATEST(end_time, $4::timestamptz),
       bounding_box = CASE WHEN $10::boolean THEN $6::box
                           WHEN confidence IS NULL OR $5::decimal(4,3) > confidence
                           THEN COALESCE($6::box, bounding_box) ELSE bounding_box END,
       snapshot_path = CASE WHEN $10::boolean THEN $7
                            WHEN confidence IS NULL OR $5::decimal(4,3) > confidence
                            THEN COALESCE($7, snapshot_path) ELSE snapshot_path END,
       confidence = GREATEST(confidence, $5::decimal(4,3)),
       severity = COALESCE($8, severity),
       metadata = CASE WHEN $11::jsonb IS NULL OR jsonb_array_length(COALESCE(metadata->'track', '[]')) >= $12
                       THEN metadata || $9::jsonb
                       ELSE metadata || $9::jsonb || jsonb_build_object('track', COALESCE(metadata->'track', '[]') || $11::jsonb) END
     WHERE id = $1 AND start_time = $2
     RETURNING id`,
    [found.id, found.start_time, e.startTime, e.endTime, e.confidence, boxParam(e.bbox), e.snapshotPath,
      e.severity ?? null, metadata, e.newView === true, e.trackPoint ? JSON.stringify([e.trackPoint]) : null, MAX_TRACK_POINTS],
  );
  return rows[0]!.id;
}

export function eventRepo(store: Store): EventRepo {
  return {
    upsert: (e) => store.transaction((tx) => upsertIn(tx, e)),

    async get(id) {
      const { rows } = await store.query<DbEventRow>(`SELECT ${COLUMNS} FROM events WHERE id = $1`, [id]);
      return rows[0] ? toRow(rows[0]) : null;
    },

    async list(f) {
      const limit = Math.min(Math.max(Math.trunc(f.limit) || 1, 1), MAX_EVENT_PAGE);
      // fixed SQL fragments with $n placeholders; values only ever travel as parameters
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (fragment: (n: string) => string, ...values: unknown[]) => {
        const refs = values.map((v) => `$${params.push(v)}`);
        where.push(fragment(refs.join(', ')));
      };
      if (f.cursor !== undefined) {
        const c = decodeCursor(f.cursor);
        add((refs) => `(start_time, id) < (${refs})`, c.startTime, c.id);
      }
      if (f.cameraIds !== undefined) add((ref) => `camera_id = ANY(${ref}::text[])`, f.cameraIds);
      if (f.label !== undefined) add((ref) => `label = ${ref}`, f.label);
      if (f.from !== undefined) add((ref) => `start_time >= ${ref}`, f.from);
      if (f.to !== undefined) add((ref) => `start_time < ${ref}`, f.to);
      if (f.late !== undefined) add((ref) => `late = ${ref}`, f.late);
      if (f.zoneId !== undefined) add((ref) => `metadata->>'zone_id' = ${ref}`, f.zoneId);
      const { rows } = await store.query<DbEventRow>(
        `SELECT ${COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY start_time DESC, id DESC LIMIT $${params.push(limit + 1)}`,
        params,
      );
      const items = rows.slice(0, limit).map(toRow);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.start_time, last.id) : null };
    },
  };
}
