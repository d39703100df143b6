import type { Sql, Store } from '../port.ts';

/** A durable event-clip job (migration 004); filled by a trigger on events. */
export interface ClipJobRow {
  event_key: string;
  event_id: number;
  camera_id: string;
  event_start: Date;
  event_end: Date;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  not_before: Date | null;
  last_error: string | null;
  clip_key: string | null;
  updated_at: Date;
}

export interface ClipRepo {
  /**
   * Marks as running and returns up to `limit` jobs: pending ones whose event ended before
   * `endedBefore` and whose backoff is over, and running ones last touched before `staleBefore`
   * (their scheduler died). Concurrent schedulers never claim the same job.
   */
  claim(o: { now: Date; endedBefore: Date; staleBefore: Date; limit: number }): Promise<ClipJobRow[]>;
  /** Stores the clip key on the event; the job is done unless the event grew while it ran. */
  complete(job: ClipJobRow, clipKey: string, now: Date): Promise<void>;
  /** Back to pending until `notBefore`; `error` counts as a failed attempt, null only postpones. */
  retry(job: ClipJobRow, notBefore: Date, error: string | null, now: Date): Promise<void>;
  /** Gives up on the job (it stays visible with its last error). */
  fail(job: ClipJobRow, error: string, now: Date): Promise<void>;
  get(eventKey: string): Promise<ClipJobRow | null>;
  /** done jobs last changed at or after `since`, oldest change first (the archive's clip uploads) */
  doneSince(since: Date, limit: number): Promise<ClipJobRow[]>;
}

const COLUMNS = 'event_key, event_id, camera_id, event_start, event_end, status, attempts, not_before, last_error, clip_key, updated_at';
// a job is only finished by the run that claimed its current span: a grown event was reset to pending
const SAME_RUN = `event_key = $1 AND status = 'running' AND event_start = $2 AND event_end = $3`;

export function clipRepo(store: Store): ClipRepo {
  const finish = (sql: Sql, job: ClipJobRow, set: string, values: unknown[]) =>
    sql.query(`UPDATE event_clip_jobs SET ${set} WHERE ${SAME_RUN}`, [job.event_key, job.event_start, job.event_end, ...values]);

  return {
    async claim({ now, endedBefore, staleBefore, limit }) {
      const { rows } = await store.query<ClipJobRow>(
        `UPDATE event_clip_jobs SET status = 'running', updated_at = $1
         WHERE event_key IN (
           SELECT event_key FROM event_clip_jobs
           WHERE (status = 'pending' AND event_end <= $2 AND (not_before IS NULL OR not_before <= $1))
              OR (status = 'running' AND updated_at <= $3)
           ORDER BY event_end LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        [now, endedBefore, staleBefore, limit],
      );
      return rows;
    },
    complete: (job, clipKey, now) =>
      store.transaction(async (tx) => {
        await tx.query('UPDATE events SET clip_path = $2 WHERE event_key = $1', [job.event_key, clipKey]);
        await finish(tx, job, `status = 'done', clip_key = $4, last_error = NULL, updated_at = $5`, [clipKey, now]);
      }),
    async retry(job, notBefore, error, now) {
      await finish(store, job, `status = 'pending', not_before = $4, last_error = COALESCE($5, last_error),
        attempts = attempts + CASE WHEN $5::text IS NULL THEN 0 ELSE 1 END, updated_at = $6`, [notBefore, error, now]);
    },
    async fail(job, error, now) {
      await finish(store, job, `status = 'failed', last_error = $4, attempts = attempts + 1, updated_at = $5`, [error, now]);
    },
    async get(eventKey) {
      return (await store.query<ClipJobRow>(`SELECT ${COLUMNS} FROM event_clip_jobs WHERE event_key = $1`, [eventKey])).rows[0] ?? null;
    },
    async doneSince(since, limit) {
      return (await store.query<ClipJobRow>(`SELECT ${COLUMNS} FROM event_clip_jobs WHERE status = 'done' AND updated_at >= $1 ORDER BY updated_at, event_key LIMIT $2`, [since, limit])).rows;
    },
  };
}
