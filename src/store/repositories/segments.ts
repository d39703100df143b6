import type { Sql } from '../port.ts';
import type { GapRow, SegmentRepo, SegmentRow } from './types.ts';

const COLUMNS = 'id, camera_id, start_time, end_time, path, bytes, status';

export function segmentRepo(sql: Sql): SegmentRepo {
  const segments = async (where: string, params: unknown[]) =>
    (await sql.query<SegmentRow>(`SELECT ${COLUMNS} FROM recording_segments WHERE ${where}`, params)).rows;

  return {
    async upsert(s) {
      await sql.query(
        `INSERT INTO recording_segments (camera_id, path, start_time, end_time, bytes, status)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (path) DO UPDATE SET start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, bytes = EXCLUDED.bytes, status = EXCLUDED.status`,
        [s.cameraId, s.path, s.startTime, s.endTime, s.bytes, s.status],
      );
    },
    get: async (id) => (await segments('id = $1', [id]))[0] ?? null,
    // an open segment (end_time NULL) overlaps everything after its start
    list: (cameraId, from, to) =>
      segments('camera_id = $1 AND start_time < $3 AND (end_time > $2 OR end_time IS NULL) ORDER BY start_time, id', [cameraId, from, to]),
    oldest: (limit, cameraId) =>
      cameraId === undefined
        ? segments(`status = 'closed' ORDER BY start_time, id LIMIT $1`, [limit])
        : segments(`status = 'closed' AND camera_id = $2 ORDER BY start_time, id LIMIT $1`, [limit, cameraId]),
    endedBefore: (cameraId, before, limit) =>
      // missing rows (file gone) age out too, so the index never keeps them forever
      segments(`camera_id = $1 AND status IN ('closed', 'missing') AND COALESCE(end_time, start_time) < $2 ORDER BY start_time, id LIMIT $3`, [cameraId, before, limit]),
    open: (cameraId) =>
      cameraId === undefined
        ? segments(`status = 'open' ORDER BY start_time, id`, [])
        : segments(`status = 'open' AND camera_id = $1 ORDER BY start_time, id`, [cameraId]),
    async remove(path) {
      await sql.query('DELETE FROM recording_segments WHERE path = $1', [path]);
    },
    async removeDeleted(path, cause) {
      // one statement: the row and its gap go together. Segments ffmpeg cut back to back are a
      // second apart at most, so a deletion gap ending that close before the segment grows.
      await sql.query(
        `WITH gone AS (
           DELETE FROM recording_segments WHERE path = $1
           RETURNING camera_id, start_time, COALESCE(end_time, start_time) AS end_time
         ), grown AS (
           UPDATE recording_gaps g SET end_time = GREATEST(g.end_time, gone.end_time) FROM gone
           WHERE g.camera_id = gone.camera_id AND g.kind = 'deleted' AND g.cause = $2
             AND g.end_time >= gone.start_time - interval '2 seconds' AND g.end_time <= gone.end_time
           RETURNING g.id
         )
         INSERT INTO recording_gaps (camera_id, start_time, end_time, cause, kind)
         SELECT camera_id, start_time, end_time, $2, 'deleted' FROM gone WHERE NOT EXISTS (SELECT 1 FROM grown)`,
        [path, cause],
      );
    },
    async openGap(cameraId, start, cause, kind) {
      await sql.query(
        `INSERT INTO recording_gaps (camera_id, start_time, cause, kind) VALUES ($1, $2, $3, $4)
         ON CONFLICT (camera_id) WHERE end_time IS NULL DO NOTHING`,
        [cameraId, start, cause, kind],
      );
    },
    async closeGap(cameraId, end) {
      // a clock step backwards must not produce a gap that ends before it starts
      await sql.query(
        'UPDATE recording_gaps SET end_time = GREATEST($2::timestamptz, start_time) WHERE camera_id = $1 AND end_time IS NULL',
        [cameraId, end],
      );
    },
    async gaps(cameraId, from, to) {
      const { rows } = await sql.query<GapRow>(
        `SELECT camera_id, start_time, end_time, cause, kind FROM recording_gaps
         WHERE camera_id = $1 AND start_time < $3 AND (end_time > $2 OR end_time IS NULL)
         ORDER BY start_time, id`,
        [cameraId, from, to],
      );
      return rows;
    },
    async stats(cameraId) {
      // missing segments no longer hold video: they count neither as segments nor as bytes
      const { rows } = await sql.query<{ segments: number; bytes: number; first: Date | null; last: Date | null }>(
        `SELECT count(*) AS segments, COALESCE(sum(bytes), 0) AS bytes,
                min(start_time) AS first, max(COALESCE(end_time, start_time)) AS last
         FROM recording_segments WHERE camera_id = $1 AND status <> 'missing'`,
        [cameraId],
      );
      return rows[0] ?? { segments: 0, bytes: 0, first: null, last: null };
    },
  };
}
