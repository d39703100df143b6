import type { DetectionMessage } from '../../core/types.ts';
import type { Store } from '../port.ts';

/**
 * The analytics role's recent ai.detections (table rules_window, migration 007): replayed through
 * the rules engine after a restart, so rule state (a dwell, a forming crowd) survives it.
 */
export interface RulesWindowRepo {
  /** idempotent on (camera, timestamp, frame_seq) */
  append(msg: DetectionMessage): Promise<void>;
  /** every stored message at or after `since`, per camera in capture order */
  since(since: Date): Promise<DetectionMessage[]>;
  /**
   * One camera's messages with frame_at in [from, to) in capture order, at most `limit`, after the
   * frame `after` (the `at`/`seq` of the previous page's last): a day of frames is read page by page.
   */
  cameraFrames(cameraId: string, from: Date, to: Date, after: WindowPosition | null, limit: number): Promise<WindowFrame[]>;
  /** the newest stored frame time, null when empty */
  newest(): Promise<Date | null>;
  /** deletes messages older than `before`; returns how many */
  prune(before: Date): Promise<number>;
}

/** Where a stored frame sits in its camera's order. */
export interface WindowPosition {
  at: Date;
  seq: number;
}

export interface WindowFrame extends WindowPosition {
  message: DetectionMessage;
}

export function rulesWindowRepo(store: Store): RulesWindowRepo {
  return {
    async append(msg) {
      await store.query(
        `INSERT INTO rules_window (camera_id, frame_at, frame_seq, message) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT DO NOTHING`,
        [msg.camera_id, new Date(msg.timestamp), msg.frame_seq, JSON.stringify(msg)],
      );
    },
    async since(since) {
      const { rows } = await store.query<{ message: DetectionMessage }>(
        'SELECT message FROM rules_window WHERE frame_at >= $1 ORDER BY camera_id, frame_at, frame_seq', [since]);
      return rows.map((r) => r.message);
    },
    async cameraFrames(cameraId, from, to, after, limit) {
      const { rows } = await store.query<{ at: Date; seq: string; message: DetectionMessage }>(
        `SELECT frame_at AS at, frame_seq AS seq, message FROM rules_window
         WHERE camera_id = $1 AND frame_at >= $2 AND frame_at < $3 AND ($4::timestamptz IS NULL OR (frame_at, frame_seq) > ($4, $5))
         ORDER BY frame_at, frame_seq LIMIT $6`,
        [cameraId, from, to, after?.at ?? null, after?.seq ?? 0, limit]);
      return rows.map((r) => ({ at: r.at, seq: Number(r.seq), message: r.message }));
    },
    async newest() {
      const { rows } = await store.query<{ at: Date | null }>('SELECT max(frame_at) AS at FROM rules_window');
      return rows[0]?.at ?? null;
    },
    async prune(before) {
      const r = await store.query('DELETE FROM rules_window WHERE frame_at < $1', [before]);
      return r.affectedRows ?? 0;
    },
  };
}
