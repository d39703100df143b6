import type { Sql } from '../port.ts';

/** A capture-time range [start, end) of one camera that live analysis did not see (migration 010). */
export interface AnalysisHole {
  id: number;
  cameraId: string;
  start: Date;
  end: Date;
  cause: string;
}

/** Where a camera's analysis stands: the cursor is the capture time up to which everything is analysed. */
export interface AnalysisState {
  /** newest live frame analysed; null before the first one */
  liveUntil: Date | null;
  /** oldest unanalysed moment: the oldest hole's start, else liveUntil */
  cursor: Date | null;
  holes: number;
  /** capture time not yet analysed, summed over the holes */
  unanalysedSeconds: number;
}

export interface AnalysisRepo {
  liveUntil(cameraId: string): Promise<Date | null>;
  /** moves live_until forward (never back) */
  setLiveUntil(cameraId: string, at: Date): Promise<void>;
  /** stores a hole; one that starts where another of the camera ends extends it (sustained overload is one hole, not one per frame) */
  addHole(cameraId: string, start: Date, end: Date, cause: string): Promise<void>;
  /** the oldest hole of each camera, oldest first */
  oldestHoles(): Promise<AnalysisHole[]>;
  /** the hole's start moves to `start` (catch-up progress); the hole is deleted once nothing is left */
  advanceHole(id: number, start: Date): Promise<void>;
  state(cameraId: string): Promise<AnalysisState>;
}

interface HoleRow { id: number; camera_id: string; start_time: Date; end_time: Date; cause: string }
const toHole = (r: HoleRow): AnalysisHole => ({ id: r.id, cameraId: r.camera_id, start: r.start_time, end: r.end_time, cause: r.cause });

export function analysisRepo(sql: Sql): AnalysisRepo {
  return {
    async liveUntil(cameraId) {
      const { rows } = await sql.query<{ live_until: Date }>('SELECT live_until FROM analysis_cursors WHERE camera_id = $1', [cameraId]);
      return rows[0]?.live_until ?? null;
    },
    async setLiveUntil(cameraId, at) {
      await sql.query(
        `INSERT INTO analysis_cursors (camera_id, live_until) VALUES ($1, $2)
         ON CONFLICT (camera_id) DO UPDATE SET live_until = GREATEST(analysis_cursors.live_until, EXCLUDED.live_until), updated_at = now()`,
        [cameraId, at],
      );
    },
    async addHole(cameraId, start, end, cause) {
      if (end <= start) return;
      const extended = await sql.query('UPDATE analysis_holes SET end_time = $3 WHERE camera_id = $1 AND end_time = $2 AND end_time < $3', [cameraId, start, end]);
      if (extended.affectedRows) return;
      await sql.query('INSERT INTO analysis_holes (camera_id, start_time, end_time, cause) VALUES ($1, $2, $3, $4)', [cameraId, start, end, cause]);
    },
    async oldestHoles() {
      const { rows } = await sql.query<HoleRow>(
        `SELECT DISTINCT ON (camera_id) id, camera_id, start_time, end_time, cause FROM analysis_holes
         ORDER BY camera_id, start_time, id`,
      );
      return rows.map(toHole).sort((a, b) => a.start.getTime() - b.start.getTime());
    },
    async advanceHole(id, start) {
      await sql.query('DELETE FROM analysis_holes WHERE id = $1 AND end_time <= $2', [id, start]);
      await sql.query('UPDATE analysis_holes SET start_time = GREATEST(start_time, $2) WHERE id = $1', [id, start]);
    },
    async state(cameraId) {
      const { rows } = await sql.query<{ live_until: Date | null; oldest: Date | null; holes: number; seconds: number }>(
        `SELECT (SELECT live_until FROM analysis_cursors WHERE camera_id = $1) AS live_until,
                min(start_time) AS oldest, count(*) AS holes,
                COALESCE(sum(EXTRACT(EPOCH FROM end_time - start_time)), 0)::float8 AS seconds
         FROM analysis_holes WHERE camera_id = $1`,
        [cameraId],
      );
      const r = rows[0]!;
      return { liveUntil: r.live_until, cursor: r.oldest ?? r.live_until, holes: r.holes, unanalysedSeconds: r.seconds };
    },
  };
}
