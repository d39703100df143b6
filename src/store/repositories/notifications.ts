import type { AlertMessage } from '../../core/types.ts';
import type { Sql, Store } from '../port.ts';

/**
 * Notification deliveries and dead letters (migration 008). Every decision — routed, suppressed
 * by a rate limit, sent, failed, dead — is a row, so redelivered alerts never send twice, a
 * restart resumes pending sends, and rate limits are counted from the table (one box; a fleet
 * with several notifier replicas shares the same rows, the per-key advisory lock serialises them).
 */
export type DeliveryKind = AlertMessage['kind'];
export type DeliveryStatus = 'pending' | 'failed' | 'sent' | 'suppressed' | 'dead';
export type DlqStatus = 'open' | 'retrying' | 'delivered';

export interface DeliveryRoute {
  recipient: string;
  channel: string;
  /** address, phone, endpoint id, push user, '-' — never a secret */
  target: string;
  /** at most `max` deliveries per `rateKey` within `windowMs` (counted over pending, failed and sent rows) */
  limit?: { rateKey: string; max: number; windowMs: number };
}

export interface DeliveryRow {
  id: number;
  alert_id: number;
  kind: DeliveryKind;
  recipient: string;
  channel: string;
  target: string;
  rate_key: string | null;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  message: AlertMessage;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export interface DlqRow {
  id: number;
  delivery_id: number;
  alert_id: number;
  channel: string;
  target: string;
  recipient: string;
  kind: DeliveryKind;
  error: string;
  retryable: boolean;
  attempts: number;
  status: DlqStatus;
  created_at: Date;
  retried_at: Date | null;
  /** who re-sent it: `user:alice`, `api_key:gate-gw` */
  retried_by: string | null;
}

export interface PendingSummary {
  /** deliveries queued or waiting for a retry */
  pending: number;
  /** dead-lettered deliveries not (yet) re-sent */
  dead: number;
  /** channels whose latest attempt failed */
  failing_channels: string[];
  suppressed_last_hour: number;
}

export type RequeueResult = { ok: true; delivery: DeliveryRow } | { ok: false; reason: 'not_found' | 'conflict'; status?: DlqStatus };

export interface NotificationRepo {
  /** records one delivery per route (idempotent on alert, kind, recipient, channel, target); returns the rows created now */
  enqueue(message: AlertMessage, routes: DeliveryRoute[], now: Date): Promise<DeliveryRow[]>;
  /** due pending/failed deliveries, leased until `leaseUntil` so no other sender takes them meanwhile */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<DeliveryRow[]>;
  /** the earliest next_attempt_at of a pending or failed delivery */
  nextDue(): Promise<Date | null>;
  /** sent; an open or retrying dead letter of it becomes delivered */
  markSent(id: number, now: Date): Promise<void>;
  markFailed(id: number, error: string, retryAt: Date, now: Date): Promise<void>;
  /** dead: a dead letter is opened (or reopened); `created` is true the first time */
  markDead(id: number, error: string, retryable: boolean, now: Date): Promise<{ dlq: DlqRow; created: boolean }>;
  getDlq(id: number): Promise<DlqRow | null>;
  /** newest first; `before` = id cursor */
  /** newest first; with cameraIds, only dead letters of those cameras' alerts */
  listDlq(f: { status?: DlqStatus; before?: number; limit: number; cameraIds?: readonly string[] }): Promise<DlqRow[]>;
  /**
   * an open dead letter → retrying, recorded as re-sent by `by`; its delivery is due now with a
   * fresh retry budget. With cameraIds, a dead letter of another camera's alert is not_found.
   */
  requeueDlq(id: number, now: Date, by?: string, cameraIds?: readonly string[]): Promise<RequeueResult>;
  /** open, retryable dead letters of a channel created since `since`, oldest first */
  openDlq(channel: string, since: Date, limit: number): Promise<DlqRow[]>;
  /** channels with open retryable dead letters created since `since` */
  channelsWithOpenDlq(since: Date): Promise<string[]>;
  summary(now: Date): Promise<PendingSummary>;
}

const DELIVERY_COLUMNS = `id, alert_id, kind, recipient, channel, target, rate_key, status, attempts, next_attempt_at,
  last_error, message, created_at, updated_at, sent_at`;
const DLQ_COLUMNS = `q.id, q.delivery_id, q.alert_id, q.channel, q.target, d.recipient, d.kind, q.error, q.retryable, q.attempts,
  q.status, q.created_at, q.retried_at, q.retried_by`;
// $n: the camera ids a scoped caller may see (NULL = every camera)
const ofCameras = (ref: string) => `(${ref}::text[] IS NULL OR EXISTS (SELECT 1 FROM alerts a WHERE a.id = q.alert_id AND a.camera_id = ANY(${ref}::text[])))`;
const DLQ_FROM = 'notification_dlq q JOIN notification_deliveries d ON d.id = q.delivery_id';

type Db<T> = Omit<T, 'id' | 'alert_id' | 'delivery_id'> & { id: number | string; alert_id: number | string; delivery_id?: number | string };

// BIGINT columns come back as strings from some drivers
const delivery = (r: Db<DeliveryRow>): DeliveryRow => ({ ...r, id: Number(r.id), alert_id: Number(r.alert_id) }) as DeliveryRow;
const dlq = (r: Db<DlqRow>): DlqRow => ({ ...r, id: Number(r.id), alert_id: Number(r.alert_id), delivery_id: Number(r.delivery_id) }) as DlqRow;

async function insertRoute(tx: Sql, m: AlertMessage, r: DeliveryRoute, now: Date): Promise<DeliveryRow | null> {
  let status: DeliveryStatus = 'pending';
  if (r.limit) {
    // serialises deliveries to one phone/address so two alerts at once cannot both pass the limit
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [r.limit.rateKey]);
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification_deliveries
       WHERE rate_key = $1 AND created_at > $2 AND status IN ('pending', 'failed', 'sent')`,
      [r.limit.rateKey, new Date(now.getTime() - r.limit.windowMs)],
    );
    if (rows[0]!.n >= r.limit.max) status = 'suppressed';
  }
  const { rows } = await tx.query<Db<DeliveryRow>>(
    `INSERT INTO notification_deliveries (alert_id, kind, recipient, channel, target, rate_key, status, next_attempt_at, message, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $10)
     ON CONFLICT (alert_id, kind, recipient, channel, target) DO NOTHING
     RETURNING ${DELIVERY_COLUMNS}`,
    [m.alert_id, m.kind, r.recipient, r.channel, r.target, r.limit?.rateKey ?? null, status, status === 'pending' ? now : null, JSON.stringify(m), now],
  );
  return rows[0] ? delivery(rows[0]) : null;
}

export function notificationRepo(store: Store): NotificationRepo {
  return {
    enqueue: (m, routes, now) => store.transaction(async (tx) => {
      const created: DeliveryRow[] = [];
      for (const r of routes) {
        const row = await insertRoute(tx, m, r, now);
        if (row) created.push(row);
      }
      return created;
    }),

    async claimDue(now, leaseUntil, limit) {
      const { rows } = await store.query<Db<DeliveryRow>>(
        `UPDATE notification_deliveries SET next_attempt_at = $2
         WHERE id IN (SELECT id FROM notification_deliveries
                      WHERE status IN ('pending', 'failed') AND next_attempt_at <= $1
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${DELIVERY_COLUMNS}`,
        [now, leaseUntil, limit],
      );
      return rows.map(delivery).sort((a, b) => a.id - b.id);
    },

    async nextDue() {
      const { rows } = await store.query<{ t: Date | null }>(
        `SELECT min(next_attempt_at) AS t FROM notification_deliveries WHERE status IN ('pending', 'failed')`,
      );
      return rows[0]?.t ?? null;
    },

    markSent: (id, now) => store.transaction(async (tx) => {
      await tx.query(
        `UPDATE notification_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $2, updated_at = $2, next_attempt_at = NULL WHERE id = $1`,
        [id, now],
      );
      await tx.query(`UPDATE notification_dlq SET status = 'delivered' WHERE delivery_id = $1`, [id]);
    }),

    async markFailed(id, error, retryAt, now) {
      await store.query(
        `UPDATE notification_deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1`,
        [id, error, retryAt, now],
      );
    },

    markDead: (id, error, retryable, now) => store.transaction(async (tx) => {
      const { rows } = await tx.query<{ alert_id: number; channel: string; target: string; attempts: number }>(
        `UPDATE notification_deliveries SET status = 'dead', attempts = attempts + 1, last_error = $2, next_attempt_at = NULL, updated_at = $3
         WHERE id = $1 RETURNING alert_id, channel, target, attempts`,
        [id, error, now],
      );
      const d = rows[0];
      if (!d) throw new Error(`no notification delivery ${id}`);
      const existed = await tx.query('SELECT 1 FROM notification_dlq WHERE delivery_id = $1', [id]);
      await tx.query(
        `INSERT INTO notification_dlq (delivery_id, alert_id, channel, target, error, retryable, attempts, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)
         ON CONFLICT (delivery_id) DO UPDATE SET error = EXCLUDED.error, retryable = EXCLUDED.retryable,
           attempts = notification_dlq.attempts + EXCLUDED.attempts, status = 'open'`,
        [id, d.alert_id, d.channel, d.target, error, retryable, d.attempts, now],
      );
      const { rows: q } = await tx.query<Db<DlqRow>>(`SELECT ${DLQ_COLUMNS} FROM ${DLQ_FROM} WHERE q.delivery_id = $1`, [id]);
      return { dlq: dlq(q[0]!), created: existed.rows.length === 0 };
    }),

    async getDlq(id) {
      const { rows } = await store.query<Db<DlqRow>>(`SELECT ${DLQ_COLUMNS} FROM ${DLQ_FROM} WHERE q.id = $1`, [id]);
      return rows[0] ? dlq(rows[0]) : null;
    },

    async listDlq(f) {
      const { rows } = await store.query<Db<DlqRow>>(
        `SELECT ${DLQ_COLUMNS} FROM ${DLQ_FROM}
         WHERE ($1::text IS NULL OR q.status = $1) AND ($2::bigint IS NULL OR q.id < $2) AND ${ofCameras('$4')}
         ORDER BY q.id DESC LIMIT $3`,
        [f.status ?? null, f.before ?? null, f.limit, f.cameraIds ?? null],
      );
      return rows.map(dlq);
    },

    requeueDlq: (id, now, by, cameraIds) => store.transaction(async (tx) => {
      const { rows } = await tx.query<{ delivery_id: number; status: DlqStatus }>(
        `SELECT delivery_id, status FROM notification_dlq q WHERE id = $1 AND ${ofCameras('$2')} FOR UPDATE`, [id, cameraIds ?? null]);
      const q = rows[0];
      if (!q) return { ok: false, reason: 'not_found' } as const;
      if (q.status !== 'open') return { ok: false, reason: 'conflict', status: q.status } as const;
      await tx.query(`UPDATE notification_dlq SET status = 'retrying', retried_at = $2, retried_by = $3 WHERE id = $1`, [id, now, by ?? null]);
      // a fresh retry budget: the attempts so far are kept on the dead letter
      const { rows: d } = await tx.query<Db<DeliveryRow>>(
        `UPDATE notification_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2
         WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [q.delivery_id, now],
      );
      return { ok: true, delivery: delivery(d[0]!) } as const;
    }),

    async openDlq(channel, since, limit) {
      const { rows } = await store.query<Db<DlqRow>>(
        `SELECT ${DLQ_COLUMNS} FROM ${DLQ_FROM}
         WHERE q.status = 'open' AND q.retryable AND q.channel = $1 AND q.created_at >= $2 ORDER BY q.id LIMIT $3`,
        [channel, since, limit],
      );
      return rows.map(dlq);
    },

    async channelsWithOpenDlq(since) {
      const { rows } = await store.query<{ channel: string }>(
        `SELECT DISTINCT channel FROM notification_dlq WHERE status = 'open' AND retryable AND created_at >= $1 ORDER BY channel`,
        [since],
      );
      return rows.map((r) => r.channel);
    },

    async summary(now) {
      const { rows } = await store.query<{ pending: number; dead: number; suppressed: number }>(
        `SELECT count(*) FILTER (WHERE status IN ('pending', 'failed'))::int AS pending,
                count(*) FILTER (WHERE status = 'dead')::int AS dead,
                count(*) FILTER (WHERE status = 'suppressed' AND created_at > $1)::int AS suppressed
         FROM notification_deliveries`,
        [new Date(now.getTime() - 3600_000)],
      );
      // a channel is failing when its most recent attempt (sent, failed or dead) did not succeed
      const { rows: failing } = await store.query<{ channel: string }>(
        `SELECT channel FROM (
           SELECT DISTINCT ON (channel) channel, status FROM notification_deliveries
           WHERE status IN ('sent', 'failed', 'dead') ORDER BY channel, updated_at DESC, id DESC
         ) latest WHERE status <> 'sent' ORDER BY channel`,
      );
      return { pending: rows[0]!.pending, dead: rows[0]!.dead, failing_channels: failing.map((r) => r.channel), suppressed_last_hour: rows[0]!.suppressed };
    },
  };
}
