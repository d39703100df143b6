import { redact } from '../../core/redact.ts';
import type { Sql } from '../port.ts';
import type { CameraRepo, CameraRow } from './types.ts';

const COLUMNS = 'id, name, site_id, dvr_channel, rtsp_url, location, status, created_at';

export function cameraRepo(sql: Sql): CameraRepo {
  return {
    async upsert(c) {
      // status is kept on update unless given: the camera worker owns it, not the config sync
      await sql.query(
        `INSERT INTO cameras (id, name, site_id, dvr_channel, rtsp_url, location, status)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, 'unknown'))
         ON CONFLICT (id) DO UPDATE SET
           name = EXCLUDED.name, site_id = EXCLUDED.site_id, dvr_channel = EXCLUDED.dvr_channel,
           rtsp_url = EXCLUDED.rtsp_url, location = EXCLUDED.location,
           status = COALESCE($7, cameras.status)`,
        // redacted again here: a credential must never reach the database, whatever the caller did
        [c.id, c.name, c.siteId, c.dvrChannel ?? null, redact(c.rtspUrl), c.location ?? null, c.status ?? null],
      );
    },
    async list() {
      return (await sql.query<CameraRow>(`SELECT ${COLUMNS} FROM cameras ORDER BY id`)).rows;
    },
    async get(id) {
      return (await sql.query<CameraRow>(`SELECT ${COLUMNS} FROM cameras WHERE id = $1`, [id])).rows[0] ?? null;
    },
    async setStatus(id, status) {
      await sql.query('UPDATE cameras SET status = $2 WHERE id = $1', [id, status]);
    },
  };
}
